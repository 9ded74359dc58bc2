"""The newsroom's alert URLs, under /admin/alerts/ (namespace ``alerts_admin``; the reader side
has ``alerts``)."""

from django.urls import path

from . import admin_views

urlpatterns = [
    path("", admin_views.ReportView.as_view(), name="report"),
    path("<int:pk>/", admin_views.AlertView.as_view(), name="alert"),
    path("<int:pk>/resume/", admin_views.ResumeView.as_view(), name="resume"),
    path("send/<int:page_id>/", admin_views.SendView.as_view(), name="send"),
]

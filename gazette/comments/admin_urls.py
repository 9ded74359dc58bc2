"""The moderators' admin URLs, under /admin/comments/ (namespace ``comment_moderation``; the
reader side has ``comments``)."""

from django.urls import path

from . import admin_views

urlpatterns = [
    path("", admin_views.QueueView.as_view(), name="queue"),
    path("action/", admin_views.ActionView.as_view(), name="action"),
    path("<int:pk>/", admin_views.CommentView.as_view(), name="comment"),
    path("<int:pk>/reply/", admin_views.ReplyView.as_view(), name="reply"),
    path("<int:pk>/edit/", admin_views.EditView.as_view(), name="edit"),
]

from django.urls import path

from . import views

app_name = "trust"

urlpatterns = [
    path("contact/<int:page_id>/", views.contact_post, name="contact"),
]

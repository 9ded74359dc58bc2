"""A commenter's own pages: the privacy notice and its requests, confirmation, unsubscribe."""

from django.urls import path

from . import account_views

urlpatterns = [
    path("privacy/", account_views.privacy_notice, name="privacy"),
    path("privacy/sent/", account_views.privacy_sent, name="privacy_sent"),
    path("privacy/export/<str:token>/", account_views.privacy_export, name="privacy_export"),
    path("privacy/erase/<str:token>/", account_views.privacy_erase, name="privacy_erase"),
    path("notify/confirm/<str:token>/", account_views.notify_confirm, name="notify_confirm"),
    path("unsubscribe/<str:token>/", account_views.unsubscribe, name="unsubscribe"),
]

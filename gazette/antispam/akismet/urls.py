"""The Akismet-compatible API; gazette/urls.py mounts it under /akismet/."""

from django.urls import path

from . import views

app_name = "akismet"

urlpatterns = [
    path("1.1/verify-key", views.verify_key, name="verify-key"),
    path("1.1/comment-check", views.comment_check, name="comment-check"),
    path("1.1/submit-spam", views.submit_spam, name="submit-spam"),
    path("1.1/submit-ham", views.submit_ham, name="submit-ham"),
    path("1.1/test", views.connection_test, name="test"),
    path("1.1/get-subscription", views.get_subscription, name="get-subscription"),
    path("1.1/get-stats", views.get_stats, name="get-stats"),
    path("1.1/deactivate", views.deactivate, name="deactivate"),
    path("1.1/token", views.token, name="token"),
    # The plugin's statistics frames, at tools.akismet.com's paths (see the must-use plugin).
    path("1.0/snapshot.php", views.stats_snapshot, name="stats-snapshot"),
    path("1.0/user-stats.php", views.stats_detail, name="stats-detail"),
    path("1.2/compatible-plugins", views.compatible_plugins, name="compatible-plugins"),
    path("1.2/usage-limit", views.usage_limit, name="usage-limit"),
    path("1.2/key-sites", views.key_sites, name="key-sites"),
]

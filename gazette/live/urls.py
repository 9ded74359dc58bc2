from django.urls import path

from . import feeds, views

app_name = "live"

urlpatterns = [
    path("<int:page_id>/updates.json", views.updates, name="updates"),
    path("<int:page_id>/feed/<slug:fmt>/", feeds.live_feed, name="feed"),
]

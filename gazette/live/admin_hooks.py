"""The quick entry screen in the Wagtail admin (/admin/live/<page id>/), reached by "Add live
entry" in a live page's edit header and in its row of the page listing. Shown only to those who
may publish the page: an entry is public the moment it is posted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, path, reverse
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import Button

from . import admin_views
from .models import LivePage


class LiveAdminViewSet(ViewSet):
    name = "live_admin"
    url_prefix = "live"
    icon = "time"

    def get_urlpatterns(self) -> list[URLPattern]:
        return [
            path("<int:page_id>/", admin_views.QuickEntryView.as_view(), name="entries"),
            path("<int:page_id>/entries/<int:entry_id>/delete/",
                 admin_views.DeleteEntryView.as_view(), name="delete"),
        ]


@hooks.register("register_admin_viewset")
def register_live_admin() -> ViewSet:
    return LiveAdminViewSet()


def entry_button(page: Any, user: Any, priority: int) -> Button | None:
    """"Add live entry" for a live page the user may publish; None otherwise. ``page`` may be a
    plain Page (the listing): its specific class decides before anything else is asked."""
    specific_class = getattr(page, "specific_class", None) or type(page)
    if not (specific_class and issubclass(specific_class, LivePage)):
        return None
    if not admin_views.may_post(page, user):
        return None
    return Button("Add live entry", reverse("live_admin:entries", args=[page.pk]),
                  icon_name="time", attrs={"data-live-entry": str(page.pk)}, priority=priority)


@hooks.register("register_page_header_buttons")
def page_header_live_entry(page: Any, user: Any, view_name: str,
                           next_url: str | None = None) -> Iterator[Button]:
    if view_name == "edit" and (button := entry_button(page, user, priority=30)):
        yield button


@hooks.register("register_page_listing_buttons")
def page_listing_live_entry(page: Any, user: Any, next_url: str | None = None
                            ) -> Iterator[Button]:
    if button := entry_button(page, user, priority=35):
        yield button

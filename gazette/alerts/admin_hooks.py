"""The newsroom's alerts in the Wagtail admin: an "Alerts" menu item (the report), and "Send
alert" in a live story's header menu and in its row of the page listing. Shown only to those
who may send alerts (``alerts.send_alert``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import Button

from gazette.news.models import ArticlePage

from . import admin_urls
from .admin_views import can_send


class AlertsMenuItem(MenuItem):
    def is_shown(self, request: Any) -> bool:
        return can_send(request.user)


class AlertsViewSet(ViewSet):
    name = "alerts_admin"
    url_prefix = "alerts"
    icon = "mail"
    menu_label = "Alerts"
    menu_name = "alerts"
    menu_order = 260
    add_to_admin_menu = True
    menu_item_class = AlertsMenuItem

    def get_urlpatterns(self) -> list[URLPattern]:
        return list(admin_urls.urlpatterns)


@hooks.register("register_admin_viewset")
def register_alerts() -> ViewSet:
    return AlertsViewSet()


def send_button(page: Any, user: Any, priority: int) -> Button | None:
    """"Send alert" for a live story, if the user may send; None otherwise. ``page`` may be
    a plain Page (the listing): its specific class decides, without loading the story."""
    specific_class = getattr(page, "specific_class", None) or type(page)
    if not (issubclass(specific_class, ArticlePage) and page.live and can_send(user)):
        return None
    return Button("Send alert", reverse("alerts_admin:send", args=[page.pk]), icon_name="mail",
                  attrs={"data-send-alert": str(page.pk)}, priority=priority)


@hooks.register("register_page_header_buttons")
def page_header_send_alert(page: Any, user: Any, view_name: str,
                           next_url: str | None = None) -> Iterator[Button]:
    if view_name == "edit" and (button := send_button(page, user, priority=40)):
        yield button


@hooks.register("register_page_listing_more_buttons")
def page_listing_send_alert(page: Any, user: Any, next_url: str | None = None
                            ) -> Iterator[Button]:
    if button := send_button(page, user, priority=45):
        yield button

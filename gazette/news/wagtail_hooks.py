"""The news part's screens in the Wagtail admin: the "Most read" report."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .admin_views import MostReadView


@hooks.register("register_admin_urls")
def most_read_urls() -> list[URLPattern]:
    return [path("reports/most-read/", MostReadView.as_view(), name="news_most_read")]


@hooks.register("register_reports_menu_item")
def most_read_menu_item() -> Any:
    return MenuItem("Most read", reverse("news_most_read"), icon_name="view", order=100)

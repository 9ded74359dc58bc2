"""Hooks that give moderators their queues in the Wagtail admin, and editors the rules for a
section or a story (a snippet)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.viewsets.base import ViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_urls
from .admin_views import can_moderate, pending_count
from .models import DiscussionOverride


class CommentsMenuItem(MenuItem):
    """"Comments", with the number waiting for a moderator ("Comments (3)"); shown only to
    those who may moderate. The count is read on every admin page: one indexed query."""

    def is_shown(self, request: Any) -> bool:
        return can_moderate(request.user)

    def render_component(self, request: Any) -> LinkMenuItem:
        waiting = pending_count()
        label = f"{self.label} ({waiting})" if waiting else self.label
        attrs = {**self.attrs, "data-pending-count": str(waiting)}
        # A fresh component each time: menu items are shared by every request.
        return LinkMenuItem(self.name, label, self.url, icon_name=self.icon_name,
                            classname=self.classname, attrs=attrs)


class CommentModerationViewSet(ViewSet):
    name = "comment_moderation"
    url_prefix = "comments"
    icon = "comment"
    menu_label = "Comments"
    menu_name = "comments"
    menu_order = 250
    add_to_admin_menu = True
    menu_item_class = CommentsMenuItem

    def get_urlpatterns(self) -> list[URLPattern]:
        return list(admin_urls.urlpatterns)


@hooks.register("register_admin_viewset")
def register_moderation() -> ViewSet:
    return CommentModerationViewSet()


class DiscussionOverrideViewSet(SnippetViewSet):
    """Per-section and per-story rules, under Snippets; the site's rules are in Settings."""

    model = DiscussionOverride
    icon = "comment"
    menu_label = "Discussion rules"
    copy_view_enabled = False
    list_display = ["__str__", "closed", "moderation_mode", "close_after_days"]
    search_fields = ["page__title"]
    search_backend_name = None


register_snippet(DiscussionOverrideViewSet)


# --- Commenter data: export or erase what is stored for an email (privacy.py) ---------------


class CommenterDataMenuItem(MenuItem):
    def is_shown(self, request: Any) -> bool:
        return can_moderate(request.user)


@hooks.register("register_admin_urls")
def register_commenter_data_url() -> list[URLPattern]:
    from django.urls import path

    from .account_views import admin_commenter_data

    return [path("comments-data/", admin_commenter_data, name="comments_commenter_data")]


@hooks.register("register_settings_menu_item")
def register_commenter_data_menu_item() -> MenuItem:
    from django.urls import reverse

    return CommenterDataMenuItem("Commenter data", reverse("comments_commenter_data"),
                                 icon_name="comment", order=900)

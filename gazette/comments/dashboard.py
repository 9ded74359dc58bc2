"""The dashboard tells moderators how many comments wait for them, first thing, and only
when some do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from wagtail import hooks
from wagtail.admin.ui.components import Component

from .admin_views import can_moderate, oldest_pending_at, pending_count


class PendingCommentsPanel(Component):
    name = "gazette_pending_comments"
    template_name = "comments/admin/pending_panel.html"
    order = 55  # after the late-tasks warning, before the newsroom's stories

    def __init__(self, count: int) -> None:
        self.count = count

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {"count": self.count, "oldest": oldest_pending_at()}


@hooks.register("construct_homepage_panels")
def add_pending_comments_panel(request: HttpRequest, panels: list[Any]) -> None:
    if can_moderate(request.user):
        count = pending_count()
        if count:
            panels.append(PendingCommentsPanel(count))

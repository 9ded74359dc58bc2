"""The newsroom's admin: a warning when a story goes out without a lead image, and a dashboard
panel of the stories editors work on (the newest out, the next scheduled, drafts). Imported by
NewsConfig.ready (news/wagtail_hooks.py holds the reports)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.models import Page

from .models import ArticlePage

RECENT_STORIES = 8
SCHEDULED_STORIES = 5


@hooks.register("after_publish_page")
def warn_without_lead_image(request: HttpRequest, page: Page) -> None:
    # A warning, not a refusal: a short breaking story may go out before its picture.
    specific = page.specific
    if isinstance(specific, ArticlePage) and specific.lead_image_id is None:
        messages.warning(
            request,
            f"“{specific.title}” was published without a lead image: story cards and link "
            "previews show the site's logo instead. Add one under “Lead image” when you can.",
        )


def newsroom_summary(now: Any = None) -> dict[str, Any]:
    """What the dashboard's newsroom panel shows; three short queries."""
    now = now or timezone.now()
    stories = ArticlePage.objects.all()
    recent = list(
        stories.filter(live=True).order_by("-first_published_at")
        .only("pk", "title", "first_published_at", "breaking", "update_note", "updated_at")
        [:RECENT_STORIES]
    )
    scheduled = list(
        # A story never published keeps its schedule on its own row (Wagtail saves it so).
        stories.filter(go_live_at__gt=now, live=False).order_by("go_live_at")
        .only("pk", "title", "go_live_at")[:SCHEDULED_STORIES]
    )
    drafts = stories.filter(live=False, first_published_at__isnull=True).count()
    return {"recent": recent, "scheduled": scheduled, "drafts": drafts}


class NewsroomPanel(Component):
    name = "gazette_newsroom"
    template_name = "news/admin/newsroom_panel.html"
    order = 60  # first of the everyday panels: what is out and what goes out next

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return newsroom_summary()


@hooks.register("construct_homepage_panels")
def add_newsroom_panel(request: HttpRequest, panels: list[Any]) -> None:
    panels.append(NewsroomPanel())

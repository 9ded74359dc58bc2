"""Builders for tests (and the demo's checks) that need a live page."""

from __future__ import annotations

from datetime import datetime

from gazette.news.models import SectionPage
from gazette.news.testing import make_section

from .models import LiveEntry, LiveKeyPoint, LivePage


def make_live_page(
    section: SectionPage | None = None,
    *,
    title: str = "Storm surge reaches the harbour: live",
    standfirst: str = "Follow the tide, the barrier and the evacuation as it happens.",
    slug: str | None = None,
    key_points: list[str] | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    publish: bool = True,
) -> LivePage:
    section = section or make_section()
    page = LivePage(title=title, standfirst=standfirst, slug=slug or None, live=publish,
                    coverage_started_at=started_at, coverage_ended_at=ended_at)
    section.add_child(instance=page)
    for position, text in enumerate(key_points or []):
        LiveKeyPoint.objects.create(page=page, text=text, sort_order=position)
    if publish:
        page.save_revision().publish()
        page.refresh_from_db()
    return page


def make_entry(page: LivePage, body: str, *, title: str = "",
               at: datetime | None = None) -> LiveEntry:
    """An entry written straight to the database (no cache refresh: see services for that)."""
    entry = LiveEntry.objects.create(page=page, body=body, title=title)
    if at is not None:
        LiveEntry.objects.filter(pk=entry.pk).update(created_at=at)
        entry.refresh_from_db()
    return entry

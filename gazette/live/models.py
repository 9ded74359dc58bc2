"""Live coverage of a developing story: a story page whose timestamped entries come in one by one.

``LivePage`` is an ``ArticlePage``, so section lists, the front page, the site's feeds, sitemaps
and search show it like any story. Its entries are rows of their own, not page revisions: an
editor posts one from the quick entry screen without touching the page (views_admin.py), and
the page's revisions never bring back or drop an entry. Key points are part of the page,
changed rarely, by publishing it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from gazette.news.models import ArticlePage

# What the page and the polling endpoint show; older entries are a click away (?page=2).
ENTRIES_SHOWN = 50
ENTRY_TITLE_LENGTH = 200
ENTRY_BODY_LENGTH = 5000
# How long a browser may keep the page or its updates without asking again (the page cache
# answers the question, with a 304 when nothing changed).
BROWSER_CACHE_SECONDS = 5
# How often a reader's open page asks for new entries (readers see one within 15 s).
POLL_SECONDS = 10


class LivePage(ArticlePage):
    """A developing story: key points pinned at the top, then its entries, newest first."""

    coverage_started_at: models.DateTimeField[datetime | None, datetime | None] = (
        models.DateTimeField(
        null=True, blank=True,
        help_text="When the coverage began. Leave empty to use the first publication time.",
    ))
    coverage_ended_at: models.DateTimeField[datetime | None, datetime | None] = (
        models.DateTimeField(
        null=True, blank=True,
        help_text="Set when the coverage ends, then publish: readers see "
                  "'This live coverage has ended' and the page stops updating itself.",
    ))

    content_panels = ArticlePage.content_panels + [
        InlinePanel("key_points", label="Key point", heading="Key points",
                    help_text="Pinned at the top of the page, in this order."),
    ]
    settings_panels = ArticlePage.settings_panels + [
        MultiFieldPanel([FieldPanel("coverage_started_at"), FieldPanel("coverage_ended_at")],
                        heading="Live coverage"),
    ]
    parent_page_types = ["news.SectionPage"]
    subpage_types: list[str] = []
    template = "live/live_page.html"

    class Meta:
        verbose_name = "live coverage page"

    def clean(self) -> None:
        super().clean()
        now = timezone.now()
        if self.coverage_ended_at and self.coverage_ended_at > now + timedelta(minutes=1):
            # A page cached as live would not notice a future end; ending is an editor's act.
            raise ValidationError({"coverage_ended_at": "Set the end when the coverage ends, "
                                                        "not in advance."})
        start = self.coverage_started_at
        if start and self.coverage_ended_at and self.coverage_ended_at < start:
            raise ValidationError({"coverage_ended_at": "The coverage cannot end before it "
                                                        "started."})

    @property
    def coverage_start(self) -> datetime:
        start: datetime = self.coverage_started_at or self.published_at
        return start

    @property
    def has_ended(self) -> bool:
        return self.coverage_ended_at is not None and self.coverage_ended_at <= timezone.now()

    @cached_property
    def last_entry_at(self) -> datetime | None:
        if not self.pk:
            return None
        last: datetime | None = (self.entries.order_by("-created_at")
                                 .values_list("created_at", flat=True).first())
        return last

    @property
    def modified_at(self) -> datetime:
        # A new entry is a change of the story: dateModified, feeds and "Updated" follow it.
        base: datetime = super().modified_at
        last = self.last_entry_at
        return max(base, last) if last else base

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from . import selectors

        # ArticlePage.get_context is not annotated yet (issue 15).
        context: dict[str, Any] = super().get_context(  # type: ignore[no-untyped-call]
            request, *args, **kwargs)
        entries = selectors.entries_page(self, request.GET.get("page"))
        context["entries"] = entries
        context["entries_html"] = selectors.entries_html(list(entries.object_list))
        context["key_points"] = list(self.key_points.all())
        context["poll_seconds"] = POLL_SECONDS
        return context

    def serve(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().serve(request, *args, **kwargs)
        # A reader who reloads should see the newest entries: browsers keep the page a few
        # seconds at most (the page cache still answers, and 304s what did not change).
        response["Cache-Control"] = f"max-age={BROWSER_CACHE_SECONDS}"
        return response


class LiveKeyPoint(Orderable):
    page = ParentalKey(LivePage, on_delete=models.CASCADE, related_name="key_points")
    text: models.CharField[str, str] = models.CharField(max_length=250)

    panels = [FieldPanel("text")]

    def __str__(self) -> str:
        return str(self.text)


class LiveEntry(models.Model):
    """One timestamped update of a live page, shown to readers as soon as it is saved."""

    page = models.ForeignKey(LivePage, on_delete=models.CASCADE, related_name="entries")
    created_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=ENTRY_TITLE_LENGTH, blank=True,
                             help_text="Optional: a short headline for the update.")
    body = models.TextField(max_length=ENTRY_BODY_LENGTH,
                            help_text="Plain text; a blank line starts a new paragraph; "
                                      "web addresses become links.")
    # Who posted it, for the newsroom only: never shown to readers.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["page", "-created_at"], name="live_entry_page_newest")]
        verbose_name_plural = "live entries"

    def __str__(self) -> str:
        return self.title or self.body[:60]

    @property
    def anchor(self) -> str:
        return f"entry-{self.pk}"

    @property
    def headline(self) -> str:
        """A title for feeds and structured data: the entry's own, or its first words."""
        if self.title:
            return self.title
        words = self.body.split()
        text = " ".join(words[:12])
        return text + ("…" if len(words) > 12 else "")

"""The questions asked of live coverage, shared by the page, its updates, feeds and cards."""

from __future__ import annotations

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from gazette.news.routing import public_only

from .models import ENTRIES_SHOWN, LiveEntry, LivePage


def entries_page(page: LivePage, number: str | int | None = 1) -> Page[LiveEntry]:
    """One page of ``page``'s entries, newest first (the first shows the newest ENTRIES_SHOWN)."""
    entries = LiveEntry.objects.filter(page=page).order_by("-created_at", "-pk")
    return Paginator(entries, ENTRIES_SHOWN).get_page(number)


def newest_entries(page: LivePage, limit: int = ENTRIES_SHOWN) -> list[LiveEntry]:
    return list(LiveEntry.objects.filter(page=page).order_by("-created_at", "-pk")[:limit])


def published_live_page(page_id: int) -> LivePage:
    """The live page readers may see, or 404 (a draft, a private page, another page type)."""
    page: LivePage | None = (
        public_only(LivePage.objects.live()).select_related("agency").filter(pk=page_id).first()
    )
    if page is None:
        raise Http404("No such live coverage.")
    return page


def live_now() -> QuerySet[LivePage]:
    """Published live pages whose coverage has not ended."""
    pages: QuerySet[LivePage] = LivePage.objects.live().filter(
        Q(coverage_ended_at__isnull=True) | Q(coverage_ended_at__gt=timezone.now())
    )
    return pages


def live_now_entry_counts() -> dict[int, int]:
    """For each live page still live, how many entries it has: one query for a page of cards.

    The live pages are found in their own (small) table first, then joined: grouped on every
    column of the page (an annotation before ``values``), SQLite walked every story of the
    archive to find them (a scan that grew with it, on every front page)."""
    ongoing = LivePage.objects.filter(
        Q(coverage_ended_at__isnull=True) | Q(coverage_ended_at__gt=timezone.now())
    ).values("pk")
    return dict(LivePage.objects.live().filter(pk__in=ongoing).order_by().values("pk")
                .annotate(n=Count("entries")).values_list("pk", "n"))


# Bumped when templates/live/includes/entry.html changes, so that no old markup is served.
ENTRY_MARKUP_VERSION = 1
ENTRY_HTML_SECONDS = 24 * 3600


def entries_html(entries: list[LiveEntry]) -> list[tuple[LiveEntry, SafeString]]:
    """Each entry with its markup (includes/entry.html), from the shared cache where it is.

    An entry never changes once posted (it can only be removed), so its markup is kept under
    its id and time: a live page with 50 entries renders again after each new one, and without
    this would render all 50 (their links found by urlize) every time, in every process.
    """
    keys = {entry.pk: f"live:entry:{ENTRY_MARKUP_VERSION}:{entry.pk}:"
                      f"{entry.created_at.timestamp()}" for entry in entries}
    found = cache.get_many(list(keys.values()))
    missing = {}
    result = []
    for entry in entries:
        html = found.get(keys[entry.pk])
        if html is None:
            html = render_to_string("live/includes/entry.html", {"entry": entry})
            missing[keys[entry.pk]] = html
        result.append((entry, mark_safe(html)))  # our own template's output
    if missing:
        cache.set_many(missing, timeout=ENTRY_HTML_SECONDS)
    return result

"""The questions asked of live coverage, shared by the page, its updates, feeds and cards."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

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
    """For each live page still live, how many entries it has: one query for a page of cards."""
    return dict(live_now().annotate(n=Count("entries")).values_list("pk", "n"))

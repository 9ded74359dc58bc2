"""Readers' side of live coverage: the updates an open page polls for, and the entries' feed.

The updates are one small JSON document per live page, the same for every reader, so the page
cache keeps it under the page's tag (posting an entry refreshes it with the page) and answers
a poll whose ETag still matches with a 304 (ConditionalGetMiddleware above the cache).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from gazette.news.cache import page_cache_tag

from . import selectors
from .models import BROWSER_CACHE_SECONDS, ENTRIES_SHOWN, POLL_SECONDS


@require_safe
def updates(request: HttpRequest, page_id: int) -> JsonResponse:
    page = selectors.published_live_page(page_id)
    page_cache_tag(request, f"page:{page.pk}")
    entries = selectors.newest_entries(page)
    context = {"page": page, "key_points": list(page.key_points.all())}
    response = JsonResponse({
        "ended": page.has_ended,
        # Every entry within the window: an entry missing from it was removed.
        "complete": len(entries) < ENTRIES_SHOWN,
        "entries": [{"id": entry.pk, "html": html}
                    for entry, html in selectors.entries_html(entries)],
        "status_html": render_to_string("live/includes/status.html", context),
        "key_points_html": render_to_string("live/includes/key_points.html", context),
        "poll_seconds": POLL_SECONDS,
    })
    response["Cache-Control"] = f"max-age={BROWSER_CACHE_SECONDS}"
    return response

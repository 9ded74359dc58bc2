"""Live coverage on story cards (section lists, the front page, tag and author pages): a
"Live" label and the number of updates while the coverage runs (card slot ``meta``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from wagtail import hooks

from gazette.news.models import ArticlePage

from . import selectors

COUNTS_ATTRIBUTE = "_live_entry_counts"


def _live_counts(request: HttpRequest | None) -> dict[int, int]:
    """Read once a request: a page shows many cards."""
    if request is None:
        return selectors.live_now_entry_counts()
    counts: dict[int, int] | None = getattr(request, COUNTS_ATTRIBUTE, None)
    if counts is None:
        counts = selectors.live_now_entry_counts()
        setattr(request, COUNTS_ATTRIBUTE, counts)
    return counts


@hooks.register("gazette_card_meta")
def card_live_label(request: HttpRequest | None, article: ArticlePage) -> SafeString | str:
    count = _live_counts(request).get(article.pk)
    if count is None:
        return ""
    updates = "1 update" if count == 1 else f"{count:,} updates"
    return format_html('<span class="label label--breaking label--live">Live</span> '
                       '<span class="card__live-updates">{}</span>', updates)

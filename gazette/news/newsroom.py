"""What a newsroom adds to a story after it is out: the breaking bar, marked updates and
corrections. Questions (``*_list``, ``breaking_bar_stories``) and the one service that
announces a marked update."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .cache import tags_version
from .models import AnnouncedUpdate, ArticleCorrection, ArticlePage
from .routing import public_only

BREAKING_TAG = "breaking"
BREAKING_HOURS = 24
BREAKING_BAR_LENGTH = 3


# The bar this process read last: its key (with the version), the stories, until when.
_bar_last: tuple[str, list[dict[str, Any]], float] | None = None


def breaking_bar_stories() -> list[dict[str, Any]]:
    """The live breaking stories every page's bar shows, newest first, as plain titles and URLs.

    Kept in the shared cache under the ``breaking`` tag's version, so a page render pays one
    cached read and the bar changes everywhere when a breaking story is published, unpublished
    or stops being breaking (gazette.news.signals). A story leaves the bar BREAKING_HOURS after
    publication: the entry expires then at the latest.
    """
    global _bar_last
    key = f"news:breaking-bar:{tags_version(BREAKING_TAG)}"
    last = _bar_last
    if last is not None and last[0] == key and time.time() < last[2]:
        return last[1]
    stories: list[dict[str, Any]] | None = cache.get(key)
    if stories is None:
        now = timezone.now()
        since = now - timedelta(hours=BREAKING_HOURS)
        found = list(
            public_only(ArticlePage.objects.live())
            .filter(breaking=True, first_published_at__gte=since)
            .order_by("-first_published_at")[:BREAKING_BAR_LENGTH]
        )
        stories = [{"pk": page.pk, "title": page.title, "url": page.url,
                    "published_at": page.first_published_at} for page in found]
        timeout = settings.GAZETTE_PAGE_CACHE_SECONDS
        if found:
            leaves = min(p.first_published_at for p in found) + timedelta(hours=BREAKING_HOURS)
            timeout = max(1, min(timeout, int((leaves - now).total_seconds()) + 1))
        cache.set(key, stories, timeout=timeout)
    _bar_last = (key, stories, _bar_ends(stories))
    return stories


def _bar_ends(stories: list[dict[str, Any]]) -> float:
    """Until when this process may show ``stories`` without asking: the shared entry's end at
    the latest (the oldest story leaves the bar then), and no longer than the cache keeps it."""
    ends = time.time() + settings.GAZETTE_PAGE_CACHE_SECONDS
    published = [story["published_at"] for story in stories if story.get("published_at")]
    if published:
        ends = min(ends, (min(published) + timedelta(hours=BREAKING_HOURS)).timestamp())
    return ends


def breaking_bar_shows(article_pk: int) -> bool:
    """Whether the cached bar lists this story (so its change must refresh the bar)."""
    key = f"news:breaking-bar:{tags_version(BREAKING_TAG)}"
    return any(story["pk"] == article_pk for story in cache.get(key) or ())


def corrections_list() -> QuerySet[ArticleCorrection]:
    """Every correction on a published story, newest first, with its story."""
    live = public_only(ArticlePage.objects.live()).values("pk")
    corrections: QuerySet[ArticleCorrection] = (
        ArticleCorrection.objects.filter(page_id__in=live)
        .select_related("page")
        .order_by("-corrected_at", "-pk")
    )
    return corrections


def article_update_announce(article: ArticlePage) -> AnnouncedUpdate | None:
    """Send ``story_update_marked`` (after commit) for the story's marked update, once per update.

    Called on publication. An update is its time (``updated_at``): republishing the same
    update, or a fixed typo in its note, announces nothing; a new time is a new update. The
    unique constraint on (article, time) makes it once across processes too.
    """
    from .signals import story_update_marked

    if not article.update_note or article.updated_at is None:
        return None
    try:
        with transaction.atomic():
            announced = AnnouncedUpdate.objects.create(
                article=article, updated_at=article.updated_at, note=article.update_note
            )
    except IntegrityError:
        return None
    note, at = article.update_note, article.updated_at
    # After commit: receivers (alerts to the story's followers) see the published story, and
    # nothing is announced if the publication rolls back.
    transaction.on_commit(
        lambda: story_update_marked.send(sender=ArticlePage, article=article, note=note, at=at)
    )
    return announced

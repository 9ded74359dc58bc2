"""Surge mode: a story flooded with comments (breaking news) holds first-time commenters.

More than ``rules.surge_threshold`` comments in the last minute switch the story's discussion
into surge mode (``Discussion.surge_since``); once it has lasted a minute and the last minute
saw fewer than half the threshold, it switches back. Each switch refreshes the story's cached
page, which shows readers a short notice while the mode lasts. The state lives in the
database, so every process agrees; a conditional update makes one process the switcher.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from .effects import invalidate_on_commit
from .models import Comment, Discussion

WINDOW = timedelta(minutes=1)


def comments_last_minute(article_id: int, now: datetime) -> int:
    """Comments stored on the story in the minute up to ``now`` (any status: a flood of
    spam is a surge too)."""
    return Comment.objects.filter(article_id=article_id, created_at__gt=now - WINDOW,
                                  created_at__lte=now).count()


def _switch_on(article_id: int, now: datetime) -> bool:
    switched = Discussion.objects.filter(article_id=article_id, surge_since__isnull=True).update(
        surge_since=now)
    if not switched and not Discussion.objects.filter(article_id=article_id).exists():
        Discussion.objects.get_or_create(article_id=article_id)
        switched = Discussion.objects.filter(article_id=article_id,
                                             surge_since__isnull=True).update(surge_since=now)
    if switched:
        invalidate_on_commit((f"page:{article_id}",))
    return bool(switched)


def _switch_off(article_id: int, now: datetime) -> bool:
    switched = Discussion.objects.filter(
        article_id=article_id, surge_since__isnull=False, surge_since__lte=now - WINDOW,
    ).update(surge_since=None)
    if switched:
        invalidate_on_commit((f"page:{article_id}",))
    return bool(switched)


def surge_observe(article_id: int, threshold: int, now: datetime, *,
                  surging: bool | None = None, rate: int | None = None) -> bool:
    """After a comment is stored: switch surge mode on or off by the last minute's rate.
    ``threshold`` 0 turns surge mode off. Returns whether surge mode is on.

    ``surging``: whether it was on when the comment arrived, if the caller read it (the
    pipeline does): then one query (the rate) unless it switches, and the answer is that
    reading's, updated by this call's own switch. ``rate``: :func:`comments_last_minute`,
    if the caller counted it after storing the comment (the pipeline does)."""
    if surging is None:
        surging = surge_active(article_id)
        known = False
    else:
        known = True
    if threshold <= 0:
        if surging or not known:
            _switch_off(article_id, now + WINDOW)
        return False
    if rate is None:
        rate = comments_last_minute(article_id, now)
    if rate > threshold:
        if not surging:
            _switch_on(article_id, now)
        return True
    if rate * 2 < threshold and surging and _switch_off(article_id, now):
        return False
    return surging


def surge_current(article_id: int, threshold: int, now: datetime, *,
                  surging: bool | None = None, rate: int | None = None) -> bool:
    """Whether the story is in surge mode as a new comment arrives, switching it back first
    if the rate has fallen since the last comment. ``surging``: :func:`surge_active`, if the
    caller read it already; ``rate``: :func:`comments_last_minute` up to ``now``, if the
    caller counted it (the pipeline does, in the statement that read ``surging``)."""
    if not (surge_active(article_id) if surging is None else surging):
        return False
    if threshold <= 0:
        return not _switch_off(article_id, now + WINDOW)
    if rate is None:
        rate = comments_last_minute(article_id, now)
    if rate * 2 < threshold:
        return not _switch_off(article_id, now)
    return True


def surge_settle(now: datetime | None = None) -> int:
    """Switch back every story whose rate fell while nobody posted (the scheduler's job; a
    story's next comment does it too). Returns how many switched back."""
    from gazette.news.models import ArticlePage

    from .rules import rules_for

    now = now or timezone.now()
    switched = 0
    surging = Discussion.objects.filter(surge_since__lte=now - WINDOW).values_list(
        "article_id", flat=True)
    for article in ArticlePage.objects.filter(pk__in=list(surging)):
        threshold = rules_for(article).surge_threshold
        if threshold <= 0 or comments_last_minute(article.pk, now) * 2 < threshold:
            switched += _switch_off(article.pk, now if threshold > 0 else now + WINDOW)
    return switched


def surge_active(article_id: int) -> bool:
    """Whether the story's discussion is in surge mode (readers see a notice)."""
    return Discussion.objects.filter(article_id=article_id, surge_since__isnull=False).exists()

""""Most read": how many times each story is read, counted on our own server.

What is counted: one read per article page shown in a browser, reported by the page itself (a
beacon our own script sends with ``navigator.sendBeacon``, or a one-pixel image inside
``<noscript>``), so that pages served from the page cache count as well as rendered ones.
What is kept: a number per story per hour (``StoryReads``). No cookie is set or read, the IP
address and user agent are not looked at, and nothing leaves the server.

How: a read is one ``incr`` in the shared cache (every web process and host sees the same
counter), under the minute it happened in. The scheduler adds the counters of every finished
minute to the database (``reads_flush``), one transaction a minute, which also records the minute
in ``ReadsBatch``: its unique constraint is what makes a minute counted once, even with two
schedulers or a flush retried after a failure. So a page view costs the reader's request one
or two cache operations and no database write; the database sees one write per story per minute.

A "minute" here is ``GAZETTE_READS_FLUSH_SECONDS`` long (60 unless set; the end-to-end tests use
one second, so that the scheduler's flush is seen in seconds): the counting interval and the
scheduler's flush cadence (gazette/cli.py) both.

Counts are approximate in the way of every page-view counter: a cache that loses its data
(Redis restarted) loses the minutes not yet flushed, and a reader can inflate a count by
calling the beacon (the counts choose a list of headlines; they pay nobody).
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from .cache import page_cache_invalidate
from .models import ArticlePage, ReadsBatch, StoryReads

# A minute is flushed once it is this far in the past, so that a read counted at the very end
# of it (a slow request, a clock a little behind) is in before the flush reads it.
SETTLE_MINUTES = 2
# Counters live in the cache this long, past the flush's look back.
KEEP_SECONDS = 24 * 3600
# How many minutes back a flush looks (six hours of 60-s minutes): a scheduler stopped for longer
# loses the reads before.
LOOKBACK_MINUTES = 6 * 60
MOST_READ_HOURS = 24
# The ranking the front page was last rendered with is compared against this many places.
RANKED = 15
LARGEST_ID = 2**31 - 1

READS_NOTE = (
    "Reads of each story as counted on this server: one each time a story's page is shown in "
    "a browser, cached or not. No cookie and no IP address are used or kept; only these totals "
    "per story and hour. Counts arrive here within about three minutes."
)

RANKING_KEY = "reads:ranking"


def minute_seconds() -> int:
    """How long a counting "minute" is (``GAZETTE_READS_FLUSH_SECONDS``): also how often the
    scheduler flushes."""
    return max(1, int(settings.GAZETTE_READS_FLUSH_SECONDS))


def _minute(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // minute_seconds())


def _counter_key(minute: int, article_id: int) -> str:
    return f"reads:n:{minute}:{article_id}"


def _log_length_key(minute: int) -> str:
    return f"reads:seq:{minute}"


def _log_key(minute: int, number: int) -> str:
    return f"reads:log:{minute}:{number}"


def _incr(key: str) -> int | None:
    """Add one to ``key``; None when this call created it (the counter starts at 1)."""
    try:
        return cache.incr(key)
    except ValueError:
        if cache.add(key, 1, timeout=KEEP_SECONDS):
            return None
        return cache.incr(key)  # another process created it meanwhile


def read_record(article_id: int, *, at: float | None = None) -> bool:
    """Count one read of story ``article_id``; False when the id cannot be a story's.

    The first read of a story in a minute also appends the story's id to the minute's list,
    so the flush knows which counters to read without listing the cache's keys.
    """
    if not 0 < article_id <= LARGEST_ID:
        return False
    minute = _minute(at)
    try:
        if _incr(_counter_key(minute, article_id)) is None:
            number = _incr(_log_length_key(minute)) or 1
            cache.set(_log_key(minute, number), article_id, timeout=KEEP_SECONDS)
    except ValueError:
        return False  # the shared cache is unreachable: this read is not counted
    return True


def _hour_of(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * minute_seconds(), tz=UTC).replace(minute=0, second=0)


def _minute_counts(minute: int) -> tuple[int, dict[int, int]]:
    """How long the minute's list of stories is, and the minute's counts by story."""
    length = int(cache.get(_log_length_key(minute)) or 0)
    if not length:
        return 0, {}
    logged = cache.get_many([_log_key(minute, n) for n in range(1, length + 1)])
    ids = {int(article_id) for article_id in logged.values()}
    counters = cache.get_many([_counter_key(minute, pk) for pk in ids])
    return length, {pk: int(counters.get(_counter_key(minute, pk), 0)) for pk in ids}


def _forget_minute(minute: int, length: int, counts: dict[int, int]) -> None:
    cache.delete_many([_log_length_key(minute),
                       *(_log_key(minute, n) for n in range(1, length + 1)),
                       *(_counter_key(minute, pk) for pk in counts)])


def _add_minute(minute: int, counts: dict[int, int]) -> int:
    """Add one minute's counts to the hourly rows, once; how many reads (0 if added before)."""
    hour = _hour_of(minute)
    stories = set(ArticlePage.objects.filter(pk__in=counts).values_list("pk", flat=True))
    counts = {pk: n for pk, n in counts.items() if pk in stories and n > 0}
    try:
        with transaction.atomic():
            ReadsBatch.objects.create(minute=minute)
            rows = StoryReads.objects.select_for_update().filter(hour=hour, article_id__in=counts)
            existing = {row.article_id: row for row in rows}
            for row in existing.values():
                row.views += counts[row.article_id]
            StoryReads.objects.bulk_update(existing.values(), ["views"])
            StoryReads.objects.bulk_create(
                StoryReads(article_id=pk, hour=hour, views=n)
                for pk, n in counts.items() if pk not in existing
            )
    except IntegrityError:
        return 0
    return sum(counts.values())


def reads_flush(*, at: float | None = None) -> int:
    """Add the counts of every finished minute to the database; how many reads were added.

    Run by the scheduler every minute. It looks at the last ``LOOKBACK_MINUTES`` finished
    minutes (one ``get_many``), so a scheduler that was stopped or failed catches up; a minute
    already added (another scheduler, or a cache delete that failed after the commit) is
    skipped by ``ReadsBatch``. After adding, the front page is refreshed when the most read
    stories changed.
    """
    last_finished = _minute(at) - SETTLE_MINUTES
    minutes = range(last_finished - LOOKBACK_MINUTES + 1, last_finished + 1)
    lengths = cache.get_many([_log_length_key(minute) for minute in minutes])
    added = 0
    for minute in minutes:
        if not lengths.get(_log_length_key(minute)):
            continue
        length, counts = _minute_counts(minute)
        added += _add_minute(minute, counts)
        _forget_minute(minute, length, counts)
    ReadsBatch.objects.filter(flushed_at__lt=timezone.now() - timedelta(days=3)).delete()
    if added:
        ranking = most_read_ids(RANKED)
        if cache.get(RANKING_KEY) != ranking:
            cache.set(RANKING_KEY, ranking, timeout=None)
            page_cache_invalidate({"home"})
    return added


def most_read_ids(count: int, *, hours: int = MOST_READ_HOURS) -> list[int]:
    """The stories read most in the last ``hours`` hours, most read first."""
    since = _hour_of(_minute()) - timedelta(hours=hours - 1)
    return list(
        StoryReads.objects.filter(hour__gte=since, article__live=True)
        .values("article_id").annotate(total=Sum("views"))
        .order_by("-total", "-article_id").values_list("article_id", flat=True)[:count]
    )


def reads_by_story(*, limit: int = 50) -> list[dict[str, object]]:
    """For the admin report: the most read stories of the last week, with their counts in
    the last hour, 24 hours and 7 days."""
    hour = _hour_of(_minute())
    week = StoryReads.objects.filter(hour__gte=hour - timedelta(days=7))
    totals: dict[int, dict[str, int]] = defaultdict(lambda: {"hour": 0, "day": 0, "week": 0})
    for article_id, row_hour, views in week.values_list("article_id", "hour", "views"):
        total = totals[article_id]
        total["week"] += views
        if row_hour > hour - timedelta(hours=MOST_READ_HOURS):
            total["day"] += views
        if row_hour == hour:
            total["hour"] += views
    ranked = sorted(totals.items(), key=lambda item: (-item[1]["day"], -item[1]["week"]))[:limit]
    titles = dict(ArticlePage.objects.filter(pk__in=[pk for pk, _ in ranked])
                  .values_list("pk", "title"))
    return [{"id": pk, "title": titles.get(pk, f"(story {pk})"), **counts}
            for pk, counts in ranked]

"""Times as readers see them: in the site's zone, with the zone, and "N minutes ago" while fresh.

The relative text is rendered on the server, so it reads right without script. A cached page
would keep it for the page cache's whole lifetime (GAZETTE_PAGE_CACHE_SECONDS, 10 minutes by
default), so:

- a page that shows a minute-granular text ("12 minutes ago") says so with the page-cache tag
  ``relative-times``, and notes in the shared cache until when such texts exist;
- while they do, the scheduler invalidates that tag once a minute (``relative_times_refresh``),
  so a cached "12 minutes ago" is at most about a minute behind; pages without relative texts
  are not touched, and nothing runs once the newest story is an hour old;
- hour-granular texts ("3 hours ago", up to a day) are left to the cache lifetime: the hour
  count is floored, so it is at most one behind, for at most one cache lifetime;
- our script (news/newsroom.js) recomputes every ``data-ago`` text from its ``datetime`` on
  load and each minute, for pages kept in the browser's cache (60 s) or left open.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import dateformat, timezone

from .cache import page_cache_invalidate

RELATIVE_TAG = "relative-times"
RELATIVE_UNTIL_KEY = "news:relative-times-until"
MINUTE_TEXT_SECONDS = 3600
HOUR_TEXT_SECONDS = 24 * 3600
# The format every page uses: "6 Dec 2026, 03:01 GMT" (T: the zone's abbreviation then).
DATETIME_FORMAT = "j M Y, H:i T"


def site_time(value: datetime) -> str:
    """A time in the site's zone (TIME_ZONE, from GAZETTE_TIME_ZONE), with the zone."""
    return dateformat.format(timezone.localtime(value), DATETIME_FORMAT)


def ago_text(when: datetime, now: datetime | None = None) -> str:
    """"just now", "N minutes ago" or "N hours ago" for a time within a day; "" otherwise."""
    now = now or timezone.now()
    seconds = (now - when).total_seconds()
    if seconds < -60 or seconds >= HOUR_TEXT_SECONDS:
        return ""
    if seconds < 60:
        return "just now"
    if seconds < MINUTE_TEXT_SECONDS:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    hours = int(seconds // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''} ago"


def is_minute_granular(when: datetime, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return -60 <= (now - when).total_seconds() < MINUTE_TEXT_SECONDS


def relative_times_note(when: datetime) -> None:
    """Remember that a cached page shows a minute-granular text about ``when``: the scheduler
    refreshes such pages until an hour after it."""
    until = (when + timedelta(seconds=MINUTE_TEXT_SECONDS)).timestamp()
    # Two renders racing may keep the earlier of two ends: the later story's page is then
    # refreshed by the cache lifetime alone, as hour-granular texts are.
    if (cache.get(RELATIVE_UNTIL_KEY) or 0) < until:
        cache.set(RELATIVE_UNTIL_KEY, until, timeout=MINUTE_TEXT_SECONDS + 60)


def relative_times_refresh(now: datetime | None = None) -> bool:
    """Make cached pages that show minute-granular texts stale, if any may exist (once a
    minute, from the scheduler). Returns whether it did."""
    now = now or timezone.now()
    until = cache.get(RELATIVE_UNTIL_KEY)
    if until is None or until < now.timestamp():
        return False
    page_cache_invalidate([RELATIVE_TAG])
    return True

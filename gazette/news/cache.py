"""The anonymous page cache, and its invalidation by tag.

Views opt in by naming what their page shows (``page_cache_tag(request, "section:4")``).
A cached entry remembers the version of each of its tags when it was stored; publishing bumps
the versions of the tags a story appears under, so every page that shows the story (article,
section, front page, tag and author pages, feeds) is served fresh on its next request, while
the thousands of pages that do not show it stay cached. Versions live in the shared cache, so
this works across web processes with Redis as it does in one process with local memory.

A stamp that every invalidation changes spares most hits from reading those versions: an entry
remembers the stamp under which its versions were last found current, and while the stamp has
not changed it is fresh. A hit is then one ``get_many`` of the entry and the stamp: two reads
of the disk cache instead of four, one round trip to Redis instead of two (bench/README.md).
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

# Every entry depends on this tag, so a change that touches every page (a renamed author, a
# new template) can empty the cache at once.
GLOBAL_TAG = "all"
ENTRY_PREFIX = "pagecache:entry:"
VERSION_PREFIX = "pagecache:tag:"
STAMP_KEY = "pagecache:stamp"
REQUEST_ATTRIBUTE = "page_cache_tags"
STAMP_ATTRIBUTE = "_page_cache_stamp"
# Headers a cached response never replays: another reader's cookies, and what is per response.
# Everything else a miss had (Last-Modified, Link, Vary, ...) a hit has too; the security headers
# are set above the cache, on hits and misses alike.
NOT_KEPT_HEADERS = frozenset({"set-cookie", "content-length", "x-page-cache", "date"})


def page_cache_tag(request: HttpRequest, *tags: str) -> None:
    """Declare that the response to ``request`` may be cached and shows ``tags``."""
    existing = getattr(request, REQUEST_ATTRIBUTE, None)
    if existing is None:
        existing = set()
        setattr(request, REQUEST_ATTRIBUTE, existing)
    existing.update(tags)


def page_cache_invalidate(tags: Iterable[str]) -> None:
    """Make every cached page that shows any of ``tags`` stale."""
    # The stamp changes before the versions, so that a page rendered before this call is not
    # stored under the new versions (see _store), and after them, so that an entry found
    # current under the old versions and stamped meanwhile is checked again.
    cache.set(STAMP_KEY, uuid.uuid4().hex, timeout=None)
    cache.set_many({VERSION_PREFIX + tag: uuid.uuid4().hex for tag in set(tags)}, timeout=None)
    cache.set(STAMP_KEY, uuid.uuid4().hex, timeout=None)


def tags_version(*tags: str) -> str:
    """One string that changes whenever any of ``tags`` is invalidated, for fragment keys."""
    return "-".join(_tag_versions(tags)[tag] for tag in tags)


def page_cache_clear() -> None:
    page_cache_invalidate([GLOBAL_TAG])


def _tag_versions(tags: Iterable[str]) -> dict[str, str]:
    keys = [VERSION_PREFIX + tag for tag in tags]
    found = cache.get_many(keys)
    missing = {key: uuid.uuid4().hex for key in keys if key not in found}
    if missing:
        # add() keeps a version another process set a moment ago.
        for key, value in missing.items():
            if not cache.add(key, value, timeout=None):
                value = cache.get(key, value)
            found[key] = value
    return {key[len(VERSION_PREFIX):]: value for key, value in found.items()}


class RecentEntries:
    """The entries this process served last, kept in its memory beside the shared cache.

    An entry here is fresh exactly when the shared cache's one would be: while the shared stamp
    is the one it was found current under, and until it expires. So a hit on a popular page
    reads one small key (the stamp) from the shared cache instead of the whole page, which is
    most of what separated the shared cache from local memory (bench/README.md). Bounded, the
    least recently used first out.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def get(self, key: str, stamp: str | None) -> dict[str, Any] | None:
        if stamp is None:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry["stamp"] != stamp or entry["expires"] <= time.time():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        if self.capacity <= 0 or entry.get("stamp") is None:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


recent_entries = RecentEntries(settings.GAZETTE_PAGE_CACHE_LOCAL_ENTRIES)


def _current_stamp(found: dict[str, Any]) -> str | None:
    """The stamp in ``found``, made if there is none yet; None while the cache is unreachable."""
    stamp = found.get(STAMP_KEY)
    if stamp is None:
        stamp = uuid.uuid4().hex
        if not cache.add(STAMP_KEY, stamp, timeout=None):
            stamp = cache.get(STAMP_KEY)
    return stamp


def _entry_key(request: HttpRequest) -> str:
    raw = f"{request.get_host()}|{request.get_full_path()}"
    return ENTRY_PREFIX + hashlib.sha1(raw.encode()).hexdigest()


# Paths that are never pages, so never stored: not worth a round trip to the shared cache.
NOT_PAGES = ("/admin/", "/django-admin/", "/documents/", "/static/", "/media/", "/healthz",
             "/readyz")


def may_be_a_page(request: HttpRequest) -> bool:
    """Whether a request could be for a page; the page and route caches ask nothing otherwise.

    A URLconf of its own (the Akismet API on a host of its own) serves no pages either.
    """
    return not request.path_info.startswith(NOT_PAGES) and getattr(request, "urlconf", None) is None


def _is_anonymous_read(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and may_be_a_page(request)
    )


class PageCacheMiddleware:
    """Serve anonymous readers from the shared cache; store what views marked cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        enabled = settings.GAZETTE_PAGE_CACHE_ENABLED and _is_anonymous_read(request)
        if enabled:
            cached = self._lookup(request)
            if cached is not None:
                return cached
        response = self.get_response(request)
        tags = getattr(request, REQUEST_ATTRIBUTE, None)
        if tags is None:
            return response
        if _is_anonymous_read(request) and not getattr(request, "is_preview", False):
            patch_cache_control(
                response, public=True, max_age=settings.GAZETTE_BROWSER_CACHE_SECONDS
            )
            patch_vary_headers(response, ["Cookie"])
            if enabled and self._storable(response):
                self._store(request, response, tags)
        else:
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ["Cookie"])
        return response

    @staticmethod
    def _storable(response: HttpResponse) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not response.has_header("Set-Cookie")
        )

    def _lookup(self, request: HttpRequest) -> HttpResponse | None:
        key = _entry_key(request)
        if key in recent_entries:
            stamp = cache.get(STAMP_KEY)
            entry = recent_entries.get(key, stamp)
            if entry is not None:
                setattr(request, STAMP_ATTRIBUTE, stamp)
                return self._replay(entry)
        found = cache.get_many([key, STAMP_KEY])
        stamp = _current_stamp(found)
        setattr(request, STAMP_ATTRIBUTE, stamp)
        entry = found.get(key)
        if entry is None:
            return None
        if stamp is None or entry.get("stamp") != stamp:
            versions = cache.get_many([VERSION_PREFIX + tag for tag in entry["tags"]])
            for tag, version in entry["tags"].items():
                if versions.get(VERSION_PREFIX + tag) != version:
                    return None
            if stamp is not None:
                # Still current after an invalidation elsewhere: the next hits need not ask.
                entry = {**entry, "stamp": stamp}
                remaining = entry.get("expires", 0) - time.time()
                if remaining > 1:
                    cache.set(key, entry, timeout=remaining)
        recent_entries.put(key, entry)
        return self._replay(entry)

    @staticmethod
    def _replay(entry: dict[str, Any]) -> HttpResponse:
        response = HttpResponse(entry["content"], status=200)
        for header, value in entry["headers"]:
            response[header] = value
        response["X-Page-Cache"] = "hit"
        return response

    def _store(self, request: HttpRequest, response: HttpResponse, tags: set[str]) -> None:
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.md5(response.content).hexdigest()}"'
        response["X-Page-Cache"] = "miss"
        headers = [(name, value) for name, value in response.items()
                   if name.lower() not in NOT_KEPT_HEADERS]
        versions = _tag_versions([GLOBAL_TAG, *sorted(tags)])
        stamp = cache.get(STAMP_KEY)
        if stamp is None or stamp != getattr(request, STAMP_ATTRIBUTE, stamp):
            # An invalidation ran while the page was rendered: the versions just read may be
            # newer than what the page shows. The next reader renders it again.
            return
        timeout = settings.GAZETTE_PAGE_CACHE_SECONDS
        entry = {
            "tags": versions,
            "stamp": stamp,
            "expires": time.time() + timeout,
            "headers": headers,
            "content": response.content,
        }
        key = _entry_key(request)
        cache.set(key, entry, timeout=timeout)
        recent_entries.put(key, entry)

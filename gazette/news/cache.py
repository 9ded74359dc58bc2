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

The middleware sits at the top of the stack (only the Akismet hosts' switch is above it), so an
entry keeps the headers exactly as a miss sent them, security headers included: a hit replays
them, and ``gazette.fastpath`` can answer one before Django builds a request at all. Entries are
keyed by what the WSGI environ says (scheme, host, path, query), so both find the same entry.
"""

from __future__ import annotations

import contextvars
import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.cookie import parse_cookie
from django.middleware.http import ConditionalGetMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers

# Every entry depends on this tag, so a change that touches every page (a renamed author, a
# new template) can empty the cache at once.
GLOBAL_TAG = "all"
# "page:", not the "entry:" of the entries that lacked the security headers: a cache kept from
# before is not replayed.
ENTRY_PREFIX = "pagecache:page:"
VERSION_PREFIX = "pagecache:tag:"
STAMP_KEY = "pagecache:stamp"
REQUEST_ATTRIBUTE = "page_cache_tags"
STAMP_ATTRIBUTE = "_page_cache_stamp"
# Set in the WSGI environ by gazette.fastpath when it looked and found nothing fresh: the stamp
# it read, so the middleware does not look again.
LOOKED_UP_ENVIRON = "gazette.page_cache.stamp"
# Headers a cached response never replays: another reader's cookies, and what is per response.
# Everything else a miss had (security headers, ETag, Last-Modified, Link, Vary, ...) a hit has.
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
    kept = _kept_versions.get()
    if kept is not None:
        # What this request reads after its own invalidation is read again.
        kept.clear()
    # The stamp changes before the versions, so that a page rendered before this call is not
    # stored under the new versions (see _store), and after them, so that an entry found
    # current under the old versions and stamped meanwhile is checked again.
    cache.set(STAMP_KEY, uuid.uuid4().hex, timeout=None)
    _stamp_changed()
    cache.set_many({VERSION_PREFIX + tag: uuid.uuid4().hex for tag in set(tags)}, timeout=None)
    cache.set(STAMP_KEY, uuid.uuid4().hex, timeout=None)
    _stamp_changed()


def tags_version(*tags: str) -> str:
    """One string that changes whenever any of ``tags`` is invalidated, for fragment keys."""
    return "-".join(_tag_versions(tags)[tag] for tag in tags)


def page_cache_clear() -> None:
    page_cache_invalidate([GLOBAL_TAG])


# The versions one request has read, kept for the rest of it (see ``keep_versions``).
_kept_versions: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "gazette_kept_versions", default=None)


def keep_versions() -> contextvars.Token[dict[str, str] | None]:
    """From now until ``forget_versions(token)``, each tag's version is read from the shared
    cache once: an uncached story asked for ``all`` seven times, ``routes`` three times.

    For reading a page (gazette.news.routing.SiteCacheMiddleware keeps them for GET and HEAD).
    A version kept is the one read first, so whatever the request reads after it is at least
    as new as the version it is stored under, as when each read asked again; an invalidation
    within the request forgets the kept versions.
    """
    return _kept_versions.set({})


def forget_versions(token: contextvars.Token[dict[str, str] | None]) -> None:
    _kept_versions.reset(token)


def versions_and(tags: Iterable[str], keys: Iterable[str] = ()
                 ) -> tuple[dict[str, str], dict[str, Any]]:
    """The versions of ``tags`` and what the shared cache holds under ``keys``, in one read
    (``get_many``); a version this request kept is not read again."""
    tags, keys = list(tags), list(keys)
    kept = _kept_versions.get()
    unread = [tag for tag in tags if kept is None or tag not in kept]
    found = cache.get_many([VERSION_PREFIX + tag for tag in unread] + keys) if (
        unread or keys) else {}
    versions = {}
    for tag in unread:
        key = VERSION_PREFIX + tag
        value = found.get(key)
        if value is None:
            value = uuid.uuid4().hex
            # add() keeps a version another process set a moment ago.
            if not cache.add(key, value, timeout=None):
                value = cache.get(key, value)
        versions[tag] = value
    if kept is not None:
        kept.update(versions)
        versions = {tag: kept[tag] for tag in tags}
    return versions, {key: found[key] for key in keys if key in found}


def _tag_versions(tags: Iterable[str]) -> dict[str, str]:
    return versions_and(tags)[0]


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


def _stamp_changed() -> None:
    """Tell the backend's readers of the stamp that it changed (the disk cache's token)."""
    notify = getattr(cache, "watched_changed", None)
    if notify is not None:
        notify()


def _read_stamp() -> str | None:
    """The shared stamp, kept in each process's memory where the backend can tell when it
    changes: Redis pushes a message (gazette/keywatch.py), the disk cache a token
    (gazette/cache.py); read every time elsewhere."""
    watched = getattr(cache, "get_watched", None)
    stamp: str | None = watched(STAMP_KEY) if watched is not None else cache.get(STAMP_KEY)
    return stamp


def _current_stamp(found: dict[str, Any]) -> str | None:
    """The stamp in ``found``, made if there is none yet; None while the cache is unreachable."""
    stamp = found.get(STAMP_KEY)
    if stamp is None:
        stamp = uuid.uuid4().hex
        if cache.add(STAMP_KEY, stamp, timeout=None):
            _stamp_changed()
        else:
            stamp = cache.get(STAMP_KEY)
    return stamp


def _settings_mark() -> str:
    """What the replayed headers depend on besides the page: changed, every key changes."""
    return repr((settings.GAZETTE_CSP, settings.X_FRAME_OPTIONS, settings.SECURE_REFERRER_POLICY,
                 settings.SECURE_CROSS_ORIGIN_OPENER_POLICY, settings.SECURE_HSTS_SECONDS,
                 settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD,
                 settings.GAZETTE_BROWSER_CACHE_SECONDS))


def entry_key(meta: Mapping[str, Any]) -> str:
    """The cache key of the page a WSGI environ (or ``request.META``) asks for.

    Raw values, as the server gave them: the fast path computes the same key without building
    a request. Everything Django reads to tell the host and the scheme is in it (the forwarded
    headers only when settings let Django read them), so two requests that could get different
    pages or headers never share an entry.
    """
    parts = [meta.get("wsgi.url_scheme", ""), meta.get("HTTP_HOST", ""),
             meta.get("SERVER_NAME", ""), meta.get("SERVER_PORT", ""),
             meta.get("SCRIPT_NAME", ""), meta.get("PATH_INFO", ""),
             meta.get("QUERY_STRING", ""), _SETTINGS_MARK]
    if settings.SECURE_PROXY_SSL_HEADER:
        parts.append(meta.get(settings.SECURE_PROXY_SSL_HEADER[0], ""))
    if settings.USE_X_FORWARDED_HOST:
        parts.append(meta.get("HTTP_X_FORWARDED_HOST", ""))
    if settings.USE_X_FORWARDED_PORT:
        parts.append(meta.get("HTTP_X_FORWARDED_PORT", ""))
    raw = "|".join(parts).encode("utf-8", "surrogateescape")
    return ENTRY_PREFIX + hashlib.sha1(raw).hexdigest()


_SETTINGS_MARK = _settings_mark()


# Paths that are never pages, so never stored: not worth a round trip to the shared cache.
NOT_PAGES = ("/admin/", "/django-admin/", "/documents/", "/static/", "/media/", "/healthz",
             "/readyz")


def may_be_a_page(request: HttpRequest) -> bool:
    """Whether a request could be for a page; the page and route caches ask nothing otherwise.

    A URLconf of its own (the Akismet API on a host of its own) serves no pages either.
    """
    return not request.path_info.startswith(NOT_PAGES) and getattr(request, "urlconf", None) is None


def anonymous_read(meta: Mapping[str, Any]) -> bool:
    """A GET or HEAD of what may be a page, from a reader without a session (so no editor).

    Only a session cookie counts: a signed-in editor and a reader who holds a session both
    have one, and nothing else changes a page.
    """
    if meta.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    if meta.get("PATH_INFO", "").startswith(NOT_PAGES):
        return False
    cookies = meta.get("HTTP_COOKIE")
    if cookies and settings.SESSION_COOKIE_NAME in parse_cookie(cookies):
        return False
    # The redirect to https is made below the cache; an http request is never answered here.
    return not (settings.SECURE_SSL_REDIRECT and not _secure(meta))


def _secure(meta: Mapping[str, Any]) -> bool:
    # As HttpRequest.scheme reads it.
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        value = meta.get(header)
        if value is not None:
            return bool(value.split(",", 1)[0].strip() == secure_value)
    return bool(meta.get("wsgi.url_scheme") == "https")


def _is_anonymous_read(request: HttpRequest) -> bool:
    return anonymous_read(request.META) and getattr(request, "urlconf", None) is None


def fresh_entry(key: str) -> tuple[dict[str, Any] | None, str | None]:
    """The entry under ``key`` if it is fresh, and the stamp read on the way.

    The stamp is None while the shared cache is unreachable (nothing is then served or stored).
    """
    if key in recent_entries:
        stamp = _read_stamp()
        entry = recent_entries.get(key, stamp)
        if entry is not None:
            return entry, stamp
    found = cache.get_many([key, STAMP_KEY])
    stamp = _current_stamp(found)
    entry = found.get(key)
    if entry is None:
        return None, stamp
    if stamp is None or entry.get("stamp") != stamp:
        versions = cache.get_many([VERSION_PREFIX + tag for tag in entry["tags"]])
        for tag, version in entry["tags"].items():
            if versions.get(VERSION_PREFIX + tag) != version:
                return None, stamp
        if stamp is not None:
            # Still current after an invalidation elsewhere: the next hits need not ask.
            entry = {**entry, "stamp": stamp}
            remaining = entry.get("expires", 0) - time.time()
            if remaining > 1:
                cache.set(key, entry, timeout=remaining)
    recent_entries.put(key, entry)
    return entry, stamp


# Answers the validators of a replayed page as it answers a miss's (304, 412).
_conditional_get = ConditionalGetMiddleware(lambda request: HttpResponse())


class PageCacheMiddleware:
    """Serve anonymous readers from the shared cache; store what views marked cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
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

    def _lookup(self, request: HttpRequest) -> HttpResponseBase | None:
        if LOOKED_UP_ENVIRON in request.META:
            setattr(request, STAMP_ATTRIBUTE, request.META[LOOKED_UP_ENVIRON])
            return None
        entry, stamp = fresh_entry(entry_key(request.META))
        setattr(request, STAMP_ATTRIBUTE, stamp)
        if entry is None:
            return None
        response = HttpResponse(entry["content"], status=200)
        for header, value in entry["headers"]:
            response[header] = value
        response["X-Page-Cache"] = "hit"
        return _conditional_get.process_response(request, response)

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
        key = entry_key(request.META)
        cache.set(key, entry, timeout=timeout)
        recent_entries.put(key, entry)

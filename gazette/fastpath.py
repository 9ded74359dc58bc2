"""Cached pages answered in front of Django, at the WSGI level.

A hit through Django costs a request object, a response object, the middleware chain and the
request signals: about nine tenths of its CPU (docs/research/2026-12-06-cached-fast-path.md).
This wrapper answers an anonymous GET or HEAD whose page is fresh in the page cache straight
from the entry, with exactly the headers the miss had (the middleware stores them, security
headers included) plus ``X-Page-Cache: hit`` and ``Content-Length``, a 304 when
``If-None-Match`` matches, and no body to a HEAD. Freshness is decided by
``gazette.news.cache.fresh_entry``, the same check the middleware makes: the shared stamp is
read on every hit, so a publish in any process is seen by every other at once.

Everything else goes to Django untouched: other methods, a session cookie (readers who hold
a session, signed-in editors), pages of the API hosts, other conditional headers, a miss (the
stamp read here travels in the WSGI environ, so the middleware does not read it again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import parse_etags

from gazette.news.cache import LOOKED_UP_ENVIRON, anonymous_read, entry_key, fresh_entry

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# Conditional headers answered by Django's ConditionalGetMiddleware through the middleware's
# hit: rare from browsers, and their rules (dates, 412) are not worth copying here.
OTHER_CONDITIONS = ("HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")
# What a 304 keeps of the full answer: the headers Django's not_modified() keeps.
NOT_MODIFIED_KEEPS = frozenset({"cache-control", "content-location", "date", "etag", "expires",
                                "last-modified", "vary"})


class CachedPages:
    """WSGI middleware: fresh cached pages from the page cache, everything else from ``app``."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.enabled = settings.GAZETTE_PAGE_CACHE_ENABLED and settings.GAZETTE_PAGE_CACHE_FAST
        self.api_hosts = list(getattr(settings, "GAZETTE_AKISMET_HOSTS", []))
        self._failed = False

    def __call__(self, meta: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self._eligible(meta):
            try:
                entry, stamp = fresh_entry(entry_key(meta))
            except Exception:  # noqa: BLE001  (Django answers instead, and logs its own)
                if not self._failed:
                    logger.exception("page cache fast path failed; Django answers instead")
                    self._failed = True
            else:
                if entry is not None:
                    return self._answer(meta, start_response, entry)
                meta[LOOKED_UP_ENVIRON] = stamp
        return self.app(meta, start_response)

    def _eligible(self, meta: dict[str, Any]) -> bool:
        return (self.enabled and anonymous_read(meta)
                and not any(name in meta for name in OTHER_CONDITIONS)
                and not self._api_host(meta))

    def _api_host(self, meta: dict[str, Any]) -> bool:
        if not self.api_hosts:
            return False
        domain, _port = split_domain_port(meta.get("HTTP_HOST", ""))
        return bool(domain) and validate_host(domain, self.api_hosts)

    @staticmethod
    def _answer(meta: dict[str, Any], start_response: StartResponse,
                entry: dict[str, Any]) -> Iterable[bytes]:
        headers: list[tuple[str, str]] = entry["headers"]
        content: bytes = entry["content"]
        method = meta.get("REQUEST_METHOD")
        condition = meta.get("HTTP_IF_NONE_MATCH")
        # Django's ConditionalGetMiddleware answers GETs only; a HEAD gets its 200.
        if condition is not None and method == "GET" and _matches(condition, headers):
            start_response("304 Not Modified",
                           [(name, value) for name, value in headers
                            if name.lower() in NOT_MODIFIED_KEEPS])
            return []
        start_response("200 OK", [*headers, ("X-Page-Cache", "hit"),
                                  ("Content-Length", str(len(content)))])
        return [] if method == "HEAD" else [content]


def _matches(condition: str, headers: list[tuple[str, str]]) -> bool:
    """Whether If-None-Match fails, as Django's get_conditional_response decides (weak match)."""
    etag = next((value for name, value in headers if name.lower() == "etag"), None)
    if not etag:
        return False
    etags = parse_etags(condition)
    if etags == ["*"]:
        return True
    return etag.strip("W/") in (candidate.strip("W/") for candidate in etags)

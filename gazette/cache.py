"""The cache every process of one site shares: files on the embedded default, Redis when scaled out.

Pages, routes, invalidation versions and throttles must look the same from every web worker,
the task worker, the scheduler and the command line, or a story published in one process
stays invisible to readers served by another. Two backends give that:

- :class:`DiskCache` (the default): diskcache's Django backend, SQLite files in the data folder,
  shared by every process on the machine with no server to install.
- :class:`ResilientRedisCache` (with ``REDIS_URL``): Django's Redis backend, shared across hosts,
  that treats Redis being away as a cache miss instead of an error, so that readers are served
  from the database while Redis restarts.
"""

from __future__ import annotations

import logging
import mmap
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from diskcache import DjangoCache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

from gazette import keywatch

logger = logging.getLogger(__name__)

Result = TypeVar("Result")


TOKEN_BYTES = 16
_watched_values: dict[tuple[str, Any], tuple[bytes, Any]] = {}
_watch_maps: dict[str, mmap.mmap] = {}
_watch_lock = threading.Lock()


def _watch_map(directory: str) -> mmap.mmap:
    """The token file of a cache folder, mapped shared (one per process and folder)."""
    found = _watch_maps.get(directory)
    if found is not None:
        return found
    with _watch_lock:
        if directory not in _watch_maps:
            path = os.path.join(directory, "watched.token")
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(descriptor).st_size < TOKEN_BYTES:
                    # A new file reads as zeros until the first writer; extending it is safe
                    # when two processes do it at once.
                    os.ftruncate(descriptor, TOKEN_BYTES)
                _watch_maps[directory] = mmap.mmap(descriptor, TOKEN_BYTES)
            finally:
                os.close(descriptor)
        return _watch_maps[directory]


class DiskCache(DjangoCache):
    """diskcache's Django backend, kept open between requests.

    Django closes every cache when a request finishes; for diskcache that means closing its
    SQLite connections and opening them again, with their pragmas, on the next request.
    The connections are per thread and per process already (diskcache checks the pid), so
    keeping them open is safe and saves that work on every request.
    """

    def close(self, **kwargs: Any) -> None:
        pass

    def close_for_real(self) -> None:
        super().close()

    # --- Watched keys: a value kept in memory until a writer of this folder says it changed.
    # The page cache's stamp is read on every hit; a SQLite read is most of a fast-path hit's
    # cost (docs/research/2026-12-06-cached-fast-path.md). Writers of a watched key call
    # watched_changed() after writing it, which puts a new random token in a small file that
    # every process of the host maps into memory; a reader keeps the value it read with the
    # token it saw before reading, and reads again whenever the token differs. The token is
    # written after the value and read before it, so a reader that sees the new token reads
    # the new value; random, so that two writers at once cannot leave it unchanged.

    def get_watched(self, key: Any) -> Any:
        token = self._token()
        kept = _watched_values.get((self.directory, key))
        if kept is not None and kept[0] == token:
            return kept[1]
        value = self.get(key)
        _watched_values[(self.directory, key)] = (token, value)
        return value

    def watched_changed(self) -> None:
        _watch_map(self.directory)[0:TOKEN_BYTES] = os.urandom(TOKEN_BYTES)

    def clear(self) -> None:
        super().clear()
        self.watched_changed()

    def _token(self) -> bytes:
        return _watch_map(self.directory)[0:TOKEN_BYTES]


class ResilientRedisCache(RedisCache):
    """Redis that degrades to "nothing cached" while it is unreachable.

    A failed call is logged (once per outage) and answered as a miss; for ``RETRY_SECONDS``
    after a failure the cache is not asked at all, so a Redis that is down costs a request
    nothing, not a connection attempt per lookup. Writes made during an outage are lost,
    which is safe for this cache: every entry depends on invalidation versions, and a version
    that Redis lost is created afresh, which makes the pages stored under the old one stale.
    """

    RETRY_SECONDS = 1.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = params.setdefault("OPTIONS", {})
        # A reader must not wait for a host that does not answer.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        options.setdefault("retry_on_timeout", False)
        super().__init__(server, params)
        self._location = server
        self._down_until = 0.0
        self._lock = threading.Lock()

    def get_watched(self, key: Any) -> Any:
        """``get(key)`` answered from this process's memory until Redis reports the key changed
        (gazette/keywatch.py): for the page cache's stamp, read on every hit."""
        if "," in self._location or ";" in self._location:  # replicas: read every time
            return self.get(key)
        if self._down_until and time.monotonic() < self._down_until:
            return None
        return keywatch.watch(self._location, self.make_and_validate_key(key)).get(
            lambda: self.get(key))

    def _guarded(self, call: Callable[[], Result], fallback: Result) -> Result:
        if self._down_until and time.monotonic() < self._down_until:
            return fallback
        import redis

        try:
            result = call()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
            with self._lock:
                if not self._down_until:
                    logger.warning("cache: Redis unreachable, serving without it: %s", error)
                self._down_until = time.monotonic() + self.RETRY_SECONDS
            return fallback
        if self._down_until:
            with self._lock:
                if self._down_until:
                    logger.warning("cache: Redis reachable again")
                self._down_until = 0.0
        return result

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guarded(lambda: super(ResilientRedisCache, self).get(key, default, version),
                             default)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guarded(lambda: super(ResilientRedisCache, self).get_many(keys, version),
                             {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(lambda: super(ResilientRedisCache, self).has_key(key, version),
                             False)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT,
            version: int | None = None) -> None:
        self._guarded(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None
        )

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT,
                 version: int | None = None) -> list[Any]:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            list(data),
        )

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT,
            version: int | None = None) -> bool:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        def call() -> int:
            return super(ResilientRedisCache, self).incr(key, delta, version)

        result = self._guarded(call, None)
        if result is None:
            raise ValueError(f"Key {key!r} not found (or the cache is unreachable)")
        return result

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(lambda: super(ResilientRedisCache, self).delete(key, version),
                             False)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guarded(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False
        )

    def clear(self) -> None:
        self._guarded(lambda: super(ResilientRedisCache, self).clear(), None)

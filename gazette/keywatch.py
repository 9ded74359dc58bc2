"""A value read from Redis, kept in this process until Redis says its key changed.

Every cached page hit reads the page cache's stamp (gazette/news/cache.py). On Redis that read
is a network round trip: two system calls, a context switch and Redis's own work, which cost
more than the rest of a fast-path hit together (docs/research/2026-12-06-cached-fast-path.md).
Redis can instead tell a client when a key changes (client-side caching, ``CLIENT TRACKING``
in broadcasting mode, Redis 6 and later): each process holds one connection on which Redis
pushes a message whenever a key under the watched prefix is written, deleted, expired, evicted
or flushed. A hit asks that connection, with one non-blocking ``recv``, whether anything came;
nothing came means the value read before is still Redis's.

Exactness: Redis queues the push for every watching connection while it executes the write,
before it answers the writer; an invalidation (three writes, each waiting for its answer) has
therefore put its push into every other process's socket before it returns, so a page published
in one process is never served stale by another. On one host the push is in the kernel's buffer
then; across hosts it travels ahead of the writer's next two round trips. Anything unusual (the
connection broken, a Redis without RESP3, TLS, a Unix socket) means "changed": the value is read
from Redis every time, as without the watch.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 0.5
RETRY_SECONDS = 1.0


def _command(*parts: str) -> bytes:
    encoded = [part.encode() for part in parts]
    return b"*%d\r\n" % len(encoded) + b"".join(
        b"$%d\r\n%s\r\n" % (len(part), part) for part in encoded
    )


class KeyWatch:
    """One watched key of one Redis, for the whole process (its threads share it)."""

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url, key
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._pid = 0
        self._retry_at = 0.0
        # Bumped by every sign of change; a value read meanwhile is not kept.
        self._generation = 0
        self._value: Any = None
        self._has_value = False

    def get(self, load: Callable[[], Any]) -> Any:
        """The key's value: the one kept while Redis reported no change, else ``load()``'s."""
        with self._lock:
            if self._unchanged() and self._has_value:
                return self._value
            generation = self._generation
        value = load()
        with self._lock:
            if generation == self._generation and self._sock is not None:
                self._value, self._has_value = value, True
        return value

    def _changed(self) -> None:
        self._generation += 1
        self._has_value = False

    def _unchanged(self) -> bool:
        """Whether nothing can have changed the key since the last call (drains the pushes)."""
        if self._pid != os.getpid():  # a forked child must not read its parent's socket
            self._sock = None
            self._pid = os.getpid()
            self._changed()
        if self._sock is None:
            if time.monotonic() >= self._retry_at:
                self._connect()
            return False
        try:
            data = self._sock.recv(65536)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:
            self._close()
            return False
        while data:  # more pushes than one read held
            try:
                data = self._sock.recv(65536)
            except BlockingIOError:
                break
            except OSError:
                self._close()
                break
        self._changed()
        return False

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._retry_at = time.monotonic() + RETRY_SECONDS
        self._changed()

    def _connect(self) -> None:
        self._changed()
        self._retry_at = time.monotonic() + RETRY_SECONDS
        parts = urlsplit(self.url)
        if parts.scheme != "redis" or not parts.hostname:
            self._retry_at = float("inf")  # TLS or a Unix socket: read every time
            return
        hello = ["HELLO", "3"]
        if parts.password is not None:
            hello += ["AUTH", unquote(parts.username or "default"), unquote(parts.password)]
        request = _command(*hello) + _command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX",
                                              self.key)
        try:
            sock = socket.create_connection((parts.hostname, parts.port or 6379),
                                            timeout=CONNECT_TIMEOUT)
        except OSError:
            return
        try:
            sock.sendall(request)
            answer = b""
            while not answer.endswith(b"+OK\r\n"):
                chunk = sock.recv(65536)
                answer += chunk
                if not chunk or answer.startswith(b"-") or b"\r\n-" in answer:
                    raise OSError(f"Redis refused key tracking: {answer[:200]!r}")
            sock.setblocking(False)
        except OSError as error:
            sock.close()
            logger.warning("cache: no key tracking on %s (%s); reading every time",
                           parts.hostname, error)
            return
        self._sock = sock


_watches: dict[tuple[str, str], KeyWatch] = {}
_registry_lock = threading.Lock()


def watch(url: str, key: str) -> KeyWatch:
    """The process's watch of ``key`` (a full Redis key) on the Redis at ``url``."""
    found = _watches.get((url, key))
    if found is None:
        with _registry_lock:
            found = _watches.setdefault((url, key), KeyWatch(url, key))
    return found

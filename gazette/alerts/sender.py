"""Sending push messages: one pool of kept-open HTTP/1.1 connections per push service origin,
one thread per origin, and on each connection the requests pipelined a window at a time.

Pipelining (RFC 9112 section 9.3): the thread encrypts a window of messages, writes their
requests in one go, does the same on the origin's next connection, then reads the answers, which
come in the order of the requests. One request and answer at a time cost about 110-150 µs of
CPU a message beyond the encryption (a wake-up and a hand-over of the GIL per answer); windows of
16 bring that to about 10 µs (measured on loopback, 8 connections). POST is not
idempotent, so a connection that breaks mid-window must not make a message go twice: a request
that was (or may have been) written and got no answer comes back as "no answer" (the fan-out
retries it later, as for any dropped connection); only the windows not yet written go on, over
a new connection.

Why not httpx here: on this path the HTTP client costs more than the encryption. Measured on
loopback, httpx.Client spends about 520 µs of CPU per POST, http.client about 130 µs and the
small client below about 30 µs, against about 120 µs to encrypt a message; with httpx a worker
would reach a fifth of what encryption alone allows. The client speaks just what a push service
answers (RFC 8030): a status line, headers, a body by Content-Length or chunked, keep-alive.
"""

from __future__ import annotations

import contextlib
import email.utils
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from .push import VapidSigner, encrypt
from .ssrf import EndpointRefused, endpoint_addresses

logger = logging.getLogger(__name__)

# A kept-open connection idle this long is replaced before use: servers close idle ones, and a
# POST written into a connection the server is closing would be lost or, worse, half-sent.
IDLE_REOPEN_SECONDS = 4.0
MAX_RESPONSE_HEAD = 64 * 1024
MAX_RESPONSE_BODY = 1024 * 1024
# Requests written on a connection before its answers are read. 16 takes nearly all of the
# gain (64 measured no better) and keeps what one broken connection leaves unanswered small.
PIPELINE_WINDOW = 16


@dataclass(frozen=True)
class PushMessage:
    """One message to send; ``key`` is the caller's (a delivery's id)."""

    key: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class PushOutcome:
    key: int
    # The push service's answer; None when there was none (connection refused, timeout).
    status: int | None
    retry_after: float | None = None
    error: str = ""
    # True when sending again cannot help (the subscription's keys are unusable).
    permanent: bool = False


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class ConnectionFailed(OSError):
    pass


class _Connection:
    """One kept-open HTTP/1.1 connection to an origin."""

    def __init__(self, origin: str, host: str, port: int, tls: ssl.SSLContext | None,
                 timeout: float) -> None:
        self.origin, self.host, self.port, self.tls, self.timeout = (
            origin, host, port, tls, timeout)
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.used_at = 0.0

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
        self.sock, self.buffer = None, b""

    def _open(self) -> socket.socket:
        """Resolve the origin's name once, check every address (EndpointRefused if one is
        internal) and connect to a checked address itself, never to the name: resolving again
        to connect would let a name re-pointed in between (DNS rebinding) reach an internal
        host. The name still goes in ``Host`` and, for https, in SNI and the certificate check.
        """
        error: OSError = ConnectionFailed("no address")
        for address in endpoint_addresses(self.origin):
            family = socket.AF_INET6 if isinstance(address, ipaddress.IPv6Address) \
                else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.timeout)
                sock.connect((str(address), self.port))
            except OSError as failed:
                sock.close()
                error = failed
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_hostname=self.host)
                except OSError:
                    sock.close()
                    raise
            return sock
        raise error

    def _read_more(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionFailed("the push service closed the connection")
        self.buffer += chunk

    def _read_line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._read_more()
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def _read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._read_more()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def ready(self) -> None:
        """Open the connection unless it is open and was used lately (EndpointRefused, OSError
        when it cannot be opened)."""
        if self.sock is not None and time.monotonic() - self.used_at > IDLE_REOPEN_SECONDS:
            self.close()
        if self.sock is None:
            self.sock = self._open()
            self.used_at = time.monotonic()

    def write(self, data: bytes) -> None:
        """Write requests; on failure the connection is closed and nobody knows how much of
        ``data`` the push service got."""
        if self.sock is None:
            raise ConnectionFailed("not connected")
        try:
            self.sock.sendall(data)
        except OSError as error:
            self.close()
            raise ConnectionFailed(str(error) or type(error).__name__) from error

    def read_answer(self) -> tuple[int, dict[str, str]]:
        """The next answer on the connection: (status, lower-cased headers). An answer that
        ends the connection (``Connection: close``, HTTP/1.0, a body running to the end)
        closes it: the answers to requests written after it will not come."""
        if self.sock is None:
            raise ConnectionFailed("the push service closed the connection")
        try:
            while b"\r\n\r\n" not in self.buffer:
                if len(self.buffer) > MAX_RESPONSE_HEAD:
                    raise ConnectionFailed("response head too large")
                self._read_more()
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
                raise ConnectionFailed(f"not an HTTP response: {lines[0][:80]!r}")
            status = int(parts[1])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            self._skip_body(status, headers)
        except (OSError, ValueError) as error:
            self.close()
            raise ConnectionFailed(str(error) or type(error).__name__) from error
        if headers.get("connection", "").lower() == "close" or parts[0] == "HTTP/1.0":
            self.close()
        self.used_at = time.monotonic()
        return status, headers

    def post(self, request: bytes) -> tuple[int, dict[str, str]]:
        """Send one whole request and read its answer."""
        self.ready()
        self.write(request)
        return self.read_answer()

    def _skip_body(self, status: int, headers: dict[str, str]) -> None:
        if status in (204, 304) or 100 <= status < 200:
            return
        if "chunked" in headers.get("transfer-encoding", "").lower():
            total = 0
            while True:
                size = int(self._read_line().split(b";")[0].strip() or b"0", 16)
                total += size
                if total > MAX_RESPONSE_BODY:
                    raise ConnectionFailed("response body too large")
                if size == 0:
                    while self._read_line():  # trailers, then the empty line
                        pass
                    return
                self._read_exactly(size + 2)
        length = headers.get("content-length")
        if length is not None:
            size = int(length)
            if size > MAX_RESPONSE_BODY:
                raise ConnectionFailed("response body too large")
            self._read_exactly(size)
            return
        # Neither: the body runs to the end of the connection, which cannot be reused.
        headers["connection"] = "close"


class _OriginPool:
    """The connections kept open to one push service, and its threads."""

    def __init__(self, origin: str, size: int, timeout: float,
                 tls: ssl.SSLContext | None) -> None:
        parts = urlsplit(origin)
        secure = parts.scheme == "https"
        self.origin = origin
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if secure else 80)
        default_port = (secure and self.port == 443) or (not secure and self.port == 80)
        self.host_header = parts.netloc if not default_port else self.host
        context = (tls or ssl.create_default_context()) if secure else None
        self.idle = [_Connection(origin, self.host, self.port, context, timeout)
                     for _ in range(size)]
        self.lock = threading.Lock()
        self.size = size

    def take(self) -> _Connection:
        with self.lock:
            return self.idle.pop()

    def give_back(self, connection: _Connection) -> None:
        with self.lock:
            self.idle.append(connection)

    def close(self) -> None:
        with self.lock:
            for connection in self.idle:
                connection.close()


class PushSender:
    """Encrypts and sends one alert's payload to many subscriptions.

    Keep one for the life of a worker process (:func:`gazette.alerts.fanout.sender`): its
    connections and VAPID tokens are what make the second batch cheaper than the first.
    """

    def __init__(self, signer: VapidSigner, *, connections_per_origin: int = 8,
                 timeout: float = 10.0, tls: ssl.SSLContext | None = None) -> None:
        self.signer = signer
        self.connections_per_origin = connections_per_origin
        self.timeout = timeout
        self.tls = tls
        self._pools: dict[str, _OriginPool] = {}
        self._pools_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=max(2, connections_per_origin * 2),
                                            thread_name_prefix="push")

    def _pool(self, origin: str) -> _OriginPool:
        with self._pools_lock:
            pool = self._pools.get(origin)
            if pool is None:
                pool = self._pools[origin] = _OriginPool(
                    origin, self.connections_per_origin, self.timeout, self.tls)
            return pool

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        with self._pools_lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()

    def send(self, messages: Sequence[PushMessage], payload: bytes, *, ttl: int,
             urgency: str = "normal", topic: str = "",
             on_outcome: Callable[[PushOutcome], None] | None = None) -> list[PushOutcome]:
        """Send ``payload`` to every message's subscription; one outcome per message, in no
        particular order. Nothing raises for one bad subscription or an unreachable service."""
        by_origin: dict[str, list[tuple[PushMessage, str]]] = {}
        for message in messages:
            origin, target = split_endpoint(message.endpoint)
            by_origin.setdefault(origin, []).append((message, target))
        futures = []
        for origin, group in by_origin.items():
            pool = self._pool(origin)
            fixed = self._fixed_headers(origin, pool, ttl=ttl, urgency=urgency, topic=topic)
            futures.append(self._executor.submit(
                self._send_origin, pool, fixed, group, payload))
        outcomes: list[PushOutcome] = []
        for future in futures:
            for outcome in future.result():
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
        return outcomes

    def _fixed_headers(self, origin: str, pool: _OriginPool, *, ttl: int, urgency: str,
                       topic: str) -> bytes:
        lines = [
            f"Host: {pool.host_header}",
            f"Authorization: {self.signer.header_for(origin)}",
            f"TTL: {int(ttl)}",
            f"Urgency: {urgency}",
            "Content-Encoding: aes128gcm",
            "Content-Type: application/octet-stream",
        ]
        if topic:
            lines.append(f"Topic: {topic}")
        return ("\r\n".join(lines) + "\r\n").encode("latin-1")

    def _send_origin(self, pool: _OriginPool, fixed: bytes,
                     group: Sequence[tuple[PushMessage, str]], payload: bytes
                     ) -> list[PushOutcome]:
        """Send an origin's messages from one thread: in each round, a window is written to
        each connection in turn, then the answers are read connection by connection (they
        arrive meanwhile). A thread per connection would overlap the waiting just as well but
        costs 40-60 µs a message more in GIL hand-overs (measured on loopback)."""
        windows = [group[start:start + PIPELINE_WINDOW]
                   for start in range(0, len(group), PIPELINE_WINDOW)]
        connections = [pool.take() for _ in range(min(pool.size, len(windows)))]
        outcomes: list[PushOutcome] = []
        try:
            for first in range(0, len(windows), len(connections)):
                written: list[tuple[_Connection, list[int]]] = []
                refused: EndpointRefused | None = None
                for offset, connection in enumerate(connections):
                    if first + offset >= len(windows):
                        break
                    try:
                        keys = self._write_window(connection, fixed, windows[first + offset],
                                                  payload, outcomes)
                    except EndpointRefused as error:
                        refused = error
                        break
                    written.append((connection, keys))
                for connection, keys in written:
                    self._read_answers(connection, keys, outcomes)
                if refused is not None:
                    # The origin's name now points somewhere internal: nothing more goes to
                    # it, and trying again later cannot be told apart from an attack.
                    logger.warning("alerts: refused to send to %s: %s", pool.origin, refused)
                    outcomes.extend(
                        PushOutcome(message.key, None, error=f"refused: {refused}",
                                    permanent=True)
                        for window in windows[first + len(written) + 1:]
                        for message, _ in window)
                    break
        finally:
            for connection in connections:
                pool.give_back(connection)
        return outcomes

    def _write_window(self, connection: _Connection, fixed: bytes,
                      window: Sequence[tuple[PushMessage, str]], payload: bytes,
                      outcomes: list[PushOutcome]) -> list[int]:
        """Encrypt a window of messages and write their requests at once; the keys of those
        written, whose answers are to be read. Messages that cannot go have their outcome in
        ``outcomes`` already. Raises EndpointRefused (the window's messages counted as
        refused) when the connection must not be opened."""
        requests: list[bytes] = []
        keys: list[int] = []
        for message, target in window:
            try:
                body = encrypt(payload, message.p256dh, message.auth)
            except (ValueError, TypeError) as error:  # keys not on the curve, bad base64, ...
                outcomes.append(PushOutcome(message.key, None, error=f"unusable keys: {error}",
                                            permanent=True))
                continue
            requests.append(b"".join((
                f"POST {target} HTTP/1.1\r\n".encode("latin-1", "replace"), fixed,
                f"Content-Length: {len(body)}\r\n\r\n".encode("ascii"), body)))
            keys.append(message.key)
        if not keys:
            return []
        try:
            connection.ready()
            connection.write(b"".join(requests))
        except EndpointRefused as refused:
            outcomes.extend(PushOutcome(key, None, error=f"refused: {refused}", permanent=True)
                            for key in keys)
            raise
        except OSError as error:
            # Not opened, or the write broke off: none or some of the requests may have
            # arrived. None is written again here; the fan-out retries them later.
            outcomes.extend(PushOutcome(key, None, error=f"no answer: {error}") for key in keys)
            return []
        return keys

    def _read_answers(self, connection: _Connection, keys: list[int],
                      outcomes: list[PushOutcome]) -> None:
        """The answers to the requests written for ``keys``, in order."""
        for index, key in enumerate(keys):
            try:
                status, headers = connection.read_answer()
            except OSError as error:
                # Written, unanswered: the push service may have it. Not sent again by this
                # batch, whatever connection the next window uses.
                outcomes.extend(PushOutcome(rest, None, error=f"no answer: {error}")
                                for rest in keys[index:])
                return
            outcomes.append(PushOutcome(key, status,
                                        retry_after=retry_after_seconds(headers.get("retry-after"))))


# scheme://authority, then a path and/or query; no fragment, backslash or white space. Anything
# else goes through urlsplit.
_PLAIN_ENDPOINT = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/?#\\\s]+)([/?][^#\\\s]*)?")


def split_endpoint(endpoint: str) -> tuple[str, str]:
    """(origin, request target) of a push endpoint: ``("https://push.example:8443",
    "/send/abc?x=1")``. The origin (``scheme://host[:port]``, lower case) is the audience of the
    VAPID token and the key of the connection pool. A regular expression for the usual shape:
    urlsplit costs more per message than the rest of the request's bytes."""
    match = _PLAIN_ENDPOINT.fullmatch(endpoint)
    if match is not None and not endpoint.endswith("?"):
        origin, target = match.group(1), match.group(2) or "/"
        return origin.lower(), target if target[0] == "/" else "/" + target
    parts = urlsplit(endpoint)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{parts.scheme}://{parts.netloc}".lower(), target

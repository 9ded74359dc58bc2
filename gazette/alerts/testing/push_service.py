"""A Web Push service of the tests' own, on loopback: what Mozilla's autopush or Google's FCM are
to a real site, small enough to read.

For every ``POST /push/<subscriber id>`` it checks the VAPID token (RFC 8292), decrypts the body
with that subscriber's private key and auth secret (RFC 8291), checks the RFC 8030 headers (TTL
required; Urgency, Topic well formed) and records the plaintext, the headers and counts; then it
answers 201 Created with a Location, as push services do. It can be told to answer a subscriber
404, 410, 429 (with Retry-After) or 5xx the next N times.

It is a plain asyncio HTTP/1.1 server with keep-alive (no framework: it parses a request line,
headers and a Content-Length body), run in a thread of the test's process
(``with PushService() as service:``) or as a process of its own for the benchmark
(``python -m gazette.alerts.testing.push_service``), where ``verify_every=N`` checks one
message in N and only counts the rest, so that the sink is never what a benchmark measures.
``GET /stats`` returns the counts as JSON, ``POST /reset`` forgets them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from .receiving import (
    DecryptionError,
    Subscriber,
    VapidError,
    VapidToken,
    check_claims,
    make_subscriber,
    verify_vapid,
)

MAX_BODY = 4096  # RFC 8291 section 4: push services need accept no more
MAX_HEAD = 16 * 1024
URGENCIES = frozenset({"very-low", "low", "normal", "high"})
TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 410: "Gone",
           411: "Length Required", 413: "Payload Too Large", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass(frozen=True)
class Message:
    """A message the service accepted, decrypted (``payload`` is None for one only counted)."""

    subscriber_id: str
    payload: bytes | None
    ttl: int
    urgency: str | None
    topic: str | None
    headers: dict[str, str]
    vapid: VapidToken | None
    received_at: float

    def data(self) -> Any:
        """The payload as JSON (what the service worker would read)."""
        assert self.payload is not None, "this message was counted, not decrypted"
        return json.loads(self.payload)


@dataclass(frozen=True)
class Rejection:
    subscriber_id: str
    status: int
    reason: str


@dataclass
class _Failure:
    status: int
    times: int
    retry_after: int | None


@dataclass
class _Answer:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class PushService:
    """The push service. Start and stop it with ``with``; make subscribers with
    :meth:`make_subscriber`; read what arrived from :meth:`messages`, :attr:`received` and
    :attr:`answered`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, verify_every: int = 1,
                 require_subject: bool = True) -> None:
        self.host, self.port = host, port
        # 1: every message is checked and decrypted; N: one in N; 0: none (counting only).
        self.verify_every = verify_every
        # Seconds each answer waits (a slow push service; a fan-out still running when a test
        # kills a worker). The message is recorded on arrival, the answer sent after the wait.
        self.delay = 0.0
        self.require_subject = require_subject
        self.subscribers: dict[str, Subscriber] = {}
        self.received: Counter[str] = Counter()  # accepted messages per subscriber
        self.answered: Counter[int] = Counter()  # answers per status code
        self.rejections: list[Rejection] = []
        self.first_at: float | None = None  # wall clock of the first and last 201
        self.last_at: float | None = None
        self.verified = 0
        self._messages: list[Message] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._tokens: dict[str, VapidToken] = {}  # verified headers: a sender reuses one
        self._lock = threading.Lock()
        self._accepted = 0
        self._seen = 0  # messages to known subscribers: one in verify_every is checked
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[asyncio.Transport] = set()

    # --- Set-up -----------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def make_subscriber(self, subscriber_id: str | None = None, *,
                        application_server_key: str | None = None) -> Subscriber:
        """A new subscriber of this service (real P-256 keys), registered so that its
        messages are decrypted."""
        subscriber = make_subscriber(self.origin, subscriber_id,
                                     application_server_key=application_server_key)
        self.add(subscriber)
        return subscriber

    def add(self, *subscribers: Subscriber) -> None:
        with self._lock:
            for subscriber in subscribers:
                self.subscribers[subscriber.id] = subscriber

    def fail(self, subscriber_id: str, status: int, *, times: int = 1,
             retry_after: int | None = None) -> None:
        """Answer ``status`` (404, 410, 429, 500, ...) to the next ``times`` messages for this
        subscriber, with ``Retry-After`` if given; then accept again."""
        with self._lock:
            self._failures.setdefault(subscriber_id, deque()).append(
                _Failure(status, times, retry_after))

    def reset(self) -> None:
        """Forget what arrived (subscribers stay)."""
        with self._lock:
            self._messages.clear()
            self.received.clear()
            self.answered.clear()
            self.rejections.clear()
            self._failures.clear()
            self.first_at = self.last_at = None
            self.verified = self._accepted = self._seen = 0

    # --- What arrived -----------------------------------------------------------------------

    def messages(self, subscriber_id: str | None = None) -> list[Message]:
        with self._lock:
            return [m for m in self._messages
                    if subscriber_id is None or m.subscriber_id == subscriber_id]

    @property
    def accepted(self) -> int:
        return self._accepted

    def wait_for(self, condition: Callable[[PushService], object], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"push service: condition not met in {timeout} s "
                    f"(accepted {self._accepted}, answered {dict(self.answered)})")
            time.sleep(0.02)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "accepted": self._accepted,
                "distinct": len(self.received),
                "duplicates": sum(n - 1 for n in self.received.values() if n > 1),
                "verified": self.verified,
                "answered": {str(code): n for code, n in sorted(self.answered.items())},
                "rejected": len(self.rejections),
                "rejections": [r.__dict__ for r in self.rejections[:10]],
                "first_at": self.first_at,
                "last_at": self.last_at,
                "cpu_seconds": time.process_time(),
            }

    # --- Handling one request ---------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Answer:
        if target == "/stats" and method == "GET":
            return _Answer(200, [("Content-Type", "application/json")],
                           json.dumps(self.stats()).encode())
        if target == "/reset" and method == "POST":
            self.reset()
            return _Answer(200)
        if not target.startswith("/push/"):
            return _Answer(404)
        if method != "POST":
            return _Answer(405, [("Allow", "POST")])
        subscriber_id = target[len("/push/"):]
        subscriber = self.subscribers.get(subscriber_id)
        if subscriber is None:
            return self._refuse(subscriber_id, 404, "no such subscription")
        try:
            return self._accept(subscriber, headers, body)
        except VapidError as error:
            return self._refuse(subscriber_id, error.status, f"VAPID: {error}")
        except DecryptionError as error:
            return self._refuse(subscriber_id, 400, f"decryption: {error}")

    def _accept(self, subscriber: Subscriber, headers: dict[str, str], body: bytes) -> _Answer:
        with self._lock:
            self._seen += 1
            verify = self.verify_every > 0 and (self._seen - 1) % self.verify_every == 0
        token = self._check_vapid(subscriber, headers.get("authorization", "")) if verify else None
        failure = self._injected_failure(subscriber.id)
        if failure is not None:
            return failure
        ttl_text = headers.get("ttl", "")
        if not ttl_text.isdigit():
            return self._refuse(subscriber.id, 400, "TTL missing or not a number (RFC 8030 5.2)")
        urgency, topic = headers.get("urgency"), headers.get("topic")
        if urgency is not None and urgency not in URGENCIES:
            return self._refuse(subscriber.id, 400, f"bad Urgency {urgency!r}")
        if topic is not None and not TOPIC.fullmatch(topic):
            return self._refuse(subscriber.id, 400, f"bad Topic {topic!r}")
        if len(body) > MAX_BODY:
            return self._refuse(subscriber.id, 413, f"{len(body)} bytes, more than {MAX_BODY}")
        if headers.get("content-encoding", "").lower() != "aes128gcm":
            return self._refuse(subscriber.id, 400, "Content-Encoding is not aes128gcm")
        payload = subscriber.decrypt(body) if verify else None
        now = time.time()
        with self._lock:
            self._accepted += 1
            self.received[subscriber.id] += 1
            self.answered[201] += 1
            if verify:
                self.verified += 1
                self._messages.append(Message(subscriber.id, payload, int(ttl_text), urgency,
                                              topic, dict(headers), token, now))
            if self.first_at is None:
                self.first_at = now
            self.last_at = now
        return _Answer(201, [("Location", f"/message/{subscriber.id}/{self._accepted}")])

    def _check_vapid(self, subscriber: Subscriber, authorization: str) -> VapidToken:
        if not authorization:
            raise VapidError("no Authorization header")
        token = self._tokens.get(authorization)
        if token is None:
            token = verify_vapid(authorization, audience=self.origin,
                                 require_subject=self.require_subject)
            if len(self._tokens) > 1000:  # a sender signing per message (the naive loop)
                self._tokens.clear()
            self._tokens[authorization] = token
        else:  # signature checked before; time and audience checked on every use
            check_claims(token, audience=self.origin, require_subject=self.require_subject)
        expected = subscriber.application_server_key
        if expected is not None and token.public_key != expected:
            raise VapidError("k is not the key this subscription was made with", 403)
        return token

    def _injected_failure(self, subscriber_id: str) -> _Answer | None:
        with self._lock:
            queue = self._failures.get(subscriber_id)
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.popleft()
            self.answered[failure.status] += 1
        extra = [] if failure.retry_after is None else [("Retry-After", str(failure.retry_after))]
        return _Answer(failure.status, extra)

    def _refuse(self, subscriber_id: str, status: int, reason: str) -> _Answer:
        with self._lock:
            self.answered[status] += 1
            self.rejections.append(Rejection(subscriber_id, status, reason))
        return _Answer(status, [("Content-Type", "text/plain")], reason.encode())

    # --- Running ----------------------------------------------------------------------------

    async def serve(self) -> asyncio.Server:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._server = await loop.create_server(lambda: _Connection(self), self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self._server

    def start(self) -> PushService:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self.serve())
            except BaseException as error:  # noqa: BLE001 - handed to the starting thread
                failure.append(error)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="push-service", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        def close() -> None:
            server.close()
            for transport in list(self._connections):
                transport.close()
            loop.stop()

        loop.call_soon_threadsafe(close)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = self._server = self._thread = None

    def __enter__(self) -> PushService:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: requests are parsed from the buffer as they
    complete (pipelined ones too) and answered in order."""

    def __init__(self, service: PushService) -> None:
        self.service = service
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.continued = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.service._connections.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.service._connections.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            if not self._one_request():
                return

    def _one_request(self) -> bool:
        """Answer the request at the head of the buffer; False if it is not complete."""
        assert self.transport is not None
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                self._close_with(400, b"request head too large")
            return False
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        request_line = lines[0].split(" ")
        if len(request_line) != 3:
            self._close_with(400, b"bad request line")
            return False
        method, target, version = request_line
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "transfer-encoding" in headers:
            self._close_with(411, b"send a Content-Length")
            return False
        length_text = headers.get("content-length", "0")
        if not length_text.isdigit() or int(length_text) > 1024 * 1024:
            self._close_with(400, b"bad Content-Length")
            return False
        length = int(length_text)
        start = end + 4
        if len(self.buffer) < start + length:
            if headers.get("expect", "").lower() == "100-continue" and not self.continued:
                self.continued = True
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            return False
        body = bytes(self.buffer[start:start + length])
        del self.buffer[:start + length]
        self.continued = False
        try:
            answer = self.service.handle(method, target, headers, body)
        except Exception as error:  # noqa: BLE001 - a bug here must show, not hang the sender
            answer = _Answer(500, [], repr(error).encode())
        keep_alive = (version == "HTTP/1.1"
                      and headers.get("connection", "").lower() != "close")
        if self.service.delay > 0:
            # Answer later; read nothing more meanwhile, so that answers keep their order.
            self.transport.pause_reading()
            asyncio.get_running_loop().call_later(self.service.delay, self._answer_late,
                                                  answer, keep_alive)
            return False
        self._write(answer, keep_alive)
        if not keep_alive:
            self.transport.close()
            return False
        return True

    def _answer_late(self, answer: _Answer, keep_alive: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self._write(answer, keep_alive)
        if not keep_alive:
            self.transport.close()
            return
        self.transport.resume_reading()
        self.data_received(b"")  # requests that arrived meanwhile

    def _write(self, answer: _Answer, keep_alive: bool) -> None:
        assert self.transport is not None
        head = [f"HTTP/1.1 {answer.status} {REASONS.get(answer.status, 'Status')}"]
        head += [f"{name}: {value}" for name, value in answer.headers]
        head.append(f"Content-Length: {len(answer.body)}")
        if not keep_alive:
            head.append("Connection: close")
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + answer.body)

    def _close_with(self, status: int, body: bytes) -> None:
        self._write(_Answer(status, [], body), keep_alive=False)
        assert self.transport is not None
        self.transport.close()


# --- A process of its own (the benchmark's sink) --------------------------------------------


def load_subscribers(path: Path, base_url: str) -> Iterable[Subscriber]:
    with path.open() as lines:
        for line in lines:
            if line.strip():
                yield Subscriber.from_line(line, base_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--keys", type=Path, required=True,
                        help="subscriber key file (Subscriber.to_line per line)")
    parser.add_argument("--verify-every", type=int, default=1,
                        help="check and decrypt one message in N (0: count only)")
    args = parser.parse_args(argv)
    service = PushService(host=args.host, port=args.port, verify_every=args.verify_every)

    async def run() -> None:
        server = await service.serve()
        service.add(*load_subscribers(args.keys, service.origin))
        print(f"listening {service.origin} subscribers {len(service.subscribers)}", flush=True)
        await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())

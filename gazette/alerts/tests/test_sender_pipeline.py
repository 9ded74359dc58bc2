"""Pipelining in the sender: a window of requests is written before the answers are read, and
a connection that breaks mid-window never makes a message go twice."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gazette.alerts import sender
from gazette.alerts.push import VapidSigner, origin_of
from gazette.alerts.sender import PIPELINE_WINDOW, PushMessage, PushSender, split_endpoint
from gazette.alerts.ssrf import EndpointRefused
from gazette.alerts.testing import make_subscriber


class Sink:
    """A push service on loopback. ``answer_after`` requests must have arrived on a connection
    before it answers any (a client waiting for each answer before the next request would
    stall); after ``close_after`` answers it closes the connection, unread requests and all."""

    def __init__(self, *, answer_after: int = 1, close_after: int | None = None) -> None:
        self.answer_after, self.close_after = answer_after, close_after
        self.connections = 0
        self.targets: list[str] = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:
        buffer, waiting, answered = b"", 0, 0
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next(int(line.split(":", 1)[1]) for line in lines
                              if line.lower().startswith("content-length:"))
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                self.targets.append(lines[0].split(" ")[1])
                waiting += 1
                if waiting < self.answer_after:
                    continue
                for _ in range(waiting):
                    conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
                    answered += 1
                    if answered == self.close_after:
                        return
                waiting = 0
        except OSError:
            return
        finally:
            conn.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(name="allow_loopback")
def allow_loopback_fixture(settings: Any) -> None:
    settings.GAZETTE_PUSH_ALLOW_INSECURE = True  # http on loopback, as in development


def push_sender(connections: int = 1) -> PushSender:
    return PushSender(VapidSigner(ec.generate_private_key(ec.SECP256R1()),
                                  "mailto:newsroom@example.org"),
                      connections_per_origin=connections, timeout=5.0)


def messages_to(sink: Sink, count: int) -> list[PushMessage]:
    subscriber = make_subscriber("http://127.0.0.1:1")
    return [PushMessage(key, f"http://127.0.0.1:{sink.port}/push/{key}", subscriber.p256dh,
                        subscriber.auth_b64) for key in range(count)]


@pytest.fixture(name="sinks")
def sinks_fixture() -> Iterator[list[Sink]]:
    sinks: list[Sink] = []
    yield sinks
    for sink in sinks:
        sink.close()


def test_a_window_of_requests_is_written_before_any_answer_is_read(
        allow_loopback: None, sinks: list[Sink]) -> None:
    sink = Sink(answer_after=PIPELINE_WINDOW)
    sinks.append(sink)
    push = push_sender()
    try:
        outcomes = push.send(messages_to(sink, PIPELINE_WINDOW * 2), b"{}", ttl=60)
    finally:
        push.close()

    assert sorted(o.key for o in outcomes) == list(range(PIPELINE_WINDOW * 2))
    assert {o.status for o in outcomes} == {201}, outcomes[0].error
    assert sink.connections == 1


@pytest.mark.parametrize("connections", [1, 3])
def test_requests_written_but_unanswered_are_not_sent_again(
        allow_loopback: None, sinks: list[Sink], connections: int) -> None:
    # Every connection answers 5 requests and drops the rest of its window.
    sink = Sink(close_after=5)
    sinks.append(sink)
    count = PIPELINE_WINDOW * 2 + 8
    push = push_sender(connections)
    try:
        outcomes = push.send(messages_to(sink, count), b"{}", ttl=60)
    finally:
        push.close()

    assert sorted(o.key for o in outcomes) == list(range(count))  # one outcome each
    assert len(sink.targets) == len(set(sink.targets))  # nothing posted twice
    delivered = {o.key for o in outcomes if o.status == 201}
    unanswered = [o for o in outcomes if o.status is None]
    assert len(delivered) == 15 and len(unanswered) == count - 15
    assert all(o.error.startswith("no answer") and not o.permanent for o in unanswered)
    assert {f"/push/{key}" for key in delivered} <= set(sink.targets)
    # Each window went over a connection of its own: with one, a new one after each break.
    assert sink.connections == 3


def test_unusable_keys_do_not_hold_up_the_rest_of_the_window(
        allow_loopback: None, sinks: list[Sink]) -> None:
    sink = Sink()
    sinks.append(sink)
    messages = messages_to(sink, 3)
    messages[1] = PushMessage(1, messages[1].endpoint, "not-a-key", messages[1].auth)
    push = push_sender()
    try:
        outcomes = {o.key: o for o in push.send(messages, b"{}", ttl=60)}
    finally:
        push.close()

    assert outcomes[0].status == outcomes[2].status == 201
    assert outcomes[1].permanent and outcomes[1].error.startswith("unusable keys")
    assert sorted(sink.targets) == ["/push/0", "/push/2"]


@pytest.mark.parametrize("endpoint", [
    "https://fcm.googleapis.com/fcm/send/abc:def-ghi",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAA?x=1?y",
    "HTTPS://Push.Example:8443", "https://push.example?q=1", "https://push.example/p?",
    "https://push.example/p#fragment", "https://[2001:db8::1]:8443/a/%20b",
    "https://push.example/caf\u00e9",
])
def test_split_endpoint_agrees_with_urlsplit(endpoint: str) -> None:
    parts = urlsplit(endpoint)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    assert split_endpoint(endpoint) == (origin_of(endpoint), target)


def test_a_connection_refused_mid_round_stops_the_rest_but_reads_what_was_written(
        allow_loopback: None, sinks: list[Sink], monkeypatch: pytest.MonkeyPatch) -> None:
    sink = Sink()
    sinks.append(sink)
    real = sender.endpoint_addresses
    opened: list[str] = []

    def first_only(url: str) -> Any:
        # The first connection finds a public address; by the second the name is internal.
        opened.append(url)
        if len(opened) > 1:
            raise EndpointRefused("private address 10.1.2.3")
        return real(url)

    monkeypatch.setattr(sender, "endpoint_addresses", first_only)
    count = PIPELINE_WINDOW * 2 + 8
    push = push_sender(connections=3)
    try:
        outcomes = push.send(messages_to(sink, count), b"{}", ttl=60)
    finally:
        push.close()

    assert sorted(o.key for o in outcomes) == list(range(count))
    delivered = sorted(o.key for o in outcomes if o.status == 201)
    assert delivered == list(range(PIPELINE_WINDOW)) and len(sink.targets) == PIPELINE_WINDOW
    refused = [o for o in outcomes if o.status is None]
    assert len(refused) == count - PIPELINE_WINDOW
    assert all(o.permanent and "private address" in o.error for o in refused)
    assert len(opened) == 2

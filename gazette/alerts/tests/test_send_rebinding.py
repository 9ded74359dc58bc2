"""DNS rebinding: the sender resolves a push service's name once per connection, checks every
address and connects to a checked one, never to the name (which could answer differently the
second time). A fake resolver stands in for DNS and a guard on ``socket.connect`` lets only
loopback through, so nothing here leaves the machine."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gazette.alerts import fanout, sender, services, ssrf
from gazette.alerts.models import Delivery, DeliveryStatus
from gazette.alerts.push import VapidSigner
from gazette.alerts.sender import PushMessage, PushSender
from gazette.alerts.testing import make_subscriber
from gazette.alerts.tests.sending import subscribe

NAME = "push.example.test"
PUBLIC = "93.184.216.34"


class Resolver:
    """Answers every name with the next address of its script (the last one for ever after)."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        self.asked.append(str(host))
        address = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


class ConnectGuard:
    """Stands in for ``socket.connect``: loopback goes through, anything else is recorded and
    refused as if nobody answered."""

    def __init__(self) -> None:
        self.real = socket.socket.connect
        self.refused: list[tuple[str, int]] = []

    def __call__(self, sock: socket.socket, address: Any) -> None:
        host = address[0]
        if ipaddress.ip_address(host).is_loopback:
            return self.real(sock, address)
        self.refused.append((host, address[1]))
        raise ConnectionRefusedError(f"no real network in tests ({host})")


class Sink:
    """A push service on loopback that takes any POST (201) and records what it was sent:
    connections, request heads and, with TLS, the name the client asked for (SNI)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.connections = 0
        self.heads: list[str] = []
        self.server_names: list[str | None] = []
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                text = head.decode("latin-1")
                self.heads.append(text)
                length = next(int(line.split(":", 1)[1]) for line in text.split("\r\n")
                              if line.lower().startswith("content-length:"))
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        except (OSError, ssl.SSLError):
            return
        finally:
            conn.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(name="guard")
def guard_fixture(monkeypatch: pytest.MonkeyPatch) -> ConnectGuard:
    guard = ConnectGuard()

    def connect(sock: socket.socket, address: Any) -> None:
        guard(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return guard


@pytest.fixture(name="sink")
def sink_fixture() -> Iterator[Sink]:
    sink = Sink()
    yield sink
    sink.close()


def resolve_with(monkeypatch: pytest.MonkeyPatch, *answers: str) -> Resolver:
    resolver = Resolver(*answers)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver


def push_sender(**kwargs: Any) -> PushSender:
    return PushSender(VapidSigner(ec.generate_private_key(ec.SECP256R1()),
                                  "mailto:newsroom@example.org"),
                      connections_per_origin=1, **kwargs)


def message_to(endpoint: str) -> PushMessage:
    subscriber = make_subscriber("http://127.0.0.1:1")
    return PushMessage(1, endpoint, subscriber.p256dh, subscriber.auth_b64)


@pytest.mark.django_db
def test_a_name_rebound_to_loopback_after_the_check_gets_no_request(
        article: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, guard: ConnectGuard,
        sink: Sink, django_capture_on_commit_callbacks: Any) -> None:
    settings.GAZETTE_PUSH_ALLOW_INSECURE = False
    fanout.sender_reset()
    subscriber = make_subscriber(f"https://{NAME}:{sink.port}")
    subscribe(subscriber, "breaking")
    # Public when asked first (the check), loopback for every later question.
    resolve_with(monkeypatch, PUBLIC, "127.0.0.1")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            alert = services.alert_send(article=article, topic="breaking", title="Flood",
                                        body="", url="https://news.example.org/flood/")
    finally:
        fanout.sender_reset()

    assert sink.connections == 0 and sink.heads == []
    # The sender went to the address it had checked (refused here: no real network).
    assert guard.refused == [(PUBLIC, sink.port)]
    row = Delivery.objects.get(alert=alert)
    assert row.status == DeliveryStatus.RETRY and row.status_code is None


def test_a_reopened_connection_is_resolved_and_checked_again(
        settings: Any, monkeypatch: pytest.MonkeyPatch, guard: ConnectGuard,
        sink: Sink) -> None:
    settings.GAZETTE_PUSH_ALLOW_INSECURE = True  # http on loopback, as in development
    resolver = resolve_with(monkeypatch, "127.0.0.1", "10.1.2.3")
    push = push_sender()
    message = message_to(f"http://{NAME}:{sink.port}/push/a")
    try:
        [first] = push.send([message], b"{}", ttl=60)
        assert first.status == 201 and len(sink.heads) == 1
        # Kept open, the connection is reused without asking the resolver again...
        [again] = push.send([message], b"{}", ttl=60)
        assert again.status == 201 and len(sink.heads) == 2 and len(resolver.asked) == 1
        # ...and once it must be opened again, the name is checked again: now internal.
        monkeypatch.setattr(sender, "IDLE_REOPEN_SECONDS", -1.0)
        [refused] = push.send([message], b"{}", ttl=60)
    finally:
        push.close()

    assert refused.status is None and refused.permanent
    assert "private address" in refused.error
    assert len(sink.heads) == 2 and guard.refused == []
    assert resolver.asked == [NAME, NAME]


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_https_goes_to_the_checked_address_under_the_names_sni_certificate_and_host(
        settings: Any, monkeypatch: pytest.MonkeyPatch, guard: ConnectGuard,
        tmp_path: Path) -> None:
    settings.GAZETTE_PUSH_ALLOW_INSECURE = True  # lets https reach loopback
    cert, key = self_signed(tmp_path, NAME)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    sink = Sink(tls=server)
    resolve_with(monkeypatch, "127.0.0.1")
    # The client trusts a certificate for the name only: connecting by address would fail.
    push = push_sender(tls=ssl.create_default_context(cafile=str(cert)))
    try:
        [outcome] = push.send([message_to(f"https://{NAME}:{sink.port}/push/a")], b"{}",
                              ttl=60)
    finally:
        push.close()
        sink.close()

    assert outcome.status == 201, outcome.error
    assert sink.server_names == [NAME]
    assert f"\r\nHost: {NAME}:{sink.port}\r\n" in sink.heads[0]


def test_endpoint_addresses_are_the_checked_ones(settings: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    settings.GAZETTE_PUSH_ALLOW_INSECURE = False
    resolve_with(monkeypatch, PUBLIC)
    assert ssrf.endpoint_addresses(f"https://{NAME}") == [ipaddress.ip_address(PUBLIC)]
    resolve_with(monkeypatch, "10.0.0.7")
    with pytest.raises(ssrf.EndpointRefused, match="private address"):
        ssrf.endpoint_addresses(f"https://{NAME}")
    with pytest.raises(ssrf.EndpointRefused, match="https"):
        ssrf.endpoint_addresses("http://127.0.0.1:8080/push")

"""The automatic alert of a breaking story (once), the command line, WebSub pings and email
alerts through a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.core.management import CommandError, call_command

from gazette.alerts.models import Alert, Delivery
from gazette.alerts.tests.sending import (  # noqa: F401  (a fixture)
    email_subscribe,
    push_service_fixture,
    subscribe,
)

pytestmark = pytest.mark.django_db


def publish(article: Any, capture: Any) -> None:
    with capture(execute=True):
        article.save_revision().publish()


def test_a_breaking_story_alerts_once_however_often_it_is_published(
        article: Any, push_service: Any, settings: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.GAZETTE_ALERTS_AUTO = True
    subscriber = push_service.make_subscriber()
    subscribe(subscriber, "breaking")
    publish(article, django_capture_on_commit_callbacks)  # not breaking: no alert
    assert not Alert.objects.exists()

    article.breaking = True
    publish(article, django_capture_on_commit_callbacks)
    publish(article, django_capture_on_commit_callbacks)

    alert = Alert.objects.get()
    assert alert.auto_for_article_id == article.pk and alert.urgency == "high"
    assert push_service.received[subscriber.id] == 1
    assert push_service.messages()[0].data()["title"] == article.title


def test_no_automatic_alert_unless_the_setting_is_on(
        article: Any, push_service: Any, settings: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.GAZETTE_ALERTS_AUTO = False
    article.breaking = True
    publish(article, django_capture_on_commit_callbacks)
    assert not Alert.objects.exists()


def test_command_line_sends_once_then_only_with_force(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any) -> None:
    subscriber = push_service.make_subscriber()
    subscribe(subscriber, "breaking")
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("alerts", "send", str(article.pk), stdout=out)
    assert "1 push" in out.getvalue() and push_service.received[subscriber.id] == 1
    with pytest.raises(CommandError, match="already sent"):
        call_command("alerts", "send", article.full_url or str(article.pk))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("alerts", "send", article.url, "--force", stdout=out)
    assert push_service.received[subscriber.id] == 2 and Alert.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("alerts", "send", "999999")


def test_command_line_refuses_a_second_alert_to_a_storys_followers_unless_forced(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any) -> None:
    follower = push_service.make_subscriber()
    topic = f"story:{article.pk}"
    subscribe(follower, topic)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("alerts", "send", str(article.pk), "--topic", topic, stdout=StringIO())
    with pytest.raises(CommandError, match="already sent"):
        call_command("alerts", "send", str(article.pk), "--topic", topic)
    assert push_service.received[follower.id] == 1 and Alert.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        call_command("alerts", "send", str(article.pk), "--topic", topic, "--force",
                     stdout=StringIO())
    assert push_service.received[follower.id] == 2


def test_publication_sends_no_automatic_alert_after_a_manual_breaking_one(
        article: Any, push_service: Any, settings: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    from gazette.alerts import services

    settings.GAZETTE_ALERTS_AUTO = True
    subscriber = push_service.make_subscriber()
    subscribe(subscriber, "breaking")
    with django_capture_on_commit_callbacks(execute=True):
        services.alert_for_article(article, force=True)  # forced: not the automatic one
    article.breaking = True
    publish(article, django_capture_on_commit_callbacks)
    assert Alert.objects.count() == 1 and push_service.received[subscriber.id] == 1


class _Hub(BaseHTTPRequestHandler):
    pings: list[dict[str, list[str]]] = []

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers["Content-Length"])
        self.pings.append(parse_qs(self.rfile.read(length).decode()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(name="hub")
def hub_fixture() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hub)
    _Hub.pings = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_publishing_pings_every_hub_with_the_feeds(
        article: Any, hub: str, settings: Any, django_capture_on_commit_callbacks: Any,
        client: Any) -> None:
    settings.GAZETTE_WEBSUB_HUBS = [hub]
    publish(article, django_capture_on_commit_callbacks)
    [ping] = _Hub.pings
    assert ping["hub.mode"] == ["publish"]
    assert f"{settings.GAZETTE_BASE_URL}/feeds/rss/" in ping["hub.url"]
    assert any(f"/feeds/section/{article.section.slug}/atom/" in url for url in ping["hub.url"])


# --- Email alerts ---------------------------------------------------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


@pytest.fixture(name="smtp")
def smtp_fixture(settings: Any) -> Iterator[_Inbox]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


def test_email_alerts_go_to_confirmed_subscribers_with_one_click_unsubscribe(
        article: Any, smtp: _Inbox, settings: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    from gazette.alerts import services

    settings.GAZETTE_ALERTS_BATCH = 2
    for name in ("ada", "bo", "cy"):
        email_subscribe(f"{name}@example.org", "breaking")
    email_subscribe("late@example.org", "breaking", confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.alert_send(article=article, topic="breaking", title="Wall gives way",
                                    body="Crews on the quay.",
                                    url="https://news.example.org/world/wall/")
    alert.refresh_from_db()
    assert sorted(str(m["To"]) for m in smtp.messages) == [
        "ada@example.org", "bo@example.org", "cy@example.org"]
    message = smtp.messages[0]
    assert str(message["Subject"]) == "Wall gives way"
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert "/alerts/unsubscribe/" in str(message["List-Unsubscribe"])
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "https://news.example.org/world/wall/" in text and "Crews on the quay." in text
    assert (alert.targeted, alert.delivered) == (3, 3) and alert.finished_at is not None
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_every_feed_names_the_hubs(client: Any, article: Any, settings: Any) -> None:
    settings.GAZETTE_WEBSUB_HUBS = ["https://hub.example.net/"]
    rss = client.get("/feeds/rss/").content.decode()
    atom = client.get("/feeds/atom/").content.decode()
    json_feed = client.get("/feeds/json/").json()
    assert re.search(r'<atom:link (rel="hub" href="https://hub.example.net/"|'
                     r'href="https://hub.example.net/" rel="hub")', rss)
    assert re.search(r'<link (rel="hub" href="https://hub.example.net/"|'
                     r'href="https://hub.example.net/" rel="hub")', atom)
    assert json_feed["hubs"] == [{"type": "WebSub", "url": "https://hub.example.net/"}]
    settings.GAZETTE_WEBSUB_HUBS = []
    assert 'rel="hub"' not in client.get("/feeds/section/world/rss/").content.decode()

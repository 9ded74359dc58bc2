"""For the notification and privacy tests: a real SMTP server on loopback (aiosmtpd) that the
site's SMTP backend sends to, and comments in any state."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import pytest
from django.utils import timezone

from gazette.comments.models import Comment, DiscussionSettings, Status
from gazette.comments.services import FormEvidence, email_key
from gazette.comments.text import render


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def clear(self) -> None:
        self.messages.clear()


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link(message: EmailMessage, fragment: str) -> str:
    """The path of the first link in the body that contains ``fragment``."""
    found = re.search(r"https?://[^/\s]+(\S*" + re.escape(fragment) + r"\S*)", body(message))
    assert found, f"no link with {fragment!r} in:\n{body(message)}"
    return found.group(1)


def unsubscribe_path(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"]).strip()
    found = re.fullmatch(r"<https?://[^/]+(/comments/unsubscribe/[^>]+/)>", header)
    assert found, header
    return found.group(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(name="smtp")
def smtp_fixture(settings: Any) -> Iterator[Inbox]:
    """The inbox of an SMTP server on loopback that the site sends its email to."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


def make_comment(article: Any, *, text: str = "A fair point about the barrier.",
                 author: str = "Ada Reader", email: str = "ada@example.org",
                 ip: str | None = "203.0.113.7", status: str = Status.PENDING,
                 created_at: datetime | None = None, parent: Comment | None = None,
                 user_agent: str = "Mozilla/5.0 (X11; Linux) Firefox/140.0",
                 url: str = "", notify: bool = False,
                 moderated_at: datetime | None = None) -> Comment:
    comment = Comment.objects.create(
        article=article, parent=parent, depth=(parent.depth + 1 if parent else 1),
        author_name=author, author_email=email, author_url=url, text=text, html=render(text),
        status=status, ip_address=ip, user_agent=user_agent, email_key=email_key(email),
        created_at=created_at or timezone.now(), moderated_at=moderated_at,
        notify_replies=notify, held_by="premoderation",
        trail=[{"step": "premoderation", "outcome": status,
                "reason": "First comment from this address.",
                "at": timezone.now().isoformat()}],
    )
    Comment.objects.filter(pk=comment.pk).update(
        thread_id=parent.thread_id if parent else comment.pk)
    comment.refresh_from_db()
    return comment


def site_rules(**values: Any) -> DiscussionSettings:
    from wagtail.models import Site

    stored = DiscussionSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in values.items():
        setattr(stored, name, value)
    stored.save()
    return stored


def person_evidence() -> FormEvidence:
    """A reader in a browser: the script ran, a fresh token, a minute to write."""
    now = time.time()
    return FormEvidence(ip_address="198.51.100.9", user_agent="Mozilla/5.0 Firefox/128.0",
                        rendered_at=now - 60, submitted_at=now, token_valid=True,
                        script_ran=True)

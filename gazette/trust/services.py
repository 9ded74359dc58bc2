"""What the trust pages do: take a message from the contact form, and mail it to the newsroom.

A message is stored first (the admin lists it under Forms whatever happens to the mail), then a
task emails it through Django's email backend: the request never waits for a mail server.

Flood control is per sender network (an IPv4 address, an IPv6 /64, which one household or
phone usually gets whole) in the shared cache, so every web process counts together. The cache
key is a keyed hash of the network: the cache holds no address either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gazette.throttle import WINDOW_SECONDS, hourly_allow, network_key

from .forms import ContactForm
from .models import MAILED_FIELD, ContactPage, ContactSubmission

logger = logging.getLogger(__name__)

RATE_WINDOW_SECONDS = WINDOW_SECONDS
RATE_PREFIX = "trust:contact-rate:"


class ContactLimited(Exception):
    """Too many messages from this sender's network this hour."""


@dataclass(frozen=True)
class ContactResult:
    """``submission`` is None when the honeypot caught a script (it is told "sent" anyway)."""

    submission: ContactSubmission | None


def sender_key(client_address: str | None) -> str:
    """The rate limit's key for an address: a keyed hash of its network, never the address."""
    return network_key(client_address)


def contact_rate_allow(client_address: str | None, *, now: float | None = None) -> bool:
    """Count one message from ``client_address``; False once this hour's allowance is spent."""
    return hourly_allow(RATE_PREFIX, sender_key(client_address),
                        int(settings.GAZETTE_CONTACT_PER_HOUR), now=now)


def contact_submit(*, page: ContactPage, form: ContactForm,
                   client_address: str | None) -> ContactResult:
    """Take a message the view found valid (or a honeypot catch): count it against the
    sender's allowance, store it, and have a task mail it. Raises ContactLimited."""
    if not contact_rate_allow(client_address):
        raise ContactLimited
    if form.is_bot:
        logger.info("trust: the contact form's honeypot caught a post")
        return ContactResult(None)
    with transaction.atomic():
        submission = page.process_form_submission(form)
        transaction.on_commit(lambda: _mail_enqueue(submission.pk))
    return ContactResult(submission)


def _mail_enqueue(submission_id: int) -> None:
    from . import tasks

    try:
        tasks.contact_submission_mail.enqueue(submission_id)
    except Exception:
        # The message is stored and listed in the admin: a queue that fails must not lose it.
        logger.exception("trust: could not enqueue the mail of contact message %s", submission_id)


def _reply_to(data: dict[str, Any]) -> list[str]:
    """The first valid email address the reader gave, so the newsroom can answer them."""
    for value in data.values():
        if isinstance(value, str) and "@" in value:
            try:
                validate_email(value.strip())
            except Exception:
                continue
            return [value.strip()]
    return []


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def contact_mail_render(submission: ContactSubmission, page: ContactPage) -> EmailMessage:
    labels = dict(page.get_data_fields())
    data: dict[str, Any] = submission.get_data()
    lines = [f"A message sent through {page.full_url or page.url} on "
             f"{timezone.localtime(submission.submit_time):%d %b %Y, %H:%M %Z}:", ""]
    for name, value in data.items():
        if name in ("submit_time", MAILED_FIELD):
            continue
        lines += [f"{labels.get(name, name)}:", _text(value), ""]
    admin = reverse("wagtailforms:list_submissions", args=[page.pk])
    lines.append(f"Every message, in the admin: {settings.GAZETTE_BASE_URL}{admin}")
    subject = page.subject or f"[{settings.GAZETTE_SITE_NAME}] A message from the contact form"
    recipients = [address.strip() for address in page.to_address.split(",") if address.strip()]
    return EmailMessage(subject=subject, body="\n".join(lines),
                        from_email=page.from_address or settings.DEFAULT_FROM_EMAIL,
                        to=recipients, reply_to=_reply_to(data))


def contact_mail_send(submission_id: int) -> bool:
    """Mail a stored message to the page's addresses, once. False when there is nothing to
    do (no such message, already mailed, no address set: the message stays in the admin)."""
    submission = ContactSubmission.objects.filter(pk=submission_id).first()
    if submission is None or submission.mailed_at is not None:
        return False
    page = ContactPage.objects.filter(pk=submission.page_id).first()
    if page is None or not page.to_address.strip():
        return False
    message = contact_mail_render(submission, page)
    with get_connection() as connection:
        message.connection = connection
        sent = message.send() == 1
    if sent:
        ContactSubmission.objects.filter(pk=submission.pk).update(mailed_at=timezone.now())
    return sent

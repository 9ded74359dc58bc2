"""Subscriptions: what readers ask for, and the signed links that let them change their mind.

Push subscriptions arrive from the browser with their keys and are confirmed at once (the
browser's permission prompt was the reader's consent). Email subscriptions wait for the reader
to follow a confirmation link; nothing is sent to an unconfirmed address. Someone typing another
person's address into the form can make us send one confirmation email, never change a
confirmed subscription's topics: the owner of a confirmed address gets its preferences link
instead.

Links carry a signed ``{subscription id, purpose, token_salt}``: a confirmation link lasts a
week, a preferences link 30 days, an unsubscribe link in an alert email as long as the
subscription (mail clients show old messages). A forged, altered or expired token reads as
None and changes nothing; after a cancellation every earlier link is dead with the row.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from . import topics as topic_rules
from .models import Channel, Subscription, SubscriptionTopic
from .ssrf import endpoint_allowed

CONFIRM = "confirm"
MANAGE = "manage"
UNSUBSCRIBE = "unsubscribe"
# An unsubscribe link lasts a year: mail clients offer it on old messages, and every alert
# email carries a fresh one, so a reader who still gets alerts always holds a working link.
MAX_AGE = {CONFIRM: 7 * 24 * 3600, MANAGE: 30 * 24 * 3600, UNSUBSCRIBE: 365 * 24 * 3600}
_SALT = "gazette.alerts.link."


class SubscriptionError(ValueError):
    """Input a subscription cannot be made of; the message is safe to show."""


# --- Validation -----------------------------------------------------------------------------


def b64url_bytes(value: object) -> bytes | None:
    if not isinstance(value, str) or not value or len(value) > 256:
        return None
    if any(ch not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="
           for ch in value):
        return None
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


def p256dh_valid(value: object) -> bool:
    """A 65-byte uncompressed P-256 point that lies on the curve."""
    raw = b64url_bytes(value)
    if raw is None or len(raw) != 65 or raw[0] != 4:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


def auth_valid(value: object) -> bool:
    raw = b64url_bytes(value)
    return raw is not None and len(raw) == 16


def clean_topics(values: Iterable[object]) -> list[str]:
    """The topics, deduplicated in order; SubscriptionError if one is unknown or none given."""
    chosen: list[str] = []
    for value in values:
        if not topic_rules.topic_valid(value):
            shown = value[:64] if isinstance(value, str) else type(value).__name__
            raise SubscriptionError(f"unknown topic: {shown!r}")
        assert isinstance(value, str)
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        raise SubscriptionError("choose at least one topic")
    if len(chosen) > topic_rules.MAX_TOPICS:
        raise SubscriptionError(f"at most {topic_rules.MAX_TOPICS} topics")
    return chosen


def _set_topics(subscription: Subscription, topics: list[str]) -> None:
    subscription.topics.exclude(topic__in=topics).delete()
    SubscriptionTopic.objects.bulk_create(
        [SubscriptionTopic(subscription=subscription, topic=t) for t in topics],
        ignore_conflicts=True,
    )


def topics_of(subscription: Subscription) -> list[str]:
    return sorted(subscription.topics.values_list("topic", flat=True))


# --- Push -----------------------------------------------------------------------------------


@transaction.atomic
def push_subscribe(*, endpoint: str, p256dh: str, auth: str, topics: list[str]) -> Subscription:
    """Store (or update, by endpoint) a browser's push subscription with its topics."""
    reason = endpoint_allowed(endpoint)
    if reason is not None:
        raise SubscriptionError(reason)
    if not p256dh_valid(p256dh):
        raise SubscriptionError("keys.p256dh is not an uncompressed P-256 public key")
    if not auth_valid(auth):
        raise SubscriptionError("keys.auth must be 16 bytes, base64url")
    chosen = clean_topics(topics)
    subscription, created = Subscription.objects.select_for_update().get_or_create(
        channel=Channel.PUSH, endpoint=endpoint,
        defaults={"p256dh": p256dh, "auth": auth, "confirmed_at": timezone.now(),
                  "token_salt": secrets.token_hex(8)},
    )
    if not created:
        subscription.p256dh, subscription.auth = p256dh, auth
        subscription.confirmed_at = subscription.confirmed_at or timezone.now()
        subscription.save(update_fields=["p256dh", "auth", "confirmed_at"])
    _set_topics(subscription, chosen)
    return subscription


def push_unsubscribe(*, endpoint: str) -> bool:
    deleted, _ = Subscription.objects.filter(channel=Channel.PUSH, endpoint=endpoint).delete()
    return deleted > 0


# --- Email ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailSignup:
    subscription_id: int
    mail: str  # "confirm" or "manage": which email the task sends


@transaction.atomic
def email_subscribe(*, email: str, topics: list[str]) -> EmailSignup:
    """Ask an address to confirm (new or still unconfirmed), or send a confirmed address its
    preferences link; the mail goes out after commit, through the task queue."""
    chosen = clean_topics(topics)
    # One row per address whatever its case (the unique constraint is on the stored form).
    email = email.strip().lower()
    subscription, created = Subscription.objects.select_for_update().get_or_create(
        channel=Channel.EMAIL, email=email, defaults={"token_salt": secrets.token_hex(8)},
    )
    if subscription.is_confirmed:
        signup = EmailSignup(subscription.pk, MANAGE)
    else:
        # Nothing is sent to it before confirmation, so its pending choices may change.
        _set_topics(subscription, chosen)
        signup = EmailSignup(subscription.pk, CONFIRM)
    transaction.on_commit(lambda: signup_mail_send.enqueue(signup.subscription_id, signup.mail))
    return signup


def email_confirm(subscription: Subscription) -> Subscription:
    if subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


@transaction.atomic
def subscription_topics_set(subscription: Subscription, topics: list[str]) -> list[str]:
    chosen = clean_topics(topics)
    _set_topics(subscription, chosen)
    return chosen


def subscription_cancel(subscription: Subscription) -> None:
    """Delete it: its topics go with it, deliveries stay (counted) without it."""
    Subscription.objects.filter(pk=subscription.pk).delete()


# --- Signed links ---------------------------------------------------------------------------


def token_for(subscription: Subscription, purpose: str) -> str:
    return signing.dumps({"s": subscription.pk, "k": subscription.token_salt},
                         salt=_SALT + purpose, compress=False)


def subscription_from_token(token: str, purpose: str) -> Subscription | None:
    """The subscription a genuine, unexpired link of this purpose names, else None."""
    if purpose not in MAX_AGE or not isinstance(token, str) or len(token) > 400:
        return None
    try:
        data = signing.loads(token, salt=_SALT + purpose, max_age=MAX_AGE[purpose])
    except signing.BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None
    subscription = Subscription.objects.filter(pk=data["s"]).first()
    if subscription is None or subscription.token_salt != data.get("k"):
        return None
    return subscription


def _site_url(path: str) -> str:
    from gazette.news.seo import absolute_url

    return absolute_url(path)


def confirm_url(subscription: Subscription) -> str:
    return _site_url(reverse("alerts:confirm", args=[token_for(subscription, CONFIRM)]))


def manage_url(subscription: Subscription) -> str:
    """The signed preferences link (change topics or cancel; 30 days)."""
    return _site_url(reverse("alerts:manage", args=[token_for(subscription, MANAGE)]))


def unsubscribe_url(subscription: Subscription) -> str:
    return _site_url(reverse("alerts:unsubscribe", args=[token_for(subscription, UNSUBSCRIBE)]))


def unsubscribe_headers(subscription: Subscription) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe headers for an alert email to this subscription."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscription)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- The sign-up emails ---------------------------------------------------------------------


def signup_mail_send_now(subscription_id: int, mail: str) -> bool:
    subscription = Subscription.objects.filter(pk=subscription_id, channel=Channel.EMAIL).first()
    if subscription is None or mail not in (CONFIRM, MANAGE):
        return False
    from django.conf import settings

    context = {
        "site_name": getattr(settings, "GAZETTE_SITE_NAME", "The Gazette"),
        "confirm_url": confirm_url(subscription) if mail == CONFIRM else "",
        "manage_url": manage_url(subscription),
        "topics": [topic_rules.topic_label(t) for t in topics_of(subscription)],
    }
    subject = ("Confirm your news alerts" if mail == CONFIRM else "Your news alerts")
    body = render_to_string(f"alerts/email/{mail}.txt", context)
    EmailMessage(subject=f"{subject} · {context['site_name']}", body=body,
                 to=[subscription.email]).send()
    return True


@task()
def signup_mail_send(subscription_id: int, mail: str) -> bool:
    """Send the confirmation (or, to a confirmed address, its preferences link)."""
    return signup_mail_send_now(subscription_id, mail)

"""For the sending tests: the loopback push service, subscriptions of its subscribers, and an
alert sent with its on-commit fan-out run (tasks run inline in tests)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from gazette.alerts import fanout
from gazette.alerts.models import Channel, Subscription, SubscriptionTopic
from gazette.alerts.testing import PushService, Subscriber


@pytest.fixture(name="push_service")
def push_service_fixture(settings: Any) -> Iterator[PushService]:
    settings.GAZETTE_PUSH_ALLOW_INSECURE = True
    fanout.sender_reset()  # a sender signing with an earlier test's (rolled back) VAPID key
    with PushService() as service:
        yield service
    fanout.sender_reset()


def subscribe(subscriber: Subscriber, *topics: str) -> Subscription:
    subscription = Subscription.objects.create(
        channel=Channel.PUSH, endpoint=subscriber.endpoint, p256dh=subscriber.p256dh,
        auth=subscriber.auth_b64, confirmed_at=timezone.now())
    SubscriptionTopic.objects.bulk_create(
        [SubscriptionTopic(subscription=subscription, topic=topic) for topic in topics])
    return subscription


def email_subscribe(email: str, *topics: str, confirmed: bool = True) -> Subscription:
    subscription = Subscription.objects.create(
        channel=Channel.EMAIL, email=email, token_salt="salt",
        confirmed_at=timezone.now() if confirmed else None)
    SubscriptionTopic.objects.bulk_create(
        [SubscriptionTopic(subscription=subscription, topic=topic) for topic in topics])
    return subscription

"""The fan-out of one alert: who gets it, batch by batch, and what became of each message.

The walk (:func:`fanout_walk`, the ``alert_fanout`` task) goes through the alert's audience in
subscription id order, GAZETTE_ALERTS_BATCH at a time: it writes a ``pending`` delivery row per
(alert, subscription) (``bulk_create(ignore_conflicts=True)``: the unique pair makes a second
walk write nothing) and enqueues one ``alert_batch`` task per batch.

A batch (:func:`batch_send`) first *claims* its rows: one UPDATE turns ``pending`` into
``sending`` and returns the rows it turned. Only then does a message go out. So a message is sent
at most once: a batch task that runs twice, or a walk started again after a crash, finds the rows
claimed and sends nothing for them. A worker that dies mid-batch leaves rows in ``sending``; they
are never sent again (the push service may have them) and a later walk marks them failed.

Outcomes are written in bulk, a few UPDATEs per batch: 201 delivered; 404 and 410 the
subscription is gone (deleted; its rows keep the outcome); 429, 5xx and no answer are retried
later, honouring Retry-After (``retry``, with ``retry_at``; an ``alert_retry`` task is enqueued
to run then); any other 4xx failed. The alert's counts move by F() expressions, so batches on
several workers add up; the alert is finished when nothing is pending, sending or retrying.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import Alert, Channel, Delivery, DeliveryStatus, Subscription, SubscriptionTopic
from .push import Notification, PayloadTooLarge, VapidSigner, payload_for, topic_header
from .sender import PushMessage, PushOutcome, PushSender

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 30.0
MAX_RETRY_AFTER = 6 * 3600.0
# A row left in "sending" this long belongs to a worker that died: it is not sent again.
STALE_SENDING = timedelta(minutes=15)

_sender: PushSender | None = None
_sender_lock = threading.Lock()


def sender() -> PushSender:
    """This process's push sender: its connections and VAPID tokens outlive a batch."""
    global _sender
    with _sender_lock:
        if _sender is None:
            from .vapid import vapid_keys

            keys = vapid_keys()
            _sender = PushSender(VapidSigner.from_pem(keys.private_key_pem,
                                                      settings.GAZETTE_VAPID_SUBJECT))
        return _sender


def sender_reset() -> None:
    """Forget this process's sender (tests; a new VAPID key)."""
    global _sender
    with _sender_lock:
        if _sender is not None:
            _sender.close()
        _sender = None


# --- The walk -------------------------------------------------------------------------------


def audience_batches(alert: Alert, batch_size: int) -> Iterable[list[int]]:
    """Subscription ids of the alert's audience (confirmed subscriptions of its topic), in id
    order, ``batch_size`` at a time."""
    after = 0
    while True:
        ids = list(SubscriptionTopic.objects
                   .filter(topic=alert.topic, subscription_id__gt=after,
                           subscription__confirmed_at__isnull=False)
                   .order_by("subscription_id")
                   .values_list("subscription_id", flat=True)[:batch_size])
        if not ids:
            return
        yield ids
        after = ids[-1]


def fanout_walk(alert_id: int) -> int:
    """Write the alert's delivery rows and enqueue a batch task per batch; how many batches.
    Safe to run again: it resumes an interrupted fan-out and sends nothing twice."""
    from . import tasks

    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        return 0
    Alert.objects.filter(pk=alert_id, started_at__isnull=True).update(started_at=timezone.now())
    stale_sending_fail(alert_id)
    batches = 0
    for ids in audience_batches(alert, max(1, settings.GAZETTE_ALERTS_BATCH)):
        Delivery.objects.bulk_create(
            [Delivery(alert_id=alert_id, subscription_id=pk) for pk in ids],
            ignore_conflicts=True, batch_size=500)
        batches += 1
        tasks.task_enqueue(tasks.alert_batch, alert_id, ids[0], ids[-1])
    targeted = Delivery.objects.filter(alert_id=alert_id).count()
    Alert.objects.filter(pk=alert_id).update(targeted=targeted)
    # A resumed walk also sends the retries that fell due while no task was there to.
    if Delivery.objects.filter(alert_id=alert_id, status=DeliveryStatus.RETRY,
                               retry_at__lte=timezone.now()).exists():
        retry_due(alert_id)
    finish_if_done(alert_id, walked=True)
    return batches


def stale_sending_fail(alert_id: int, now: datetime | None = None) -> int:
    """Rows a dead worker left in "sending": failed, never sent again (they may have gone)."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(alert_id=alert_id, status=DeliveryStatus.SENDING,
                                    updated_at__lt=now - STALE_SENDING)
    count = stale.update(status=DeliveryStatus.FAILED, updated_at=now)
    if count:
        Alert.objects.filter(pk=alert_id).update(failed=F("failed") + count)
    return count


def finish_if_done(alert_id: int, *, walked: bool = False) -> bool:
    """Stamp finished_at once nothing of the alert is pending, sending or due for a retry.

    A batch asks only once the walk has counted the audience (targeted > 0); the walk asks when
    it ends, so an alert whose batches all ended before the walk did is finished too."""
    open_rows = Delivery.objects.filter(alert_id=alert_id, status__in=[
        DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.RETRY])
    if open_rows.exists():
        return False
    alerts = Alert.objects.filter(pk=alert_id, finished_at__isnull=True)
    if not walked:
        alerts = alerts.filter(targeted__gt=0)
    return bool(alerts.update(finished_at=timezone.now()))


# --- Claiming -------------------------------------------------------------------------------


def _claim(alert_id: int, status: str, extra_sql: str, params: Sequence[Any]) -> list[int]:
    """Turn the alert's rows in ``status`` (and matching ``extra_sql``) into "sending" in one
    UPDATE; the ids of the rows this call turned (another worker's are not among them)."""
    table = Delivery._meta.db_table
    sql = (f"UPDATE {table} SET status = %s, attempts = attempts + 1, updated_at = %s "
           f"WHERE alert_id = %s AND status = %s {extra_sql} RETURNING id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [DeliveryStatus.SENDING, timezone.now(), alert_id, status, *params])
        return [row[0] for row in cursor.fetchall()]


def batch_claim(alert_id: int, first_subscription: int, last_subscription: int) -> list[int]:
    return _claim(alert_id, DeliveryStatus.PENDING,
                  "AND subscription_id BETWEEN %s AND %s",
                  [first_subscription, last_subscription])


def retry_claim(alert_id: int, now: datetime, limit: int) -> list[int]:
    table = Delivery._meta.db_table
    return _claim(alert_id, DeliveryStatus.RETRY,
                  f"AND id IN (SELECT id FROM {table} WHERE alert_id = %s AND status = %s "
                  f"AND retry_at <= %s ORDER BY id LIMIT %s)",
                  [alert_id, DeliveryStatus.RETRY, now, limit])


# --- Sending a batch ------------------------------------------------------------------------


def batch_send(alert_id: int, first_subscription: int, last_subscription: int) -> int:
    """Claim and send one batch of the walk; how many messages were sent."""
    return _send_claimed(alert_id, batch_claim(alert_id, first_subscription, last_subscription))


def retry_due(alert_id: int, now: datetime | None = None) -> int:
    """Send the alert's rows whose retry time has come; how many were sent."""
    now = now or timezone.now()
    sent = 0
    while ids := retry_claim(alert_id, now, max(1, settings.GAZETTE_ALERTS_BATCH)):
        sent += _send_claimed(alert_id, ids)
    finish_if_done(alert_id)
    return sent


def notification_for(alert: Alert) -> Notification:
    tag = f"story-{alert.article_id}" if alert.article_id else f"alert-{alert.pk}"
    return Notification(alert_id=alert.pk, title=alert.title, body=alert.body, url=alert.url,
                        image=alert.image_url, tag=tag)


def _send_claimed(alert_id: int, delivery_ids: list[int]) -> int:
    if not delivery_ids:
        return 0
    alert = Alert.objects.get(pk=alert_id)
    # Plain tuples, not model instances: two instances a row cost more than the rest of the
    # batch's bookkeeping (about 19 against 3 µs a row, measured on 500-row batches).
    rows = [_Row(*values) for values in Delivery.objects.filter(pk__in=delivery_ids)
            .order_by("pk").values_list(*_ROW_COLUMNS)]
    push_rows = [row for row in rows if row.channel == Channel.PUSH]
    email_rows = [row for row in rows if row.channel == Channel.EMAIL]
    recorder = _Outcomes(alert)
    for row in rows:
        if row.subscription_id is None:  # deleted since the walk (unsubscribed, a 410)
            recorder.failed(row, None)
    if push_rows:
        _push_send(alert, push_rows, recorder)
    if email_rows:
        _email_send(alert, email_rows, recorder)
    recorder.write()
    finish_if_done(alert_id)
    return len(rows)


def _push_send(alert: Alert, rows: list[_Row], recorder: _Outcomes) -> None:
    try:
        payload = payload_for(notification_for(alert))
    except PayloadTooLarge as error:
        logger.warning("alerts: alert %s not sent: %s", alert.pk, error)
        for row in rows:
            recorder.failed(row, None)
        return
    # No SSRF check here: the sender resolves each origin's name when it opens a connection,
    # checks every address and connects to a checked one (a check here, then a second lookup
    # to connect, could be answered differently: DNS rebinding). Refused rows come back as
    # permanent failures.
    messages = [PushMessage(row.pk, row.endpoint or "", row.p256dh or "", row.auth or "")
                for row in rows]
    by_id = {row.pk: row for row in rows}
    if not messages:
        return
    topic = topic_header(f"story-{alert.article_id}") if alert.article_id else ""
    outcomes = sender().send(messages, payload, ttl=alert.ttl, urgency=alert.urgency,
                             topic=topic)
    for outcome in outcomes:
        recorder.push_outcome(by_id[outcome.key], outcome)


def _email_send(alert: Alert, rows: list[_Row], recorder: _Outcomes) -> None:
    from django.core.mail import EmailMessage, get_connection

    from .subscriptions import manage_url, unsubscribe_headers

    subscriptions = Subscription.objects.in_bulk([row.subscription_id for row in rows])
    for row in rows:
        if row.subscription_id not in subscriptions:  # cancelled a moment ago
            recorder.failed(row, None)
    rows = [row for row in rows if row.subscription_id in subscriptions]
    messages = []
    for row in rows:
        subscription = subscriptions[row.subscription_id]
        body = email_body(alert, manage_url(subscription))
        headers = {**unsubscribe_headers(subscription), "Auto-Submitted": "auto-generated"}
        messages.append(EmailMessage(subject=" ".join(alert.title.split()), body=body,
                                     to=[subscription.email], headers=headers))
    try:
        with get_connection() as mail_connection:
            sent = int(mail_connection.send_messages(messages) or 0)
    except Exception as error:  # the mail server is down: every row waits for a retry
        logger.warning("alerts: email batch of alert %s failed: %s", alert.pk, error)
        for row in rows:
            recorder.retry(row, None, None)
        return
    for row in rows[:sent]:
        recorder.delivered(row, None)
    for row in rows[sent:]:
        recorder.retry(row, None, None)


def email_body(alert: Alert, manage: str) -> str:
    parts = [alert.title, "", alert.body, "", f"Read on: {alert.url}", "", "-- ",
             f"You asked {settings.GAZETTE_SITE_NAME} for these alerts.",
             f"Change or stop them: {manage}"]
    return "\n".join(part for part in parts if part is not None)


class _Row(NamedTuple):
    """What sending one delivery needs: the row and its subscription's channel and keys."""

    pk: int
    attempts: int
    subscription_id: int | None
    channel: str | None
    endpoint: str | None
    p256dh: str | None
    auth: str | None


_ROW_COLUMNS = ("pk", "attempts", "subscription_id", "subscription__channel",
                "subscription__endpoint", "subscription__p256dh", "subscription__auth")


class _Outcomes:
    """Collects a batch's outcomes and writes them in a few UPDATEs."""

    def __init__(self, alert: Alert) -> None:
        self.alert = alert
        self.now = timezone.now()
        # (status, status code, retry_at) -> delivery ids
        self.groups: dict[tuple[str, int | None, datetime | None], list[int]] = defaultdict(list)
        self.gone_subscriptions: list[int] = []

    def delivered(self, row: _Row, code: int | None) -> None:
        self.groups[(DeliveryStatus.DELIVERED, code, None)].append(row.pk)

    def failed(self, row: _Row, code: int | None) -> None:
        self.groups[(DeliveryStatus.FAILED, code, None)].append(row.pk)

    def retry(self, row: _Row, code: int | None, retry_after: float | None) -> None:
        if row.attempts >= MAX_ATTEMPTS:
            self.failed(row, code)
            return
        if retry_after is None:
            # 30 s, 1 min, 2 min, ... with a little jitter so a crowd does not return at once.
            retry_after = BACKOFF_SECONDS * 2 ** max(0, row.attempts - 1)
            retry_after *= random.uniform(1.0, 1.25)
        retry_at = self.now + timedelta(seconds=min(retry_after, MAX_RETRY_AFTER))
        # Rows due within the same second share one UPDATE.
        self.groups[(DeliveryStatus.RETRY, code, retry_at.replace(microsecond=0))].append(row.pk)

    def push_outcome(self, row: _Row, outcome: PushOutcome) -> None:
        code = outcome.status
        if outcome.permanent:
            self.failed(row, None)
        elif code is None or code == 429 or code >= 500:
            self.retry(row, code, outcome.retry_after)
        elif 200 <= code < 300:
            self.delivered(row, code)
        elif code in (404, 410):
            self.groups[(DeliveryStatus.GONE, code, None)].append(row.pk)
            if row.subscription_id is not None:
                self.gone_subscriptions.append(row.subscription_id)
        else:
            self.failed(row, code)

    def write(self) -> None:
        from . import tasks

        counts: dict[str, int] = defaultdict(int)
        retry_times: list[datetime] = []
        with transaction.atomic():
            for (status, code, retry_at), ids in self.groups.items():
                Delivery.objects.filter(pk__in=ids).update(
                    status=status, status_code=code, retry_at=retry_at, updated_at=self.now)
                counts[status] += len(ids)
                if retry_at is not None:
                    retry_times.append(retry_at)
            changes = {name: F(name) + counts[status] for name, status in (
                ("delivered", DeliveryStatus.DELIVERED), ("gone", DeliveryStatus.GONE),
                ("failed", DeliveryStatus.FAILED)) if counts[status]}
            if changes:
                Alert.objects.filter(pk=self.alert.pk).update(**changes)
            if self.gone_subscriptions:
                # The push service says the subscription no longer exists: forget it.
                Subscription.objects.filter(pk__in=self.gone_subscriptions).delete()
        if retry_times:
            tasks.retry_enqueue(self.alert.pk, min(retry_times))

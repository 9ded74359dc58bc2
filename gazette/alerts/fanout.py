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
#
# Plain SQL on this path: it runs once per subscriber of a breaking-news alert. Written through
# the ORM (a model instance and a prepared value per field per row for bulk_create) the walk
# cost ~47-70 µs of CPU a row, a third of a delivery; INSERT ... SELECT lets the database copy
# the audience into delivery rows itself. ON CONFLICT DO NOTHING (SQLite >= 3.24 and
# PostgreSQL alike) keeps the unique (alert, subscription) pair: a second walk writes nothing.


def _audience_where() -> str:
    """The audience of a topic (confirmed subscriptions), as FROM ... WHERE over ``t`` (topics)
    and ``s`` (subscriptions); its parameters are the topic."""
    topics = connection.ops.quote_name(SubscriptionTopic._meta.db_table)
    subscriptions = connection.ops.quote_name(Subscription._meta.db_table)
    return (f"FROM {topics} t JOIN {subscriptions} s ON s.id = t.subscription_id "
            f"WHERE t.topic = %s AND s.confirmed_at IS NOT NULL")


def audience_batches(alert: Alert, batch_size: int) -> Iterable[tuple[int, int]]:
    """The first and last subscription id of each batch of the alert's audience (confirmed
    subscriptions of its topic), in id order, ``batch_size`` subscriptions a batch."""
    sql = (f"SELECT MIN(sid), MAX(sid) FROM (SELECT t.subscription_id AS sid "
           f"{_audience_where()} AND t.subscription_id > %s "
           f"ORDER BY t.subscription_id LIMIT %s) batch")
    after = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [alert.topic, after, batch_size])
            first, last = cursor.fetchone() or (None, None)
        if first is None or last is None:
            return
        yield int(first), int(last)
        after = int(last)


def deliveries_write(alert: Alert, first_subscription: int, last_subscription: int) -> int:
    """A ``pending`` delivery row for each subscription of the audience between the two ids
    that has none yet; how many rows were written."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = (f"INSERT INTO {table} (alert_id, subscription_id, status, attempts, updated_at) "
           f"SELECT %s, t.subscription_id, %s, 0, %s {_audience_where()} "
           f"AND t.subscription_id BETWEEN %s AND %s ON CONFLICT DO NOTHING")
    with connection.cursor() as cursor:
        cursor.execute(sql, [alert.pk, DeliveryStatus.PENDING, now, alert.topic,
                             first_subscription, last_subscription])
        return max(0, int(cursor.rowcount))


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
    for first, last in audience_batches(alert, max(1, settings.GAZETTE_ALERTS_BATCH)):
        deliveries_write(alert, first, last)
        batches += 1
        tasks.task_enqueue(tasks.alert_batch, alert_id, first, last)
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


class _Claimed(NamedTuple):
    """A delivery row a claim turned to "sending": its id, attempts (this one counted) and
    subscription (None once the subscription is gone)."""

    pk: int
    attempts: int
    subscription_id: int | None


def _claim(alert_id: int, status: str, extra_sql: str, params: Sequence[Any]) -> list[_Claimed]:
    """Turn the alert's rows in ``status`` (and matching ``extra_sql``) into "sending" in one
    UPDATE; the rows this call turned (another worker's are not among them)."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    sql = (f"UPDATE {table} SET status = %s, attempts = attempts + 1, updated_at = %s "
           f"WHERE alert_id = %s AND status = %s {extra_sql} "
           f"RETURNING id, attempts, subscription_id")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [DeliveryStatus.SENDING, now, alert_id, status, *params])
        return sorted(_Claimed(*row) for row in cursor.fetchall())


def batch_claim(alert_id: int, first_subscription: int,
                last_subscription: int) -> list[_Claimed]:
    return _claim(alert_id, DeliveryStatus.PENDING,
                  "AND subscription_id BETWEEN %s AND %s",
                  [first_subscription, last_subscription])


def retry_claim(alert_id: int, now: datetime, limit: int) -> list[_Claimed]:
    table = connection.ops.quote_name(Delivery._meta.db_table)
    return _claim(alert_id, DeliveryStatus.RETRY,
                  f"AND id IN (SELECT id FROM {table} WHERE alert_id = %s AND status = %s "
                  f"AND retry_at <= %s ORDER BY id LIMIT %s)",
                  [alert_id, DeliveryStatus.RETRY,
                   connection.ops.adapt_datetimefield_value(now), limit])


# --- Sending a batch ------------------------------------------------------------------------


def batch_send(alert_id: int, first_subscription: int, last_subscription: int) -> int:
    """Claim and send one batch of the walk; how many messages were sent."""
    return _send_claimed(alert_id, batch_claim(alert_id, first_subscription, last_subscription))


def retry_due(alert_id: int, now: datetime | None = None) -> int:
    """Send the alert's rows whose retry time has come; how many were sent."""
    now = now or timezone.now()
    sent = 0
    while claimed := retry_claim(alert_id, now, max(1, settings.GAZETTE_ALERTS_BATCH)):
        sent += _send_claimed(alert_id, claimed)
    finish_if_done(alert_id)
    return sent


def notification_for(alert: Alert) -> Notification:
    tag = f"story-{alert.article_id}" if alert.article_id else f"alert-{alert.pk}"
    return Notification(alert_id=alert.pk, title=alert.title, body=alert.body, url=alert.url,
                        image=alert.image_url, tag=tag)


def _send_claimed(alert_id: int, claimed: list[_Claimed]) -> int:
    if not claimed:
        return 0
    alert = Alert.objects.get(pk=alert_id)
    rows = _rows_load(claimed)
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


# Ids a statement names at most: well under SQLite's 32,766 host parameters.
_IN_CHUNK = 5000


def _in_chunks(ids: Sequence[int]) -> Iterable[tuple[str, Sequence[int]]]:
    """``IN (%s, ...)`` and its ids, ``_IN_CHUNK`` ids at a time."""
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start:start + _IN_CHUNK]
        yield "IN (" + ", ".join(["%s"] * len(chunk)) + ")", chunk


def _rows_load(claimed: list[_Claimed]) -> list[_Row]:
    """The claimed rows with their subscriptions' channel and keys, as plain tuples: through
    the ORM (a lookup prepared per id, instances or even values_list) this cost more than the
    rest of a batch's bookkeeping."""
    table = connection.ops.quote_name(Subscription._meta.db_table)
    wanted = sorted({row.subscription_id for row in claimed if row.subscription_id is not None})
    keys: dict[int, tuple[str, str, str, str]] = {}
    with connection.cursor() as cursor:
        for in_sql, ids in _in_chunks(wanted):
            cursor.execute(f"SELECT id, channel, endpoint, p256dh, auth FROM {table} "
                           f"WHERE id {in_sql}", ids)
            for pk, *values in cursor.fetchall():
                keys[pk] = (values[0], values[1], values[2], values[3])
    rows = []
    for row in claimed:
        found = keys.get(row.subscription_id) if row.subscription_id is not None else None
        if found is None:  # deleted since the walk (unsubscribed, a 410)
            rows.append(_Row(row.pk, row.attempts, None, None, None, None, None))
        else:
            rows.append(_Row(row.pk, row.attempts, row.subscription_id, *found))
    return rows


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
        table = connection.ops.quote_name(Delivery._meta.db_table)
        adapt = connection.ops.adapt_datetimefield_value
        with transaction.atomic(), connection.cursor() as cursor:
            for (status, code, retry_at), ids in self.groups.items():
                for in_sql, chunk in _in_chunks(ids):
                    cursor.execute(
                        f"UPDATE {table} SET status = %s, status_code = %s, retry_at = %s, "
                        f"updated_at = %s WHERE id {in_sql}",
                        [status, code, adapt(retry_at), adapt(self.now), *chunk])
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

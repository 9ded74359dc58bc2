"""An alert's fan-out against the tests' own push service on loopback, which decrypts every
message with the subscriber's private key and checks the VAPID token: delivery, 410 clean-up,
429 with Retry-After, at most once after a worker dies mid-batch, topic targeting, the SSRF guard
at send time, the payload limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gazette.alerts import fanout, services, tasks
from gazette.alerts.models import Alert, Delivery, DeliveryStatus, Subscription
from gazette.alerts.tests.sending import push_service_fixture, subscribe  # noqa: F401
from gazette.alerts.topics import section_topic, story_topic

pytestmark = pytest.mark.django_db


def send(article: Any, capture: Any, *, topic: str = "breaking", **fields: Any) -> Alert:
    values = {"title": "Harbour wall gives way", "body": "Crews are on the quay.",
              "url": "https://news.example.org/world/harbour/", **fields}
    with capture(execute=True):
        alert = services.alert_send(article=article, topic=topic, **values)
    alert.refresh_from_db()
    return alert


def test_every_subscriber_gets_one_decryptable_signed_message(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any,
        settings: Any) -> None:
    settings.GAZETTE_ALERTS_BATCH = 2  # three batches
    subscribers = [push_service.make_subscriber() for _ in range(5)]
    for subscriber in subscribers:
        subscribe(subscriber, "breaking")

    alert = send(article, django_capture_on_commit_callbacks)

    assert push_service.stats()["verified"] == 5 and push_service.rejections == []
    for subscriber in subscribers:
        [message] = push_service.messages(subscriber.id)
        assert message.data() == {"id": alert.pk, "title": "Harbour wall gives way",
                                  "body": "Crews are on the quay.",
                                  "url": "https://news.example.org/world/harbour/",
                                  "tag": f"story-{article.pk}"}
        assert message.urgency == "high" and message.ttl == alert.ttl
        assert message.topic == f"story-{article.pk}"
        assert message.vapid is not None
        assert message.vapid.claims["aud"] == push_service.origin
    assert (alert.targeted, alert.delivered, alert.gone, alert.failed) == (5, 5, 0, 0)
    assert alert.started_at is not None and alert.finished_at is not None
    assert set(Delivery.objects.values_list("status", "status_code")) == {("delivered", 201)}
    # One VAPID signature for the whole fan-out, not one per message.
    assert fanout.sender().signer.signatures == 1


def test_only_the_alerts_topic_is_reached(article: Any, push_service: Any,
                                          django_capture_on_commit_callbacks: Any) -> None:
    breaking, section, story = (push_service.make_subscriber() for _ in range(3))
    subscribe(breaking, "breaking")
    subscribe(section, section_topic(article.section.pk))
    subscribe(story, story_topic(article.pk), section_topic(article.section.pk))

    alert = send(article, django_capture_on_commit_callbacks, topic=story_topic(article.pk))

    assert set(push_service.received) == {story.id}
    assert alert.targeted == 1 and alert.delivered == 1


def test_gone_subscriptions_are_deleted_and_counted(article: Any, push_service: Any,
                                                    django_capture_on_commit_callbacks: Any
                                                    ) -> None:
    kept, gone, unknown = (push_service.make_subscriber() for _ in range(3))
    for subscriber in (kept, gone, unknown):
        subscribe(subscriber, "breaking")
    push_service.fail(gone.id, 410)
    push_service.fail(unknown.id, 404)

    alert = send(article, django_capture_on_commit_callbacks)

    assert (alert.delivered, alert.gone, alert.failed) == (1, 2, 0)
    assert list(Subscription.objects.values_list("endpoint", flat=True)) == [kept.endpoint]
    # The deliveries stay, to count the alert's outcome.
    assert Delivery.objects.filter(alert=alert, status="gone").count() == 2
    assert alert.finished_at is not None


def test_429_is_retried_after_retry_after_and_other_4xx_fail(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any) -> None:
    busy, refused = push_service.make_subscriber(), push_service.make_subscriber()
    subscribe(busy, "breaking")
    subscribe(refused, "breaking")
    push_service.fail(busy.id, 429, retry_after=120)
    push_service.fail(refused.id, 400)
    before = timezone.now()

    alert = send(article, django_capture_on_commit_callbacks)

    row = Delivery.objects.get(alert=alert, status=DeliveryStatus.RETRY)
    assert row.status_code == 429 and row.attempts == 1
    assert before + timedelta(seconds=119) <= row.retry_at <= timezone.now() + timedelta(
        seconds=121)
    assert alert.failed == 1 and alert.delivered == 0 and alert.finished_at is None
    # Not before its time...
    assert fanout.retry_due(alert.pk) == 0 and push_service.received[busy.id] == 0
    # ...then it goes.
    assert fanout.retry_due(alert.pk, now=row.retry_at + timedelta(seconds=1)) == 1
    alert.refresh_from_db()
    assert push_service.received[busy.id] == 1
    assert (alert.delivered, alert.failed) == (1, 1) and alert.finished_at is not None
    assert Delivery.objects.get(pk=row.pk).attempts == 2


def test_retry_is_enqueued_to_run_at_the_retry_time_on_a_backend_that_defers(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any,
        settings: Any) -> None:
    busy = push_service.make_subscriber()
    subscribe(busy, "breaking")
    push_service.fail(busy.id, 503, retry_after=60)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "alerts"]}}
    from django_tasks import default_task_backend

    with django_capture_on_commit_callbacks(execute=True):
        alert = services.alert_send(article=article, topic="breaking", title="T", body="",
                                    url="https://news.example.org/")
    # The dummy backend keeps what is enqueued: run the fan-out and its batch by hand.
    queued = default_task_backend.results
    assert [r.task.name for r in queued] == ["alert_fanout"]
    assert queued[0].task.queue_name == "alerts"
    tasks.alert_fanout.call(alert.pk)
    batch = next(r for r in default_task_backend.results if r.task.name == "alert_batch")
    tasks.alert_batch.call(*batch.args)
    retry = next(r for r in default_task_backend.results if r.task.name == "alert_retry")
    row = Delivery.objects.get(alert=alert)
    assert retry.task.run_after == row.retry_at and retry.args == [alert.pk]


def test_a_batch_run_twice_or_after_a_crash_sends_nothing_twice(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any,
        settings: Any, monkeypatch: Any) -> None:
    settings.GAZETTE_ALERTS_BATCH = 3
    subscribers = [push_service.make_subscriber() for _ in range(6)]
    for subscriber in subscribers:
        subscribe(subscriber, "breaking")
    # The worker dies after claiming the first batch, before sending anything of it.
    real_send = fanout._send_claimed
    calls = []

    def die_after_claim(alert_id: int, ids: list[int]) -> int:
        calls.append(ids)
        if len(calls) == 1:
            raise SystemExit("worker killed")
        return real_send(alert_id, ids)

    monkeypatch.setattr(fanout, "_send_claimed", die_after_claim)
    # (The inline task backend records the dead batch task as failed; the other batch ran.)
    send(article, django_capture_on_commit_callbacks)
    alert = Alert.objects.get()
    assert push_service.accepted == 3
    claimed = Delivery.objects.filter(alert=alert, status=DeliveryStatus.SENDING)
    assert claimed.count() == 3
    assert not set(push_service.received) & {
        s.id for s in subscribers if s.endpoint in set(
            claimed.values_list("subscription__endpoint", flat=True))}

    # The fan-out runs again (the task was retried, or `gazette alerts resume`): the claimed
    # rows are skipped; and a batch run again sends nothing either.
    fanout.fanout_walk(alert.pk)
    first, last = Delivery.objects.filter(alert=alert).order_by("subscription_id")[0:6:5]
    fanout.batch_send(alert.pk, first.subscription_id, last.subscription_id)
    assert push_service.accepted == 3 and max(push_service.received.values()) == 1
    alert.refresh_from_db()
    assert alert.finished_at is None  # three rows still in the dead worker's hands
    # Much later, the dead worker's rows are written off as failed, never sent.
    claimed.update(updated_at=timezone.now() - timedelta(hours=1))
    fanout.fanout_walk(alert.pk)
    alert.refresh_from_db()
    assert push_service.accepted == 3
    assert (alert.targeted, alert.delivered, alert.failed) == (6, 3, 3)
    assert alert.finished_at is not None


def test_endpoints_that_now_resolve_to_internal_addresses_are_not_posted_to(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any,
        settings: Any, monkeypatch: Any) -> None:
    ok, internal = push_service.make_subscriber(), push_service.make_subscriber()
    subscribe(ok, "breaking")
    subscription = subscribe(internal, "breaking")
    # Stored while allowed; the host now points at a private network address.
    Subscription.objects.filter(pk=subscription.pk).update(
        endpoint=f"http://10.1.2.3:{push_service.port}/push/{internal.id}")
    checked = []
    from gazette.alerts import sender

    real = sender.endpoint_addresses

    def spy(url: str) -> Any:
        checked.append(url)
        return real(url)

    monkeypatch.setattr(sender, "endpoint_addresses", spy)

    alert = send(article, django_capture_on_commit_callbacks)

    assert set(push_service.received) == {ok.id}
    assert (alert.delivered, alert.failed) == (1, 1)
    assert len(checked) == 2  # once per connection opened: one per origin here
    # Without the development setting, loopback itself is refused at send time.
    settings.GAZETTE_PUSH_ALLOW_INSECURE = False
    fanout.sender_reset()  # a worker started with it: the check runs as connections open
    push_service.reset()
    again = send(article, django_capture_on_commit_callbacks, title="Second", force=True)
    assert push_service.accepted == 0 and again.failed == 2


def test_an_alert_too_big_for_a_push_message_is_refused_before_anything_is_stored(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any) -> None:
    subscribe(push_service.make_subscriber(), "breaking")
    with pytest.raises(services.AlertRefused):
        send(article, django_capture_on_commit_callbacks,
             url="https://news.example.org/" + "a" * 3990)
    assert not Alert.objects.exists() and push_service.accepted == 0
    # A long text is shortened to fit; the link is whole.
    alert = send(article, django_capture_on_commit_callbacks, body="Long " * 80)
    [message] = push_service.messages()
    assert len(message.payload) <= 3993 and message.data()["url"] == alert.url


def test_unconfirmed_and_other_topics_are_not_targeted(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any) -> None:
    subscription = subscribe(push_service.make_subscriber(), "breaking")
    Subscription.objects.filter(pk=subscription.pk).update(confirmed_at=None)
    alert = send(article, django_capture_on_commit_callbacks)
    assert alert.targeted == 0 and alert.finished_at is not None
    assert push_service.accepted == 0


def test_clicks_are_counted(article: Any, push_service: Any,
                            django_capture_on_commit_callbacks: Any) -> None:
    alert = send(article, django_capture_on_commit_callbacks)
    assert services.alert_clicked(alert.pk) and services.alert_clicked(alert.pk)
    assert not services.alert_clicked(alert.pk + 1000)
    alert.refresh_from_db()
    assert alert.clicked == 2


def test_the_walk_writes_rows_for_the_audience_only_and_once(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any,
        settings: Any) -> None:
    # Small batches over interleaved subscription ids: each batch's id range also holds other
    # topics' and unconfirmed subscriptions, which the walk's INSERT ... SELECT must skip.
    settings.GAZETTE_ALERTS_BATCH = 2
    audience = []
    for number in range(9):
        subscriber = push_service.make_subscriber()
        if number % 3 == 0:
            audience.append(subscriber)
            subscribe(subscriber, "breaking")
        elif number % 3 == 1:
            subscribe(subscriber, section_topic(article.section.pk))
        else:
            unconfirmed = subscribe(subscriber, "breaking")
            Subscription.objects.filter(pk=unconfirmed.pk).update(confirmed_at=None)

    alert = send(article, django_capture_on_commit_callbacks)

    assert set(push_service.received) == {s.id for s in audience}
    assert (alert.targeted, alert.delivered) == (3, 3)
    assert fanout.fanout_walk(alert.pk) == 2  # walked again: two batches, nothing new
    alert.refresh_from_db()
    assert alert.targeted == 3 and Delivery.objects.filter(alert=alert).count() == 3
    assert push_service.accepted == 3
    # The rows' times are the ORM's own format: the report and the stale check can read them.
    row = Delivery.objects.filter(alert=alert).first()
    assert row is not None and row.updated_at >= alert.started_at

"""An alert through RQ on Redis with real worker processes: two ``rqworker`` processes on the
"alerts" queue share the fan-out's batches, and every subscriber's browser (the tests' own push
service, which decrypts every message and checks every VAPID token) gets exactly one message.

A second test kills one worker (SIGKILL) in the middle of the fan-out: the other carries on,
and still no subscriber gets a message twice (rows the dead worker had claimed stay unsent).

Runs in `make test-services` (REDIS_URL set); skipped otherwise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from gazette.alerts.models import Alert, Channel, Delivery, Subscription, SubscriptionTopic
from gazette.alerts.testing import PushService, Subscriber
from gazette.news.testing import make_article, make_section

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.services,
    # Workers share queues in Redis: keep these tests on one xdist worker.
    pytest.mark.xdist_group("processes"),
    pytest.mark.skipif(not django_settings.REDIS_URL,
                       reason="needs REDIS_URL (make test-services)"),
]

RQ_BACKEND = "django_tasks_rq.RQBackend"
BATCH = 8


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user, host, port = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1", db.get("PORT")
    return f"postgres://{user}@{host}:{port or 5432}/{db['NAME']}"


def rq_queue(name: str):  # type: ignore[no-untyped-def]
    import django_rq

    return django_rq.get_queue(name)


class Workers:
    """``gazette manage rqworker alerts`` processes, as an operator would add them, with the
    test's database and Redis; their output goes to files for the failure message."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int) -> None:
        env = {**os.environ, "DATABASE_URL": database_url(), "GAZETTE_TASKS_BACKEND": RQ_BACKEND,
               "GAZETTE_PUSH_ALLOW_INSECURE": "1", "GAZETTE_ALERTS_BATCH": str(BATCH)}
        for _ in range(count):
            log = (self.folder / f"worker-{len(self.processes)}.log").open("wb")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "gazette.cli", "manage", "rqworker",
                 "--job-class", "django_tasks_rq.backend.Job", "alerts"],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        from rq import Worker

        queue = rq_queue("alerts")
        deadline = time.monotonic() + 60
        while len(Worker.all(queue=queue)) < len(self.processes):
            self.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"workers did not register:\n{self.logs()}")
            time.sleep(0.1)

    def check_alive(self) -> None:
        for process in self.processes:
            if process.poll() is not None and process.returncode != -signal.SIGKILL:
                raise AssertionError(f"a worker exited ({process.returncode}):\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace")[-3000:]
                         for path in sorted(self.folder.glob("worker-*.log")))

    def jobs_done(self) -> list[int]:
        """Jobs each worker finished (RQ logs "Job OK" per job)."""
        return [(self.folder / f"worker-{n}.log").read_text(errors="replace").count("Job OK")
                for n in range(len(self.processes))]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    for name in ("default", "alerts"):
        rq_queue(name).empty()  # jobs of earlier runs name alerts this database never had
    running = Workers(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def push_service(settings) -> Iterator[PushService]:  # type: ignore[no-untyped-def]
    settings.GAZETTE_PUSH_ALLOW_INSECURE = True
    settings.TASKS = {"default": {**django_settings.TASKS["default"], "BACKEND": RQ_BACKEND}}
    with PushService() as service:
        yield service


def subscribe(service: PushService, count: int) -> dict[int, Subscriber]:
    """``count`` push subscriptions to breaking news, each a browser with real keys."""
    subscribers = {}
    for _ in range(count):
        browser = service.make_subscriber()
        subscription = Subscription.objects.create(
            channel=Channel.PUSH, endpoint=browser.endpoint, p256dh=browser.p256dh,
            auth=browser.auth_b64, confirmed_at=timezone.now())
        SubscriptionTopic.objects.create(subscription=subscription, topic="breaking")
        subscribers[subscription.pk] = browser
    return subscribers


def send_breaking_alert() -> Alert:
    from gazette.alerts.services import alert_send

    article = make_article(make_section("World"), title="Dam gates opened after record rain",
                           slug="dam-gates")
    return alert_send(article=article, title="Dam gates opened", body="Evacuate the low town.",
                      url="https://news.example.org/world/dam-gates/", topic="breaking")


def wait(condition, workers: Workers, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        workers.check_alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s\n{workers.logs()}")
        time.sleep(0.1)


def test_two_rq_workers_deliver_one_decrypted_message_to_every_subscriber(workers, push_service):
    subscribers = subscribe(push_service, 60)
    workers.start(2)
    alert = send_breaking_alert()

    wait(lambda: Alert.objects.get(pk=alert.pk).finished_at is not None, workers, 90,
         "the alert finished")
    alert.refresh_from_db()
    assert (alert.targeted, alert.delivered, alert.gone, alert.failed) == (60, 60, 0, 0)
    assert set(Delivery.objects.filter(alert=alert).values_list("status", flat=True)) == {
        "delivered"}
    for browser in subscribers.values():
        (message,) = push_service.messages(browser.id)  # exactly one, decrypted and checked
        assert message.data()["title"] == "Dam gates opened"
        assert message.data()["url"] == "https://news.example.org/world/dam-gates/"
        assert message.urgency == "high" and message.ttl == alert.ttl and message.topic
    assert push_service.rejections == []
    # The walk plus one job per batch of 8, shared by the two processes.
    done = workers.jobs_done()
    assert sum(done) == 1 + 60 // BATCH + 1, (done, workers.logs())


def test_a_worker_killed_mid_fanout_sends_nothing_twice(workers, push_service):
    subscribers = subscribe(push_service, 120)
    workers.start(2)
    # Each message waits a little at the push service, so the fan-out is still running when a
    # worker dies.
    push_service.delay = 0.5
    alert = send_breaking_alert()

    def walked_and_sending() -> bool:
        return Alert.objects.get(pk=alert.pk).targeted == 120 and push_service.accepted >= 2 * BATCH

    wait(walked_and_sending, workers, 60, "the walk done and the first deliveries")
    assert push_service.accepted < 120 - BATCH, "the fan-out ended before the kill"
    victim = workers.processes[0]
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)

    # The survivor finishes every batch that was not the dead worker's.
    def settled() -> bool:
        return not Delivery.objects.filter(alert=alert, status="pending").exists()

    wait(settled, workers, 90, "every pending delivery claimed")
    time.sleep(1)  # the survivor's last answers
    assert push_service.rejections == []
    assert all(push_service.received[b.id] <= 1 for b in subscribers.values()), (
        "a subscriber got the alert twice")
    statuses = dict(Delivery.objects.filter(alert=alert).values_list("subscription", "status"))
    for subscription_id, browser in subscribers.items():
        # What the database says was delivered did arrive; what arrived was claimed.
        if statuses[subscription_id] == "delivered":
            assert push_service.received[browser.id] == 1
        else:
            assert statuses[subscription_id] == "sending", statuses[subscription_id]
    delivered = sum(1 for status in statuses.values() if status == "delivered")
    assert delivered >= 120 - BATCH, "only the dead worker's batch may be stranded"


def test_gazette_worker_runs_a_deferred_task_on_rq(tmp_path, settings):  # type: ignore[no-untyped-def]
    """``gazette worker`` on RQ runs a task given a run_after (an alert's retry, the
    moderators' gathered mail): RQ keeps such jobs in its scheduled registry until a worker
    started with its scheduler moves them to the queue."""
    from datetime import timedelta

    from gazette.comments import tasks

    settings.TASKS = {"default": {"BACKEND": RQ_BACKEND, "QUEUES": ["default", "alerts"]}}
    for name in ("default", "alerts"):
        rq_queue(name).empty()
    log = (tmp_path / "worker.log").open("wb")
    env = {**os.environ, "DATABASE_URL": database_url(), "GAZETTE_TASKS_BACKEND": RQ_BACKEND}
    process = subprocess.Popen([sys.executable, "-m", "gazette.cli", "worker"], env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        result = tasks.moderators_notify_held.using(
            run_after=timezone.now() + timedelta(seconds=2)).enqueue()
        deadline = time.monotonic() + 60
        while result.status not in ("SUCCESSFUL", "FAILED"):
            assert process.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, (
                "the deferred task never ran:\n" + (tmp_path / "worker.log").read_text())
            time.sleep(0.2)
            result.refresh()
        assert result.status == "SUCCESSFUL", (tmp_path / "worker.log").read_text()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a slow warm shutdown is not what this tests
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

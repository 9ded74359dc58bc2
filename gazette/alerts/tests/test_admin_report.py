"""The Alerts report in the Wagtail admin: the menu item, each alert's figures (targeted,
delivered, gone, failed, clicked, time to the last delivery, status), one alert's outcomes and
resuming an interrupted fan-out."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gazette.alerts import fanout, services
from gazette.alerts.admin_views import duration_text
from gazette.alerts.models import Alert, Delivery, DeliveryStatus
from gazette.alerts.tests.sending import (  # noqa: F401  (a fixture)
    push_service_fixture,
    subscribe,
)

from .admin_testing import REPORT, client_for, editor, refused

pytestmark = pytest.mark.django_db


def figures(response: Any, alert: Alert) -> dict[str, str]:
    page = response.content.decode()
    row = re.search(rf'<tr data-alert-row="{alert.pk}">(.*?)</tr>', page, re.S)
    assert row, f"no row for alert {alert.pk}"
    return {name: html.unescape(value.strip()) for name, value in
            re.findall(r'data-figure="([^"]+)">([^<]*)<', row.group(1))}


def menu_labels(response: Any) -> list[str]:
    props = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert props, "no sidebar props"
    return re.findall(r'"label": "([^"]*)"', json.dumps(json.loads(props.group(1))))


def sent_alert(article: Any, capture: Any, **fields: Any) -> Alert:
    with capture(execute=True):
        alert = services.alert_send(article=article, topic="breaking", title="Quay closed",
                                    body="", url="https://news.example.org/q/", **fields)
    alert.refresh_from_db()
    return alert


def test_the_menu_item_is_for_those_who_may_send(django_user_model: Any) -> None:
    assert "Alerts" in menu_labels(client_for(editor(django_user_model)).get("/admin/"))
    other = client_for(editor(django_user_model, "writer", may_send=False))
    assert "Alerts" not in menu_labels(other.get("/admin/"))
    assert refused(other.get(REPORT))


def test_the_report_shows_each_alerts_figures(
        article: Any, django_user_model: Any, push_service: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    delivered = [push_service.make_subscriber() for _ in range(3)]
    gone, broken = push_service.make_subscriber(), push_service.make_subscriber()
    for reader in (*delivered, gone, broken):
        subscribe(reader, "breaking")
    push_service.fail(gone.id, 410)
    push_service.fail(broken.id, 400)
    alert = sent_alert(article, django_capture_on_commit_callbacks)
    services.alert_clicked(alert.pk)
    services.alert_clicked(alert.pk)
    # Pin the times: the alert was sent 10 s before its last delivery was recorded; the
    # fan-out started 2 s after sending (a wait in the queue counts: the reader waits it too).
    started = timezone.now() - timedelta(minutes=5)
    Alert.objects.filter(pk=alert.pk).update(created_at=started,
                                             started_at=started + timedelta(seconds=2))
    rows = Delivery.objects.filter(alert=alert, status=DeliveryStatus.DELIVERED).order_by("pk")
    for offset, row in enumerate(rows):
        Delivery.objects.filter(pk=row.pk).update(
            updated_at=started + timedelta(seconds=4 + 3 * offset))  # 4, 7, 10 s
    # A gone row recorded later does not count as a delivery.
    Delivery.objects.filter(alert=alert, status=DeliveryStatus.GONE).update(
        updated_at=started + timedelta(seconds=50))

    response = client_for(editor(django_user_model)).get(REPORT)

    assert response.status_code == 200
    assert figures(response, alert) == {
        "targeted": "5", "delivered": "3", "gone": "1", "failed": "1", "clicked": "2",
        "to-last-delivery": "10.0 s", "status": "finished"}


def test_an_unfinished_alert_is_sending_and_has_no_time_before_a_delivery(
        article: Any, django_user_model: Any, push_service: Any, settings: Any) -> None:
    subscribe(push_service.make_subscriber(), "breaking")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "alerts"]}}
    alert = services.alert_send(article=article, topic="breaking", title="Queued", body="",
                                url="https://news.example.org/q/")
    response = client_for(editor(django_user_model)).get(REPORT)
    assert figures(response, alert)["status"] == "sending"
    assert figures(response, alert)["to-last-delivery"] == "–"
    assert figures(response, alert)["targeted"] == "0"


def test_an_alerts_page_counts_its_outcomes_and_resumes_an_interrupted_fanout(
        article: Any, django_user_model: Any, push_service: Any, settings: Any,
        django_capture_on_commit_callbacks: Any, monkeypatch: Any) -> None:
    settings.GAZETTE_ALERTS_BATCH = 2
    readers = [push_service.make_subscriber() for _ in range(4)]
    for reader in readers:
        subscribe(reader, "breaking")
    # The worker dies before the second batch: its rows stay pending.
    real_batch = fanout.batch_send
    batches: list[int] = []

    def dying_batch(alert_id: int, first: int, last: int) -> int:
        batches.append(first)
        if len(batches) == 2:
            raise RuntimeError("worker died")
        return real_batch(alert_id, first, last)

    monkeypatch.setattr(fanout, "batch_send", dying_batch)
    alert = sent_alert(article, django_capture_on_commit_callbacks)
    monkeypatch.setattr(fanout, "batch_send", real_batch)
    assert (alert.targeted, alert.delivered, alert.finished_at) == (4, 2, None)
    client = client_for(editor(django_user_model))

    page = client.get(f"{REPORT}{alert.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    outcomes = dict(re.findall(r'<tr data-outcome="(\w+)"><th scope="row">\w+</th><td>(\d+)<',
                               text))
    assert outcomes == {"pending": "2", "sending": "0", "delivered": "2", "gone": "0",
                        "failed": "0", "retry": "0"}
    assert "data-resume" in text

    response = client.post(f"{REPORT}{alert.pk}/resume/")
    assert response.status_code == 302 and response["Location"] == f"{REPORT}{alert.pk}/"
    alert.refresh_from_db()
    assert (alert.delivered, alert.finished_at is not None) == (4, True)
    # Nobody got it twice.
    assert [push_service.received[reader.id] for reader in readers] == [1, 1, 1, 1]
    assert "data-resume" not in client.get(f"{REPORT}{alert.pk}/").content.decode()


def test_resume_needs_the_permission(article: Any, django_user_model: Any,
                                     django_capture_on_commit_callbacks: Any) -> None:
    alert = sent_alert(article, django_capture_on_commit_callbacks)
    client = client_for(editor(django_user_model, may_send=False))
    assert refused(client.get(f"{REPORT}{alert.pk}/"))
    assert refused(client.post(f"{REPORT}{alert.pk}/resume/"))


def test_a_bad_page_number_is_the_last_page_not_an_error(django_user_model: Any) -> None:
    client = client_for(editor(django_user_model))
    for query in ("?page=abc", "?page=999", "?page=-1"):
        assert client.get(REPORT + query).status_code == 200


@pytest.mark.parametrize("seconds, text", [
    (2.345, "2.3 s"), (61, "1 min 1 s"), (3 * 3600 + 120, "3 h 2 min")])
def test_durations_read_naturally(seconds: float, text: str) -> None:
    assert duration_text(timedelta(seconds=seconds)) == text

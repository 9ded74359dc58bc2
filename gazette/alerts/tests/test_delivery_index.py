"""The report's figures stay cheap on a big alert: its latest delivery is found through an
index, not by sorting the alert's delivered rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from gazette.alerts.admin_views import with_last_delivery
from gazette.alerts.models import Alert, Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_time_to_last_delivery_is_an_index_probe_not_a_sort(article: Any) -> None:
    alert = Alert.objects.create(article=article, topic="breaking", title="T",
                                 url="https://news.example.org/", started_at=timezone.now())
    Delivery.objects.bulk_create([Delivery(alert=alert, status=DeliveryStatus.DELIVERED)
                                  for _ in range(50)])

    plan = with_last_delivery(Alert.objects.filter(pk=alert.pk)).explain()

    assert "alerts_delivery_status_at_idx" in plan
    assert "TEMP B-TREE" not in plan  # no sort of the alert's delivered rows
    assert with_last_delivery(Alert.objects.filter(pk=alert.pk)).get().last_delivered_at == (
        Delivery.objects.latest("updated_at").updated_at)

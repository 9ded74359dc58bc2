"""A big fan-out does not starve the default queue: on the database task backend a worker that
serves every queue (``gazette worker``: ``db_worker --queue-name *``) takes the highest priority
first, then the oldest task, so the alerts' tasks go behind the index and cache tasks. RQ has
no priorities; it serves "default" before "alerts" (the queue order of the settings)."""

from __future__ import annotations

from typing import Any

import pytest

from gazette.alerts import tasks

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                              "QUEUES": ["default", "alerts"]}}


def test_a_task_of_the_default_queue_runs_before_the_waiting_batches(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from gazette.news.tasks import article_renditions_prepare

    settings.TASKS = DATABASE_TASKS
    tasks.task_enqueue(tasks.alert_fanout, 1)
    for first in range(1, 1001, 100):
        tasks.task_enqueue(tasks.alert_batch, 1, first, first + 99)
    later = article_renditions_prepare.enqueue(5)  # enqueued last, during the fan-out

    # What the worker takes next: its own query (ready tasks in the model's order).
    picked = DBTaskResult.objects.ready().first()
    assert picked is not None and str(picked.id) == str(later.id)
    order = list(DBTaskResult.objects.ready().values_list("queue_name", "priority"))
    assert order[0] == ("default", 0)
    assert set(order[1:]) == {("alerts", tasks.PRIORITY)}
    # Among the alerts' tasks, the oldest first: the walk, then its batches in order.
    names = [r.task_path.rsplit(".", 1)[1] for r in DBTaskResult.objects.ready()[1:3]]
    assert names == ["alert_fanout", "alert_batch"]


def test_retries_keep_the_alerts_priority(settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    assert tasks.retry_enqueue(3, timezone.now() + timedelta(seconds=30))
    [row] = DBTaskResult.objects.all()
    assert (row.queue_name, row.priority) == ("alerts", tasks.PRIORITY)


def test_on_a_backend_without_priorities_the_queue_order_decides(
        settings: Any, monkeypatch: Any) -> None:
    from django_tasks import default_task_backend
    from django_tasks.backends.dummy import DummyBackend

    from gazette.settings import rq_queues_for

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "alerts"]}}
    # As RQ's backend: a task with a priority would be refused (and the enqueue only logged).
    monkeypatch.setattr(DummyBackend, "supports_priority", False)
    tasks.task_enqueue(tasks.alert_batch, 1, 1, 2)
    [result] = default_task_backend.results
    assert result.task.priority == 0 and result.task.queue_name == "alerts"
    assert list(rq_queues_for("redis://127.0.0.1:6379/0")) == ["default", "alerts"]

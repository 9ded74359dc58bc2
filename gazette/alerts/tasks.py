"""The alerts' slow work, on a queue of its own ("alerts"): a breaking-news fan-out of a million
messages must not starve the index and cache tasks of the "default" queue (and the reverse).

``gazette worker`` serves every queue (``db_worker --queue-name *``; with REDIS_URL, rqworker
on "default" and "alerts"); a host can run workers for "alerts" alone to add throughput.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django_tasks import task
from django_tasks.base import Task

logger = logging.getLogger(__name__)

QUEUE = "alerts"
# Below the default priority (0). A worker serving every queue takes the highest priority first,
# then the oldest task (the database backend's `db_worker --queue-name *`): without this, a
# cache purge enqueued during a million-message fan-out would wait behind its 2,000 batches.
# RQ has no priorities (its backend refuses one) but serves its queues in order, "default" first.
PRIORITY = -10


@task(queue_name=QUEUE)
def alert_fanout(alert_id: int) -> int:
    """Write an alert's deliveries and enqueue its batches (safe to run again: it resumes)."""
    from .fanout import fanout_walk

    return fanout_walk(alert_id)


@task(queue_name=QUEUE)
def alert_batch(alert_id: int, first_subscription: int, last_subscription: int) -> int:
    """Claim and send one batch of an alert's deliveries."""
    from .fanout import batch_send

    return batch_send(alert_id, first_subscription, last_subscription)


@task(queue_name=QUEUE)
def alert_retry(alert_id: int) -> int:
    """Send again what a push service asked us to retry (429, 5xx), once it is due."""
    from .fanout import retry_due

    return retry_due(alert_id)


@task(queue_name=QUEUE)
def websub_ping(hub: str, urls: list[str]) -> bool:
    """Tell a WebSub hub that feeds changed."""
    from .websub import hub_ping

    return hub_ping(hub, urls)


def _behind_default(task_object: Task[Any, Any]) -> Task[Any, Any]:
    """The task at the alerts' priority, where the backend has priorities."""
    if task_object.get_backend().supports_priority:
        return task_object.using(priority=PRIORITY)
    return task_object


def task_enqueue(task_object: Task[Any, Any], *args: Any) -> None:
    """Enqueue now, behind the default queue's tasks; a queue that fails is logged, not raised
    (a re-run of the walk resumes)."""
    try:
        _behind_default(task_object).enqueue(*args)
    except Exception:
        logger.exception("alerts: could not enqueue %s%r", task_object.name, args)


def retry_enqueue(alert_id: int, when: datetime) -> bool:
    """Enqueue alert_retry to run at ``when``, if the task backend can defer; False if not
    (the rows keep their retry_at, and `gazette alerts resume` or the next walk sends them)."""
    if not alert_retry.get_backend().supports_defer:
        return False
    try:
        _behind_default(alert_retry).using(run_after=when).enqueue(alert_id)
    except Exception:
        logger.exception("alerts: could not enqueue the retry of alert %s", alert_id)
        return False
    return True

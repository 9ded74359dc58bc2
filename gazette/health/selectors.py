"""Is this site ready to serve? Each check answers on its own and never raises.

Shared by ``/readyz`` (gazette.health.views), ``gazette status`` and the admin dashboard, so
that a load balancer, an operator's shell and an editor see the same answer.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

Check = dict[str, Any]


def _backend_path() -> str:
    return str(settings.TASKS["default"]["BACKEND"])


def database_check() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def cache_check() -> Check:
    # A key of its own per call: two probes at once cannot read each other's value.
    key, value = f"health:probe:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    try:
        if cache.get(key) != value:
            raise RuntimeError("a value just stored in the cache was not read back")
    finally:
        cache.delete(key)
    return {}


def _age(since: datetime | None, now: datetime) -> float | None:
    if since is None:
        return None
    if timezone.is_naive(since):  # RQ keeps naive UTC times
        since = since.replace(tzinfo=UTC)
    return max(0.0, round((now - since).total_seconds(), 1))


def _database_tasks(now: datetime) -> Check:
    from django.db.models import Case, Count, F, Min, Q, When
    from django.db.models.functions import Greatest
    from django_tasks_db.models import DBTaskResult, get_date_max

    no_delay = get_date_max()
    ready = DBTaskResult.objects.filter(backend_name="default", status="READY").filter(
        Q(run_after=no_delay) | Q(run_after__lte=now)
    )
    # A task given a run_after has been waiting only since then, not since it was enqueued.
    waiting_since = Case(
        When(run_after=no_delay, then=F("enqueued_at")),
        default=Greatest(F("enqueued_at"), F("run_after")),
    )
    found = ready.order_by().aggregate(oldest=Min(waiting_since), count=Count("pk"))
    return {"backend": "database", "ready": found["count"],
            "oldest_ready_age_seconds": _age(found["oldest"], now)}


def _rq_tasks(now: datetime) -> Check:
    import django_rq

    count, oldest = 0, None
    queues = cast(Iterable[str], settings.TASKS["default"].get("QUEUES") or settings.RQ_QUEUES)
    for name in queues:
        queue = django_rq.get_queue(name)
        queue.connection.ping()
        count += queue.count
        # RQ appends to the right and workers take from the left: the head is the oldest
        # (bar at_front jobs, enqueued for urgency, which are younger anyway).
        for job in queue.get_jobs(0, 1):
            enqueued = job.enqueued_at
            if enqueued is not None and timezone.is_naive(enqueued):
                enqueued = enqueued.replace(tzinfo=UTC)
            if enqueued is not None and (oldest is None or enqueued < oldest):
                oldest = enqueued
    return {"backend": "rq", "ready": count, "oldest_ready_age_seconds": _age(oldest, now)}


def tasks_check() -> Check:
    """The task queue is reachable, how many tasks are due, and how long the oldest has waited."""
    path, now = _backend_path(), timezone.now()
    if path.startswith("django_tasks_db."):
        result = _database_tasks(now)
    elif path.startswith("django_tasks_rq."):
        result = _rq_tasks(now)
    else:  # immediate or dummy backends keep no queue to wait in
        result = {"backend": path.rsplit(".", 1)[-1], "ready": 0, "oldest_ready_age_seconds": None}
    age = result["oldest_ready_age_seconds"]
    result["waiting_too_long"] = age is not None and age > settings.GAZETTE_TASK_AGE_WARNING_SECONDS
    return result


def oldest_ready_task_age() -> float | None:
    """Seconds the oldest due task has waited for a worker; None when none waits or on error."""
    try:
        age: float | None = tasks_check()["oldest_ready_age_seconds"]
        return age
    except Exception:
        logger.warning("health: the task queue could not be read", exc_info=True)
        return None


CHECKS: dict[str, Callable[[], Check]] = {
    "database": database_check,
    "cache": cache_check,
    "tasks": tasks_check,
}


def readiness(*, details: bool = False) -> dict[str, Any]:
    """Run every check; ``details`` adds error messages (for operators, not the public).

    ``{"status": "ok" | "unavailable", "failing": [...], "checks": {name: {"ok": ..., ...}}}``
    """
    checks: dict[str, Check] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            result = {"ok": True, **check()}
        except Exception as error:  # a check that fails is an answer, never a 500
            logger.warning("health: %s check failed", name, exc_info=True)
            result = {"ok": False, "error": type(error).__name__}
            if details:
                result["message"] = str(error)
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        checks[name] = result
    failing = [name for name, result in checks.items() if not result["ok"]]
    return {"status": "unavailable" if failing else "ok", "failing": failing, "checks": checks}

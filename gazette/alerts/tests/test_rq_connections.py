"""RQ jobs close a broken or expired database connection before and after they run, as Django
does around a request: the alerts' RQ workers are SimpleWorkers (one process for every job),
which would otherwise keep a dead connection after a database restart and fail every job."""

from __future__ import annotations

from typing import Any
from unittest import mock


def test_rq_jobs_check_their_connections_and_other_backends_do_not(monkeypatch: Any) -> None:
    import django.db
    from django_tasks.signals import task_finished, task_started

    calls: list[str] = []
    monkeypatch.setattr(django.db, "close_old_connections", lambda: calls.append("closed"))
    rq_backend = type("RQBackend", (), {"__module__": "django_tasks_rq.backend"})
    immediate = type("ImmediateBackend", (), {"__module__": "django_tasks.backends.immediate"})
    result = mock.MagicMock()

    task_started.send(rq_backend, task_result=result)
    task_finished.send(rq_backend, task_result=result)
    assert calls == ["closed", "closed"]
    task_started.send(immediate, task_result=result)
    task_finished.send(immediate, task_result=result)
    assert calls == ["closed", "closed"]

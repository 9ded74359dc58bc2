from typing import Any

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "gazette.alerts"
    label = "alerts"
    verbose_name = "Alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_tasks.signals import task_finished, task_started

        from . import receivers  # noqa: F401  (page_published: the auto alert, WebSub pings)

        task_started.connect(rq_connections_check, dispatch_uid="gazette.alerts.rq_started")
        task_finished.connect(rq_connections_check, dispatch_uid="gazette.alerts.rq_finished")


def rq_connections_check(sender: type, **kwargs: Any) -> None:
    """Around each RQ job, what Django does around each request: close a database connection
    that broke or outlived CONN_MAX_AGE. RQ's SimpleWorker (no fork per job, the alerts
    workers' choice: see docs/alerts.md) keeps one process and its connection for every job;
    without this, a database restart would fail each later job until the worker restarted.
    Only for the RQ backend: the others manage their own (db_worker) or run inside a caller's
    transaction (the immediate backend of the tests)."""
    if sender.__module__.startswith("django_tasks_rq"):
        from django.db import close_old_connections

        close_old_connections()

"""End to end: real worker and scheduler processes against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from gazette.news import selectors
from gazette.news.models import ArticlePage
from gazette.news.testing import make_article, make_section

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.services,
    # Workers share queues in Redis: keep these tests on one xdist worker.
    pytest.mark.xdist_group("processes"),
]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user, host, port = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1", db.get("PORT")
    return f"postgres://{user}@{host}:{port or 5432}/{db['NAME']}"


def start(*args: str, backend: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "GAZETTE_TASKS_BACKEND": backend}
    return subprocess.Popen(
        [sys.executable, "-m", "gazette.cli", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def wait_for(condition: Callable[[], bool], process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            raise AssertionError(f"process exited early:\n{process.stdout.read()}")
        time.sleep(0.25)
    raise AssertionError("condition not met in time")


@pytest.fixture
def stop_processes() -> Iterator[list[subprocess.Popen]]:
    processes: list[subprocess.Popen] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def use_backend(settings, backend: str) -> None:
    settings.TASKS = {
        "default": {**django_settings.TASKS["default"], "BACKEND": backend,
                    "QUEUES": ["default", "alerts"]}
    }


def searchable(title_word: str) -> Callable[[], bool]:
    return lambda: selectors.search_articles(title_word).count() > 0


def test_database_worker_runs_enqueued_tasks(settings, stop_processes):
    backend = "django_tasks_db.DatabaseBackend"
    use_backend(settings, backend)
    make_article(make_section("World"), title="Lighthouse keepers vote to strike", slug="strike")
    # The search index is updated by a task: nothing is searchable until a worker runs it.
    assert not searchable("lighthouse")()
    worker = start("worker", backend=backend)
    stop_processes.append(worker)
    wait_for(searchable("lighthouse"), worker)
    worker.terminate()
    assert worker.wait(timeout=20) == 0, "the worker stops cleanly on SIGTERM"


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs REDIS_URL (make test-services)")
def test_rq_worker_runs_enqueued_tasks(settings, stop_processes):
    backend = "django_tasks_rq.RQBackend"
    use_backend(settings, backend)
    make_article(make_section("World"), title="Orchard growers report record harvest",
                 slug="orchard")
    assert not searchable("orchard")()
    worker = start("worker", "--burst", backend=backend)
    stop_processes.append(worker)
    wait_for(searchable("orchard"), worker)


def test_scheduler_loop_publishes_when_due(settings, stop_processes):
    section = make_section("World")
    article = make_article(section, title="Night ferry timetable", slug="ferry", publish=False)
    article.go_live_at = timezone.now() + timedelta(seconds=2)
    article.save_revision().publish()
    assert not ArticlePage.objects.get(pk=article.pk).live
    scheduler = start("scheduler", "--interval", "1", backend=settings.TASKS["default"]["BACKEND"])
    stop_processes.append(scheduler)
    wait_for(lambda: ArticlePage.objects.get(pk=article.pk).live, scheduler, timeout=30)
    scheduler.terminate()
    assert scheduler.wait(timeout=20) == 0

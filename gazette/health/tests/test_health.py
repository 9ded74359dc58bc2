from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gazette.health import selectors
from gazette.news.tasks import article_renditions_prepare

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "alerts"]}
}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


def enqueue_waiting(seconds: float, **using: object) -> DBTaskResult:
    """A real task in the database queue, enqueued ``seconds`` ago and not yet picked."""
    task = article_renditions_prepare.using(**using) if using else article_renditions_prepare
    result = task.enqueue(0)
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(seconds=seconds)
    )
    return DBTaskResult.objects.get(pk=result.id)


@pytest.fixture
def broken_database(monkeypatch):
    def cursor(*args, **kwargs):
        raise OperationalError("unable to open database file")

    monkeypatch.setattr(type(connections["default"]), "cursor", cursor)


def test_healthz_answers_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_reports_every_check(client, database_tasks):
    response = client.get("/readyz")
    assert response.status_code == 200
    document = response.json()
    assert document["status"] == "ok" and document["failing"] == []
    assert set(document["checks"]) == {"database", "cache", "tasks"}
    assert all(check["ok"] for check in document["checks"].values())
    assert document["checks"]["tasks"]["backend"] == "database"
    assert document["checks"]["tasks"]["oldest_ready_age_seconds"] is None
    assert response["Cache-Control"] == "no-store"
    assert "X-Page-Cache" not in response


def test_readyz_is_never_page_cached(client):
    client.get("/readyz")
    assert "X-Page-Cache" not in client.get("/readyz")


def test_a_broken_database_is_named_with_a_503_not_a_500(client, broken_database):
    response = client.get("/readyz")
    assert response.status_code == 503
    document = response.json()
    assert document["status"] == "unavailable"
    assert document["failing"] == ["database"]
    assert document["checks"]["database"] == {
        "ok": False, "error": "OperationalError", "ms": document["checks"]["database"]["ms"]
    }
    # The public answer does not echo the error's text (paths, host names).
    assert "unable to open" not in response.content.decode()
    assert client.get("/healthz").status_code == 200


def test_a_broken_database_also_fails_the_database_task_queue(client, broken_database,
                                                              database_tasks):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database", "tasks"]


def test_a_broken_cache_is_named(client, monkeypatch):
    class BrokenCache:
        def set(self, *args, **kwargs):
            raise ConnectionError("cache server gone")

    monkeypatch.setattr(selectors, "cache", BrokenCache())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]


def test_readyz_refuses_other_methods_cleanly(client):
    assert client.post("/readyz").status_code == 405
    assert client.head("/readyz").status_code == 200


def test_the_age_of_the_oldest_ready_task_comes_from_the_queue(database_tasks):
    enqueue_waiting(5)
    enqueue_waiting(125)
    check = selectors.tasks_check()
    assert check["ready"] == 2
    assert 124 <= check["oldest_ready_age_seconds"] <= 135
    assert check["waiting_too_long"] is True


def test_picked_and_future_tasks_do_not_count_as_waiting(database_tasks):
    running = enqueue_waiting(600)
    DBTaskResult.objects.filter(pk=running.pk).update(status="RUNNING")
    enqueue_waiting(600, run_after=timezone.now() + timedelta(minutes=5))
    check = selectors.tasks_check()
    assert check["ready"] == 0
    assert check["oldest_ready_age_seconds"] is None


def test_a_delayed_task_waits_from_its_run_after_not_its_enqueue_time(database_tasks):
    task = enqueue_waiting(600, run_after=timezone.now() + timedelta(seconds=5))
    DBTaskResult.objects.filter(pk=task.pk).update(
        run_after=timezone.now() - timedelta(seconds=30)
    )
    age = selectors.tasks_check()["oldest_ready_age_seconds"]
    assert 29 <= age <= 40


def test_readyz_shows_the_age_and_stays_ready(client, database_tasks):
    enqueue_waiting(300)
    response = client.get("/readyz")
    assert response.status_code == 200
    tasks = response.json()["checks"]["tasks"]
    assert tasks["oldest_ready_age_seconds"] >= 300 and tasks["waiting_too_long"] is True


WARNING = "Background tasks are waiting: the oldest has waited"


def test_the_dashboard_warns_when_the_oldest_task_is_old(admin_client, database_tasks, settings):
    settings.GAZETTE_TASK_AGE_WARNING_SECONDS = 60
    enqueue_waiting(90)
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert WARNING in html
    assert "is the worker running?" in html


def test_the_dashboard_says_nothing_while_tasks_are_fresh(admin_client, database_tasks, settings):
    settings.GAZETTE_TASK_AGE_WARNING_SECONDS = 60
    enqueue_waiting(10)
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert WARNING not in response.content.decode()


def test_the_dashboard_follows_the_setting(admin_client, database_tasks, settings):
    settings.GAZETTE_TASK_AGE_WARNING_SECONDS = 5
    enqueue_waiting(10)
    assert WARNING in admin_client.get("/admin/").content.decode()


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs REDIS_URL (make test-services)")
def test_the_age_of_the_oldest_rq_job_comes_from_the_head_of_its_queue(settings):
    import django_rq

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "alerts"]}
    }
    queues = [django_rq.get_queue(name) for name in ("default", "alerts")]
    for queue in queues:
        queue.empty()
    try:
        assert selectors.tasks_check()["oldest_ready_age_seconds"] is None
        old = article_renditions_prepare.enqueue(0)
        article_renditions_prepare.enqueue(0)
        job = queues[0].fetch_job(old.id)
        job.enqueued_at = timezone.now() - timedelta(seconds=120)
        job.save()
        check = selectors.tasks_check()
        assert check["backend"] == "rq" and check["ready"] == 2
        assert 119 <= check["oldest_ready_age_seconds"] <= 130
    finally:
        for queue in queues:
            queue.empty()

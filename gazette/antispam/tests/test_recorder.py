"""Comment-check records wait for a busy database instead of being dropped."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.utils import timezone

from gazette.antispam import recorder as recorder_module
from gazette.antispam.activity import DatabaseHistory
from gazette.antispam.akismet import views
from gazette.antispam.models import DailyCount, RecentSubmission, UsageCount

from .helpers import FORM, HAM_TEXTS, comment

# The writer is a thread with a connection of its own: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def recorder(monkeypatch):
    fresh = recorder_module.Recorder()
    monkeypatch.setattr(views, "recorder", fresh)
    monkeypatch.setattr(recorder_module, "BACKOFF_FIRST", 0.01)
    yield fresh
    assert fresh.flush(30) == 0


def locked_for(tries: int, monkeypatch) -> list[int]:
    """DatabaseHistory.write (what add and a deferred check's record run) fails as a locked
    SQLite database does, ``tries`` times."""
    real = DatabaseHistory.write
    calls = [0]

    def write(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] <= tries:
            raise OperationalError("database is locked")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(DatabaseHistory, "write", write)
    return calls


def answer(api_key, text: str):
    request = RequestFactory().post("/akismet/1.1/comment-check",
                                    urlencode(comment(api_key.key, comment_content=text)),
                                    content_type=FORM)
    response = views.comment_check(request)
    assert response.status_code == 200 and response.content in (b"true", b"false")
    return response


def test_records_of_a_locked_database_are_written_when_it_frees(api_key, recorder,
                                                                monkeypatch):
    calls = locked_for(5, monkeypatch)
    answered = [answer(api_key, text) for text in HAM_TEXTS[:4]]
    for response in answered:
        response.close()  # returns at once: the first failure queued it, the rest follow it
    assert recorder.flush(30) == 0
    assert RecentSubmission.objects.count() == 4
    assert UsageCount.objects.get().calls == 4 and DailyCount.objects.get().checks == 4
    assert recorder.written_late == 4 and recorder.failed_tries == 4
    # The first request tried once and queued its record; the others joined the queue
    # without waiting on the lock, and only the writer retried.
    assert calls[0] == 1 + recorder.failed_tries + recorder.written_late


def test_a_late_record_keeps_the_time_of_its_check(api_key, recorder, monkeypatch):
    locked_for(3, monkeypatch)
    response = answer(api_key, HAM_TEXTS[0])
    answered_at = timezone.now()
    response.close()
    assert recorder.flush(30) == 0
    recorded = RecentSubmission.objects.get()
    assert recorded.at <= answered_at


def test_other_failures_are_logged_not_retried(api_key, recorder, monkeypatch, caplog):
    def broken(self, *args, **kwargs):
        raise ValueError("a bug, not a busy database")

    monkeypatch.setattr(DatabaseHistory, "write", broken)
    answer(api_key, HAM_TEXTS[0]).close()
    assert recorder.pending() == 0 and "could not record a comment-check" in caplog.text


def test_the_request_waits_only_briefly_and_restores_the_busy_timeout(api_key):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's busy timeout")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        before = cursor.fetchone()[0]
    seen = []
    with recorder_module._short_wait(123), connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        seen.append(cursor.fetchone()[0])
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        after = cursor.fetchone()[0]
    assert seen == [123] and after == before

"""The in-process interface the comment pipeline calls."""

from __future__ import annotations

import pytest

from gazette.antispam import services, state
from gazette.antispam.engine import HistoryStats, Submission, Verdict
from gazette.antispam.models import DailyCount, LabelledExample, RecentSubmission

from .helpers import HAM_TEXTS, SPAM_TEXTS

pytestmark = pytest.mark.django_db


def test_spam_check_returns_a_verdict_and_records_it():
    outcome = services.spam_check(submission=Submission(content=HAM_TEXTS[0], user_agent="M",
                                                        user_ip="192.0.2.1"))
    verdict = outcome.verdict
    assert isinstance(verdict, Verdict) and verdict.kind == "ham"
    assert RecentSubmission.objects.get().kind == "ham"
    day = DailyCount.objects.get()
    assert (day.pool, day.checks, day.ham) == ("shared", 1, 1)
    services.spam_check(submission=Submission(content=HAM_TEXTS[1]), record=False)
    assert RecentSubmission.objects.count() == 1 and DailyCount.objects.get().checks == 1


def test_spam_learn_uses_the_recorded_check(django_capture_on_commit_callbacks):
    sub = Submission(content=SPAM_TEXTS[2], user_ip="192.0.2.7", author="Jo")
    for _ in range(3):  # the same network three times: a burst at the fourth check
        services.spam_check(submission=Submission(content="hello there", user_ip="192.0.2.8"))
    verdict = services.spam_check(submission=sub).verdict
    with django_capture_on_commit_callbacks(execute=True):
        example = services.spam_learn(submission=sub, label="spam")
    assert example.stats["same_ip_prefix"] == 3
    assert example.checked_as == verdict.kind
    assert example.source == "moderation" and example.pool == "shared"
    missed = int(verdict.kind in ("ham", "hold"))
    assert DailyCount.objects.get().missed_spam == missed
    with state.engine_for("shared") as engine:
        assert engine.last_example_id == example.pk


def test_spam_learn_with_explicit_stats_and_bad_labels():
    stats = HistoryStats(same_email=4)
    example = services.spam_learn(submission=Submission(content="x"), label="ham", stats=stats,
                                  source="corpus", pool="local")
    assert example.stats == stats.to_dict() and example.pool == "local"
    with pytest.raises(ValueError):
        services.spam_learn(submission=Submission(content="x"), label="maybe")


def test_long_texts_are_cut(settings):
    settings.GAZETTE_ANTISPAM_MAX_CONTENT = 100
    example = services.spam_learn(submission=Submission(content="a" * 5000), label="ham")
    assert len(LabelledExample.objects.get(pk=example.pk).content) == 100

"""Recent activity in the database behaves like the engine's in-memory history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone

from gazette.antispam import counts, services, state
from gazette.antispam.activity import DatabaseHistory
from gazette.antispam.engine import Engine, HistoryStats, MemoryHistory, Submission
from gazette.antispam.models import DailyCount, RecentBand, RecentSubmission

pytestmark = pytest.mark.django_db

FLOOD = "Make money fast from home with this one simple trick, visit my profile now"


def engine() -> Engine:
    return Engine(state.engine_config())


def test_bursts_and_duplicates_are_counted_across_articles():
    eng, history = engine(), DatabaseHistory("shared")
    for i in range(4):
        sub = Submission(content=f"{FLOOD} {'!' * i}", user_ip=f"192.0.2.{10 + i}",
                         author_email="Bot@Example.com", permalink=f"https://x.example/{i}")
        history.add(eng.keys(sub))
    probe = Submission(content=FLOOD, user_ip="192.0.2.200", author_email="bot@example.com",
                       permalink="https://x.example/0")
    stats = history.stats(eng.keys(probe))
    assert stats == HistoryStats(
        same_ip_prefix=4, same_email=4, exact_duplicates_other_articles=3,
        near_duplicates_other_articles=3, near_duplicates_same_article=1,
    )
    # Another pool does not see this one's activity.
    assert DatabaseHistory("key:9").stats(eng.keys(probe)) == HistoryStats()


def test_matches_memory_history_on_a_stream():
    eng, database, memory = engine(), DatabaseHistory("shared"), MemoryHistory(tick=0)
    texts = [FLOOD, "A quiet comment about the weather in the harbour this week, rather nice",
             FLOOD + " again", "Short"]
    for i in range(24):
        sub = Submission(content=texts[i % 4], user_ip=f"198.51.100.{i % 3}",
                         author_email=f"p{i % 2}@example.org", permalink=f"/a/{i % 5}")
        keys = eng.keys(sub)
        assert database.stats(keys) == memory.stats(keys), i
        database.add(keys)
        memory.add(keys)


def test_windows_and_pruning():
    eng = engine()
    sub = Submission(content=FLOOD, user_ip="192.0.2.1", permalink="/a")
    keys = eng.keys(sub)
    old = timezone.now() - timedelta(days=8)
    DatabaseHistory("shared", now=old).add(keys)
    DatabaseHistory("shared", now=timezone.now() - timedelta(minutes=30)).add(keys)
    history = DatabaseHistory("shared")
    other = eng.keys(Submission(content=FLOOD, user_ip="192.0.2.2", permalink="/b"))
    stats = history.stats(other)
    assert stats.same_ip_prefix == 0  # outside the ten-minute burst window
    assert stats.exact_duplicates_other_articles == 1  # one inside the seven-day window
    assert history.prune() == 1
    assert RecentSubmission.objects.count() == 1
    assert RecentBand.objects.count() == len(set(keys.bands))


def test_a_report_finds_its_check_by_guid_or_fields():
    sub = Submission(content=FLOOD, user_ip="192.0.2.1", author="Sam")
    outcome = services.spam_check(submission=sub)
    history = DatabaseHistory("shared")
    assert history.find(guid=outcome.guid).kind == outcome.verdict.kind
    assert history.find(match_hash=services.match_hash(sub)).guid == outcome.guid
    assert history.find(match_hash=services.match_hash(Submission(content="other"))) is None
    assert history.find() is None


# Committed for real (no test transaction around it): add() itself must be all or nothing.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_record_and_the_writes_along_with_it_land_together_or_not_at_all():
    eng, history = engine(), DatabaseHistory("shared")
    keys = eng.keys(Submission(content=FLOOD, user_ip="192.0.2.1", permalink="/a"))
    assert len(set(keys.bands)) > 1
    count = counts.upsert_counts(DailyCount, {"day": timezone.localdate(), "pool": "shared"},
                                   checks=1, spam=1)
    assert count is not None
    row = history.add(keys, kind="spam", score=0.9, guid="g1", along=[count])
    assert RecentSubmission.objects.get().pk == row.pk
    assert sorted(RecentBand.objects.filter(submission_id=row.pk).values_list("band", flat=True)
                  ) == sorted(set(keys.bands))
    assert DailyCount.objects.get(pool="shared").spam == 1

    with pytest.raises(DatabaseError):
        history.add(keys, guid="g2", along=[count, ("INSERT INTO no_such_table VALUES (1)", [])])
    # Nothing of the failed record stayed: neither the submission, its bands nor the count.
    assert list(RecentSubmission.objects.values_list("guid", flat=True)) == ["g1"]
    assert RecentBand.objects.count() == len(set(keys.bands))
    assert DailyCount.objects.get(pool="shared").checks == 1


def test_a_recorded_row_is_a_saved_row_to_the_orm():
    # add() inserts in raw SQL, then marks the instance as Django's from_db() would
    # (Model._state, documented): saving it again must update that row, not insert a second.
    eng, history = engine(), DatabaseHistory("shared")
    row = history.add(eng.keys(Submission(content=FLOOD, user_ip="192.0.2.1")), guid="g1")
    loaded = RecentSubmission.objects.get(pk=row.pk)
    assert (row._state.adding, row._state.db) == (loaded._state.adding, loaded._state.db)
    row.kind = "ham"
    row.save()
    assert list(RecentSubmission.objects.values_list("pk", "kind")) == [(row.pk, "ham")]

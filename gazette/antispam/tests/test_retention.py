"""Labelled examples keep the raw e-mail and IP address only GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from gazette.antispam import conf, services, state
from gazette.antispam.engine import Engine, Submission
from gazette.antispam.models import EnginePool, EngineSnapshot, LabelledExample
from gazette.antispam.retention import (
    NOT_AN_ADDRESS,
    email_stand_in,
    network_of,
    retention_apply,
)

from .helpers import HAM_TEXTS, SPAM_TEXTS


def test_an_address_gives_way_to_its_network():
    assert network_of("203.0.113.7") == "203.0.113.0"
    assert network_of(" 2001:db8:1:2:3:4:5:6 ") == "2001:db8:1:2::"
    assert network_of("not an address") == NOT_AN_ADDRESS
    assert network_of("") == ""


def test_an_email_gives_way_to_a_hash_at_its_domain(settings):
    settings.GAZETTE_ANTISPAM_SECRET_KEY = "test-secret"
    stand_in = email_stand_in("Ann@Example.net ")
    assert stand_in.endswith("@example.net") and "ann" not in stand_in
    assert stand_in == email_stand_in("ann@example.net")
    assert stand_in != email_stand_in("bob@example.net")
    assert email_stand_in("") == ""
    assert "@" not in email_stand_in("no-domain")


def test_the_features_read_the_same_from_what_is_kept(settings):
    engine = Engine(state.engine_config())
    for ip, email in [("203.0.113.7", "ann@mailinator.com"), ("2001:db8::1", "x@example.org"),
                      ("garbage", "")]:
        raw = Submission(content=SPAM_TEXTS[0], user_ip=ip, author_email=email)
        kept = Submission(content=SPAM_TEXTS[0], user_ip=network_of(ip),
                          author_email=email_stand_in(email))
        assert engine.keys(kept).ip_prefix_hash == engine.keys(raw).ip_prefix_hash
        before, after = engine.check(raw), engine.check(kept)
        # A fresh engine has learned no reputation: every signal must read the same.
        assert (after.kind, after.score, after.reasons) == (before.kind, before.score,
                                                             before.reasons)


def _learn(n: int, django_capture_on_commit_callbacks) -> list[LabelledExample]:
    examples = []
    for i in range(n):
        text = (SPAM_TEXTS if i % 2 else HAM_TEXTS)[i % 4]
        sub = Submission(content=text, user_ip=f"198.51.100.{i + 1}",
                         author_email=f"reader{i}@example.org", author="Reader")
        with django_capture_on_commit_callbacks(execute=True):
            examples.append(services.spam_learn(submission=sub,
                                                label="spam" if i % 2 else "ham"))
    return examples


@pytest.mark.django_db
def test_old_examples_keep_only_what_the_filter_needs(settings,
                                                      django_capture_on_commit_callbacks):
    settings.GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS = 30
    examples = _learn(6, django_capture_on_commit_callbacks)
    old, recent = examples[:4], examples[4:]
    LabelledExample.objects.filter(id__in=[e.id for e in old]).update(
        created=timezone.now() - timedelta(days=31))
    pool = conf.default_pool()
    generation = EnginePool.objects.get(name=pool).generation
    probe = Submission(content=SPAM_TEXTS[1], user_ip="198.51.100.2",
                       author_email="reader1@example.org")
    with state.engine_for(pool) as engine:
        before = engine.check(probe)

    result = retention_apply()

    assert result.examples == 4 and result.pools == (pool,)
    for example in old:
        example.refresh_from_db()
        assert example.user_ip.startswith("198.51.100.0")
        assert example.author_email.endswith("@example.org")
        assert "reader" not in example.author_email
        assert example.personal_data_removed is not None
    for example in recent:
        example.refresh_from_db()
        assert example.user_ip.startswith("198.51.100.") and example.user_ip != "198.51.100.0"
        assert example.author_email.startswith("reader")
        assert example.personal_data_removed is None
    # A new generation from a snapshot that learned the raw values: a process starting now
    # loads it rather than replaying the changed rows, and holds the same model.
    row = EnginePool.objects.get(name=pool)
    assert row.generation == generation + 1
    snapshot = EngineSnapshot.objects.filter(pool=pool, generation=row.generation).get()
    assert snapshot.last_example_id >= max(e.id for e in old)
    state.forget()
    with state.engine_for(pool) as engine:
        after = engine.check(probe)
    assert (after.kind, after.score) == (before.kind, before.score)

    # Again: nothing left to do, and no new generation.
    assert retention_apply().examples == 0
    assert EnginePool.objects.get(name=pool).generation == generation + 1


@pytest.mark.django_db
def test_rebuild_learns_from_what_is_kept(django_capture_on_commit_callbacks):
    _learn(4, django_capture_on_commit_callbacks)
    retention_apply(days=0, now=timezone.now() + timedelta(days=1))
    assert not LabelledExample.objects.filter(personal_data_removed__isnull=True).exists()
    snapshot = state.rebuild(conf.default_pool())
    assert snapshot.examples_seen == 4


@pytest.mark.django_db
def test_the_command_reports_what_it_did(django_capture_on_commit_callbacks, capsys):
    _learn(2, django_capture_on_commit_callbacks)
    call_command("antispam", "retention")
    assert "from 0 labelled examples" in capsys.readouterr().out
    call_command("antispam", "retention", "--days", "0", verbosity=0)
    assert capsys.readouterr().out == ""  # nothing is due before the day has ended
    LabelledExample.objects.update(created=timezone.now() - timedelta(days=2))
    call_command("antispam", "retention", "--days", "1", verbosity=0)
    assert "from 2 labelled examples in shared" in capsys.readouterr().out
    assert LabelledExample.objects.filter(personal_data_removed__isnull=False).count() == 2

"""Engine state in the database: snapshots, replay, rebuilds and learning in parallel."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import threading
from unittest.mock import patch

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, connections

from gazette.antispam import keys, services, state
from gazette.antispam.engine import Engine, Submission
from gazette.antispam.models import EnginePool, EngineSnapshot, LabelledExample, UsageCount

from .helpers import HAM_TEXTS, SPAM_TEXTS

POOL = "shared"
PROBES = [
    Submission(content=SPAM_TEXTS[0] + " now", user_ip="192.0.2.1", user_agent="M"),
    Submission(content=HAM_TEXTS[0], user_ip="198.51.100.3", user_agent="M",
               author="Ann Reader"),
    Submission(content="Cheap pills and free spins, click http://bit.ly/abc",
               author="Best Casino", user_ip="192.0.2.9"),
]


def example(i: int, *, tag: str = "") -> tuple[Submission, str]:
    label = "spam" if i % 3 == 0 else "ham"
    texts = SPAM_TEXTS if label == "spam" else HAM_TEXTS
    content = f"{texts[i % len(texts)]} {tag} message {i}"
    return Submission(content=content, author=f"Reader {i % 5}", user_ip=f"192.0.2.{i % 250}",
                      author_email=f"r{i % 7}@example.net", user_agent="Mozilla/5.0"), label


def digest(engine: Engine) -> str:
    return hashlib.sha256(engine.dumps()).hexdigest()


def replayed_from_scratch(pool: str = POOL) -> Engine:
    engine = Engine(state.engine_config())
    state.replay(pool, engine)
    return engine


def verdicts(engine: Engine) -> list[tuple[str, float, tuple[str, ...]]]:
    return [(v.kind, v.score, v.reasons) for v in (engine.check(p) for p in PROBES)]


@pytest.mark.django_db
def test_fresh_process_loads_snapshot_and_replays_to_identical_state(
    settings, django_capture_on_commit_callbacks
):
    settings.GAZETTE_ANTISPAM_SNAPSHOT_EVERY = 10
    for i in range(35):
        sub, label = example(i)
        with django_capture_on_commit_callbacks(execute=True):
            services.spam_learn(submission=sub, label=label, source="moderation")
    snapshots = EngineSnapshot.objects.filter(pool=POOL).order_by("last_example_id")
    assert snapshots.count() == state.SNAPSHOTS_KEPT  # 3 of the 3 written are kept
    newest = snapshots.last()
    assert newest.examples_seen == 30
    with state.engine_for(POOL) as engine:
        running = digest(engine)
        running_verdicts = verdicts(engine)
        assert engine.examples_seen == 35

    state.forget()  # a new process: snapshot + the 5 examples after it
    loaded = state.load_engine(POOL, 0)
    assert loaded.last_example_id == newest.last_example_id
    assert state.replay(POOL, loaded) == 5
    assert digest(loaded) == running
    with state.engine_for(POOL) as engine:
        assert digest(engine) == running
        assert verdicts(engine) == running_verdicts
    assert digest(replayed_from_scratch()) == running


@pytest.mark.django_db
def test_snapshot_of_other_text_features_is_replayed_not_reused(
    settings, django_capture_on_commit_callbacks
):
    settings.GAZETTE_ANTISPAM_SNAPSHOT_EVERY = 10
    settings.GAZETTE_ANTISPAM_ENGINE_OPTIONS = {"word_ngrams": 2, "skip_window": 0}
    for i in range(12):
        sub, label = example(i)
        with django_capture_on_commit_callbacks(execute=True):
            services.spam_learn(submission=sub, label=label, source="moderation")
    assert EngineSnapshot.objects.filter(pool=POOL).exists()
    # The site upgrades to the default text features: the old weights fit other buckets.
    settings.GAZETTE_ANTISPAM_ENGINE_OPTIONS = {}
    state.forget()
    loaded = state.load_engine(POOL, 0)
    assert loaded.examples_seen == 0 and loaded.config.word_ngrams == 3
    assert state.replay(POOL, loaded) == 12
    assert digest(loaded) == digest(replayed_from_scratch())


@pytest.mark.django_db
def test_warm_loads_an_engine_and_never_raises(caplog):
    state.forget()
    assert not state.loaded(POOL)
    assert state.warm(POOL) is True and state.loaded(POOL)
    state.forget()
    with patch.object(state, "engine_for", side_effect=DatabaseError("no such table")):
        assert state.warm(POOL) is False
    with patch.object(state, "engine_for", side_effect=ValueError("corrupt")):
        assert state.warm(POOL) is False
    assert not state.loaded(POOL)
    assert "engine not loaded at start-up" in caplog.text


@pytest.mark.django_db
def test_learning_in_one_process_reaches_another(django_capture_on_commit_callbacks):
    with state.engine_for(POOL) as engine:
        before = engine.check(PROBES[2]).score
    # Another process inserts examples: this one only ever reads them from the database.
    for i in range(6):
        sub, _ = example(i * 3, tag="elsewhere")
        state.insert_example(POOL, {**LabelledExample.fields_from(sub, 10_000), "label": "spam",
                                    "source": "api", "stats": {}})
    with state.engine_for(POOL) as engine:
        assert engine.examples_seen == 6
        assert engine.check(PROBES[2]).score > before


@pytest.mark.django_db
def test_sync_interval_limits_lookups(settings, django_assert_num_queries):
    settings.GAZETTE_ANTISPAM_SYNC_MS = 60_000
    with state.engine_for(POOL):
        pass
    with django_assert_num_queries(0), state.engine_for(POOL):
        pass
    with django_assert_num_queries(1), state.engine_for(POOL, force_sync=True):
        pass


@pytest.mark.django_db
def test_rebuild_starts_a_new_generation_everyone_loads(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(12):
            sub, label = example(i)
            services.spam_learn(submission=sub, label=label)
    with state.engine_for(POOL) as engine:
        online = digest(engine)
    snapshot = state.rebuild(POOL)
    assert snapshot.generation == 1 and snapshot.examples_seen == 12
    assert EnginePool.objects.get(name=POOL).generation == 1
    with state.engine_for(POOL) as engine:
        assert digest(engine) != online  # batch training, reloaded by the running process
        assert digest(engine) == hashlib.sha256(bytes(snapshot.blob)).hexdigest()
    with django_capture_on_commit_callbacks(execute=True):
        sub, label = example(99)
        services.spam_learn(submission=sub, label=label)
    with state.engine_for(POOL) as engine:
        after = digest(engine)
    state.forget()
    with state.engine_for(POOL) as engine:
        assert digest(engine) == after
    replayed = state.rebuild(POOL, batch=False)
    assert replayed.generation == 2
    assert hashlib.sha256(bytes(replayed.blob)).hexdigest() == digest(replayed_from_scratch())


@pytest.mark.django_db
def test_a_snapshot_made_with_another_secret_is_replayed_around(settings,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            sub, label = example(i)
            services.spam_learn(submission=sub, label=label)
    state.snapshot_now(POOL)
    settings.GAZETTE_ANTISPAM_SECRET_KEY = "another-secret"
    state.forget()
    with state.engine_for(POOL) as engine:
        assert engine.examples_seen == 5
        assert digest(engine) == digest(replayed_from_scratch())


@pytest.mark.django_db
def test_a_rolled_back_lesson_is_not_kept(django_capture_on_commit_callbacks):
    from django.db import transaction

    with state.engine_for(POOL):
        pass
    with pytest.raises(RuntimeError), transaction.atomic():
        sub, _ = example(3)
        services.spam_learn(submission=sub, label="spam")
        with state.engine_for(POOL) as engine:
            assert engine.examples_seen == 0  # not applied before its transaction commits
        raise RuntimeError("the moderation request failed")
    with state.engine_for(POOL) as engine:
        assert engine.examples_seen == 0
    assert not LabelledExample.objects.exists()


@pytest.mark.django_db
def test_pools_per_key_without_shared_learning(settings, api_key):
    settings.GAZETTE_ANTISPAM_SHARED_LEARNING = False
    other = keys.key_create(sites=["https://other.example"])
    sub, _ = example(0)
    keys.key_spam_learn(api_key=api_key, site="blog.example.org", submission=sub, label="spam")
    services.spam_learn(submission=sub, label="ham")
    pools = dict(LabelledExample.objects.values_list("label", "pool"))
    assert pools == {"spam": f"key:{api_key.pk}", "ham": "local"}
    keys.key_spam_check(api_key=other, site="other.example", submission=sub)
    assert set(EnginePool.objects.values_list("name", flat=True)) == {f"key:{api_key.pk}",
                                                                      "local"}
    settings.GAZETTE_ANTISPAM_SHARED_LEARNING = True
    # A key's report is its own (a fork of the shared pool) until enough keys agree.
    keys.key_spam_learn(api_key=other, site="other.example", submission=sub, label="spam")
    assert LabelledExample.objects.filter(pool=f"key:{other.pk}").count() == 1
    assert not LabelledExample.objects.filter(pool="shared").exists()
    settings.GAZETTE_ANTISPAM_AGREEING_KEYS = 1
    keys.key_spam_learn(api_key=other, site="other.example", submission=sub, label="spam")
    # Each key's first report of the text (the first key's from its own pool) is shared.
    assert sorted(LabelledExample.objects.filter(pool="shared")
                  .values_list("api_key_id", flat=True)) == sorted([api_key.pk, other.pk])


# --- concurrency ----------------------------------------------------------------------------------
concurrent = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _run_threads(count: int, target) -> None:
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            target(n)
        except BaseException as error:  # surfaced below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


@concurrent
def test_threads_learning_at_once_converge(settings):
    settings.GAZETTE_ANTISPAM_SNAPSHOT_EVERY = 12

    def learn(n: int) -> None:
        for i in range(8):
            sub, label = example(n * 100 + i, tag=f"thread {n}")
            services.spam_learn(submission=sub, label=label)
            services.spam_check(submission=PROBES[i % len(PROBES)])

    _run_threads(4, learn)
    ids = list(LabelledExample.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 32
    assert EnginePool.objects.get(name=POOL).latest_example_id == ids[-1]
    with state.engine_for(POOL) as engine:
        running = digest(engine)
        assert engine.last_example_id == ids[-1]
    assert digest(replayed_from_scratch()) == running
    state.forget()
    with state.engine_for(POOL) as engine:
        assert digest(engine) == running


@concurrent
def test_concurrent_requests_count_correctly(api_key):
    def check(n: int) -> None:
        for i in range(10):
            sub = Submission(content=f"{HAM_TEXTS[i % 8]} {n} {i}", user_ip="203.0.113.1")
            keys.key_spam_check(api_key=api_key, site="blog.example.org", submission=sub)

    _run_threads(4, check)
    usage = UsageCount.objects.get()
    assert usage.calls == 40 and usage.ham + usage.spam == 40


LEARNERS = 2
PER_LEARNER = 6
LEARNER = textwrap.dedent(f"""
    import hashlib, os, sys, time
    os.environ["DJANGO_SETTINGS_MODULE"] = "gazette.settings"
    from django.conf import settings
    settings.DATABASES["default"]["NAME"] = sys.argv[1]
    import django
    django.setup()
    from gazette.antispam import services, state
    from gazette.antispam.models import LabelledExample
    from gazette.antispam.tests.test_state import example
    n, total = int(sys.argv[2]), int(sys.argv[3])
    for i in range({PER_LEARNER}):
        sub, label = example(n * 1000 + i, tag=f"process {{n}}")
        services.spam_learn(submission=sub, label=label)
        services.spam_check(submission=sub)
    deadline = time.monotonic() + 60
    while LabelledExample.objects.count() < total and time.monotonic() < deadline:
        time.sleep(0.05)
    with state.engine_for("shared", force_sync=True) as engine:
        print(hashlib.sha256(engine.dumps()).hexdigest(), engine.examples_seen)
""")


@concurrent
def test_processes_learning_at_once_converge(settings):
    # The learners inherit DATABASE_URL, if any, and are pointed at the test database by name.
    name = str(connection.settings_dict["NAME"])
    env = {**os.environ, "GAZETTE_ANTISPAM_SECRET_KEY": "test-secret",
           "GAZETTE_ANTISPAM_SNAPSHOT_EVERY": "4"}
    processes = [
        subprocess.Popen([sys.executable, "-c", LEARNER, name, str(n), str(LEARNERS * PER_LEARNER)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(LEARNERS)
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outputs.append(out.split())
    assert LabelledExample.objects.count() == LEARNERS * PER_LEARNER
    assert EngineSnapshot.objects.exists()
    expected = digest(replayed_from_scratch())
    # Every process, whichever snapshot it started from, ends in the same state.
    assert outputs == [[expected, str(LEARNERS * PER_LEARNER)]] * LEARNERS
    with state.engine_for(POOL) as engine:
        assert digest(engine) == expected


@pytest.mark.django_db
def test_rebuilding_a_pool_with_no_decisions_gives_a_fresh_engine():
    snapshot = state.rebuild("nobody-yet")
    assert snapshot.examples_seen == 0 and snapshot.generation == 1
    fresh = Engine(state.engine_config())
    assert hashlib.sha256(bytes(snapshot.blob)).hexdigest() == digest(fresh)


@pytest.mark.django_db
def test_a_rebuild_trains_on_the_newest_decisions_and_counts_them_all(
    settings, django_capture_on_commit_callbacks
):
    # A budget of 50% lets a window be as small as 20 decisions (ten over the budget).
    settings.GAZETTE_ANTISPAM_ENGINE_OPTIONS = {"ham_bin_budget": 0.5}
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(30):
            sub, label = example(i)
            services.spam_learn(submission=sub, label=label)
    whole = state.rebuild(POOL, window=0)
    settings.GAZETTE_ANTISPAM_REBUILD_WINDOW = 30
    assert bytes(state.rebuild(POOL).blob) == bytes(whole.blob)  # a window that holds them all

    windowed = state.rebuild(POOL, window=12)  # raised to 20
    expected = Engine(state.engine_config())
    rows = LabelledExample.objects.filter(pool=POOL).order_by("id")
    expected.fit(((e.to_submission(), e.label, e.history_stats()) for e in rows), window=20)
    expected.last_example_id = rows.last().id
    assert bytes(windowed.blob) == expected.dumps() != bytes(whole.blob)
    assert windowed.examples_seen == whole.examples_seen == 30
    settings.GAZETTE_ANTISPAM_REBUILD_WINDOW = 5  # the setting is raised the same way
    assert bytes(state.rebuild(POOL).blob) == bytes(windowed.blob)


def test_the_rebuild_window_holds_enough_ham_for_the_budget():
    assert state.effective_window(50_000, 0.01) == 50_000
    assert state.effective_window(300, 0.01) == 1_000
    assert state.effective_window(300, 0.001) == 10_000
    assert state.effective_window(0, 0.001) == 0


def test_engine_options_reach_the_engine_and_unknown_ones_are_refused(settings) -> None:
    settings.GAZETTE_ANTISPAM_ENGINE_OPTIONS = {"char_model_weight": 0.0}
    assert state.engine_config().char_model_weight == 0.0
    for bad in ({"char_model_wieght": 0}, {"secret_key": "x"}):
        settings.GAZETTE_ANTISPAM_ENGINE_OPTIONS = bad
        with pytest.raises(ImproperlyConfigured, match="not an engine setting"):
            state.engine_config()


def test_a_misspelt_engine_option_fails_the_system_checks(settings) -> None:
    from gazette.antispam.apps import check_engine_options

    assert check_engine_options() == []
    settings.GAZETTE_ANTISPAM_ENGINE_OPTIONS = {"char_model_wieght": 0}
    errors = check_engine_options()
    assert [e.id for e in errors] == ["antispam.E001"]
    assert "char_model_wieght" in errors[0].msg


@pytest.mark.django_db
def test_the_test_wrapper_is_marked_and_a_real_transaction_counts():
    # gazette/conftest.py tells the test wrapper from a caller's transaction by Django's mark.
    from django.db import connection, transaction

    assert connection.atomic_blocks
    assert all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)
    assert not state._inside_transaction()
    with transaction.atomic():
        assert state._inside_transaction()

"""Each process's in-memory engines, kept in step with the database.

An engine's state is a pure function of its pool's labelled examples in id order: the latest
snapshot of the pool's current generation, then every example after it replayed with
``Engine.learn``. Learning only ever INSERTs an example (under the pool row's lock, so that
examples commit in id order); no process applies an example it has not read back from the
database, so two processes that have caught up to the same id hold identical state, whoever
learned what. A rebuild starts a new generation from a fresh snapshot, and every process
reloads when it sees the generation change.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction

from . import conf
from .engine import Config, Engine, HistoryStats, Label, MemoryHistory, Submission
from .models import EnginePool, EngineSnapshot, LabelledExample

logger = logging.getLogger("gazette.antispam")

REPLAY_CHUNK = 500
KEY_POOL_PREFIX = "key:"
SNAPSHOTS_KEPT = 3


def engine_config() -> Config:
    options = dict(conf.get("GAZETTE_ANTISPAM_ENGINE_OPTIONS") or {})
    unknown = sorted(
        name for name in options if name not in Config.__dataclass_fields__ or name == "secret_key"
    )
    if unknown:
        raise ImproperlyConfigured(
            f"GAZETTE_ANTISPAM_ENGINE_OPTIONS: {', '.join(unknown)} not an engine setting"
            " (secret_key has its own, GAZETTE_ANTISPAM_SECRET_KEY)"
        )
    options.setdefault("ham_bin_budget", float(conf.get("GAZETTE_ANTISPAM_HAM_BUDGET")))
    return Config(secret_key=conf.secret_key(), **options)


@dataclass
class _Slot:
    lock: threading.RLock = field(default_factory=threading.RLock)
    engine: Engine | None = None
    generation: int = -1
    synced_at: float = 0.0


_slots: dict[str, _Slot] = {}
_slots_lock = threading.Lock()


def _slot(pool: str) -> _Slot:
    with _slots_lock:
        slot = _slots.get(pool)
        if slot is None:
            slot = _slots[pool] = _Slot()
        return slot


def warm(pool: str | None = None) -> bool:
    """Load a pool's engine now (a web process at start-up), so that no request pays for it.

    Loading decodes the newest snapshot and replays what came after it: about 100 ms that
    otherwise landed on each worker's first check. Whether an engine was loaded; a database
    that is not there or not migrated yet is left for the first request to report, and
    nothing here stops a web process from starting.
    """
    try:
        with engine_for(pool or conf.default_pool()):
            return True
    except DatabaseError as error:
        logger.warning("antispam: engine not loaded at start-up (%s)", error)
    except Exception:
        # The site must start even so; checks will answer 503 and say why in the log.
        logger.exception("antispam: engine not loaded at start-up")
    return False


def loaded(pool: str) -> bool:
    with _slots_lock:
        slot = _slots.get(pool)
    return slot is not None and slot.engine is not None


def forget() -> None:
    """Drop every in-memory engine (tests; a process that wants a cold start)."""
    with _slots_lock:
        _slots.clear()
    _forks_seen.clear()


def _inside_transaction() -> bool:
    """Whether uncommitted rows of ours could be read.

    Replaying an example that a surrounding transaction later rolls back would leave this
    process's engine different from every other's; such a caller gets the state as of the
    last sync instead. (The test suite's conftest discounts a test case's own wrapper.)
    """
    return connection.in_atomic_block


@contextmanager
def engine_for(pool: str, *, force_sync: bool = False, sync: bool = True) -> Iterator[Engine]:
    """The pool's engine, caught up with the database, locked for the caller's use.

    ``sync=False`` skips looking for new examples once the engine is loaded: enough for
    ``Engine.keys``, which depends on the secret only.
    """
    slot = _slot(pool)
    with slot.lock:
        if sync or slot.engine is None:
            _sync(pool, slot, force=force_sync)
        assert slot.engine is not None
        yield slot.engine


def _sync(pool: str, slot: _Slot, *, force: bool) -> None:
    now = time.monotonic()
    if slot.engine is not None:
        if _inside_transaction():
            return
        interval = conf.get("GAZETTE_ANTISPAM_SYNC_MS") / 1000.0
        if not force and interval > 0 and now - slot.synced_at < interval:
            return
    generation, latest = _pool_position(pool)
    if slot.engine is None or slot.generation != generation:
        slot.engine = load_engine(pool, generation)
        slot.generation = generation
    if latest is not None and (slot.engine.last_example_id or 0) < latest:
        replay(pool, slot.engine)
    slot.synced_at = now


def _pool_position(pool: str) -> tuple[int, int | None]:
    """(generation, latest example id) of a pool: read before every check, so plain SQL."""
    ops = connection.ops
    table = ops.quote_name(EnginePool._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT generation, latest_example_id FROM {table} WHERE name = %s", [pool]
        )
        row = cursor.fetchone()
    return (int(row[0]), row[1]) if row else (0, None)


def load_engine(pool: str, generation: int) -> Engine:
    """The newest snapshot of the pool's generation, or a fresh engine."""
    config = engine_config()
    snapshot = (
        EngineSnapshot.objects.filter(pool=pool, generation=generation)
        .order_by("-last_example_id", "-id")
        .first()
    )
    if snapshot is None:
        return Engine(config)
    try:
        engine = Engine.loads(bytes(snapshot.blob), secret_key=config.secret_key)
        wanted = replace(config, secret_key=engine.config.secret_key)
        if engine.config != wanted:
            changes = {
                name: getattr(wanted, name)
                for name in Config.__dataclass_fields__
                if name != "secret_key" and getattr(wanted, name) != getattr(engine.config, name)
            }
            # Refused (ValueError) for settings that change the features.
            engine = engine.with_config(**changes)
    except ValueError as error:
        # A changed secret, an old format or other text features: every process meets the
        # same failure and replays the whole log, so they still agree; `gazette antispam
        # rebuild` makes it fast again.
        logger.warning("antispam: snapshot %s unusable (%s); replaying every example",
                       snapshot.pk, error)
        return Engine(config)
    return engine


def replay(pool: str, engine: Engine) -> int:
    """Apply the pool's examples after ``engine.last_example_id``, in id order."""
    applied = 0
    while True:
        after = engine.last_example_id or 0
        chunk = list(
            LabelledExample.objects.filter(pool=pool, id__gt=after).order_by("id")[:REPLAY_CHUNK]
        )
        for example in chunk:
            engine.learn(
                example.to_submission(),
                example.engine_label,
                example.history_stats(),
                example_id=example.id,
                foreign=example.is_foreign,
            )
        applied += len(chunk)
        if len(chunk) < REPLAY_CHUNK:
            return applied


def lock_pool(pool: str) -> EnginePool:
    """The pool's row, locked until the surrounding transaction ends (create it if new)."""
    EnginePool.objects.get_or_create(name=pool)
    return EnginePool.objects.select_for_update().get(name=pool)


def insert_example(pool: str, fields: dict[str, object]) -> tuple[LabelledExample, bool]:
    """Append one example; returns it and whether a snapshot is due."""
    every = max(1, int(conf.get("GAZETTE_ANTISPAM_SNAPSHOT_EVERY")))
    with transaction.atomic():
        row = lock_pool(pool)
        example = LabelledExample.objects.create(pool=pool, **fields)
        row.latest_example_id = example.id
        row.examples_since_snapshot += 1
        due = row.examples_since_snapshot >= every
        if due:
            row.examples_since_snapshot = 0
        row.save(update_fields=["latest_example_id", "examples_since_snapshot", "updated"])
    return example, due


def after_learn(pool: str, snapshot_due: bool) -> None:
    """Catch up with what was just committed, and write the snapshot if one is due."""
    slot = _slot(pool)
    with slot.lock:
        _sync(pool, slot, force=True)
        engine = slot.engine
        assert engine is not None
        if not snapshot_due:
            return
        generation = slot.generation
        blob = engine.dumps()
        meta = (engine.version, engine.examples_seen, engine.last_example_id)
    save_snapshot(pool, generation, blob, *meta)


def save_snapshot(
    pool: str, generation: int, blob: bytes, version: int, seen: int, last_id: int | None
) -> EngineSnapshot:
    snapshot = EngineSnapshot.objects.create(
        pool=pool, generation=generation, version=version, examples_seen=seen,
        last_example_id=last_id, blob=blob,
    )
    keep = list(
        EngineSnapshot.objects.filter(pool=pool)
        .order_by("-generation", "-last_example_id", "-id")
        .values_list("id", flat=True)[:SNAPSHOTS_KEPT]
    )
    EngineSnapshot.objects.filter(pool=pool).exclude(id__in=keep).delete()
    return snapshot


def snapshot_now(pool: str) -> EngineSnapshot:
    """Write a snapshot of the pool's current state (same generation)."""
    slot = _slot(pool)
    with slot.lock:
        _sync(pool, slot, force=True)
        engine = slot.engine
        assert engine is not None
        generation = slot.generation
        blob = engine.dumps()
        meta = (engine.version, engine.examples_seen, engine.last_example_id)
    return save_snapshot(pool, generation, blob, *meta)


def pools() -> list[str]:
    names = set(EnginePool.objects.values_list("name", flat=True))
    names.update(LabelledExample.objects.values_list("pool", flat=True).distinct())
    # Key pools last: under shared learning a rebuild starts them from the rebuilt model.
    return sorted(names, key=lambda name: (name.startswith(KEY_POOL_PREFIX), name))


def effective_window(window: int, ham_bin_budget: float) -> int:
    """A rebuild window (0: every decision) raised to ten over the engine's ham budget.

    The window's ham give the bin threshold, which needs 1/budget of them (measured on SMS
    at 0.1%: a window of 1,000 binned no spam at all; 2,000 caught 87% where every
    decision caught 94%).
    """
    if window <= 0:
        return 0
    return max(window, math.ceil(10 / ham_bin_budget)) if ham_bin_budget > 0 else window


def rebuild(pool: str, *, batch: bool = True, window: int | None = None) -> EngineSnapshot:
    """Retrain the pool from every stored example and start a new generation from it.

    ``batch`` trains with ``Engine.fit`` (several passes, cross-fitted thresholds), which
    learns more from a seeded corpus than one online pass; without it the examples are
    replayed online, exactly as the processes would. Either way the examples stream from
    the database in id order: a rebuild holds their features, never the rows. A batch
    rebuild trains its weights on ``window`` examples, the newest of the sites' own first
    (None: the setting ``GAZETTE_ANTISPAM_REBUILD_WINDOW``; 0: all of them), and counts
    the others. See :func:`effective_window`.
    """
    if is_fork(pool):
        return refork(pool)
    config = engine_config()
    window = effective_window(conf.rebuild_window() if window is None else window,
                              config.ham_bin_budget)
    rows = LabelledExample.objects.filter(pool=pool).order_by("id").iterator(chunk_size=2000)
    engine = Engine(config)
    last: list[int] = []

    def decisions() -> Iterator[tuple[Submission, Label, HistoryStats, bool]]:
        for e in rows:
            last[:] = [e.id]
            yield e.to_submission(), e.engine_label, e.history_stats(), e.is_foreign

    if batch:
        engine.fit(decisions(), window=window or None)
    else:
        for sub, label, stats, foreign in decisions():
            engine.learn(sub, label, stats, example_id=last[0], foreign=foreign)
    engine.last_example_id = last[0] if last else None
    blob = engine.dumps()
    with transaction.atomic():
        row = lock_pool(pool)
        row.generation += 1
        row.examples_since_snapshot = 0
        if row.latest_example_id is None:
            row.latest_example_id = engine.last_example_id
        row.save(update_fields=["generation", "examples_since_snapshot",
                                "latest_example_id", "updated"])
        snapshot = save_snapshot(pool, row.generation, blob, engine.version,
                                 engine.examples_seen, engine.last_example_id)
    return snapshot


def stats_for_corpus(
    engine: Engine, rows: list[tuple[Submission, Label]]
) -> list[HistoryStats]:
    """History counts for a labelled corpus, as if its rows had arrived in file order."""
    history = MemoryHistory()
    out: list[HistoryStats] = []
    for sub, _label in rows:
        keys = engine.keys(sub)
        out.append(history.stats(keys))
        history.add(keys)
    return out


# --- A key's own pool under shared learning ------------------------------------------------
# Under shared learning a key whose reports have not (yet) been agreed by other keys learns
# them in a pool of its own, a *fork*: the shared model as it was when the key first
# reported, its own reports, and a copy of everything the shared pool learns afterwards.
# Each pool is still replayed alone, in id order, like any other.


def is_fork(pool: str) -> bool:
    return conf.shared_learning() and pool.startswith(KEY_POOL_PREFIX)


_forks_seen: set[str] = set()


def forked(pool: str) -> bool:
    """Whether a key's own pool exists (asked on every check: once there, it stays)."""
    if pool in _forks_seen:
        return True
    if EnginePool.objects.filter(name=pool).exists():
        _forks_seen.add(pool)
        return True
    return False


def forks() -> list[str]:
    return list(EnginePool.objects.filter(name__startswith=KEY_POOL_PREFIX)
                .values_list("name", flat=True))


def copy_example(example: LabelledExample, pool: str) -> tuple[LabelledExample, bool]:
    """Append a copy of ``example`` to ``pool`` (its source, key and site kept)."""
    fields = {f.attname: getattr(example, f.attname) for f in LabelledExample._meta.concrete_fields
              if f.attname not in ("id", "pool")}
    return insert_example(pool, fields)


def share(example: LabelledExample, skip: set[str] | frozenset[str] = frozenset()) -> None:
    """Copy what the shared pool learns into every key's own pool (but those in ``skip``,
    which learned it themselves)."""
    for pool in forks():
        if pool not in skip:
            copy_example(example, pool)


def fork(pool: str) -> None:
    """Start a key's own pool from the shared model as it is now (nothing if it exists)."""
    base = conf.SHARED_POOL
    if forked(pool):
        return
    with engine_for(base, force_sync=True) as engine:
        blob, generation = engine.dumps(), 0
        meta = (engine.version, engine.examples_seen, engine.last_example_id)
    with transaction.atomic():
        lock_pool(base)  # no shared example commits meanwhile
        row, created = EnginePool.objects.get_or_create(name=pool)
        if not created:
            return
        save_snapshot(pool, generation, blob, *meta)
        # Shared examples committed after the model above was read: copied, so that the
        # fork misses nothing the shared pool learned.
        later = LabelledExample.objects.filter(pool=base, id__gt=meta[2] or 0).order_by("id")
        for example in later:
            copy_example(example, pool)
    _forks_seen.add(pool)


def refork(pool: str) -> EngineSnapshot:
    """Rebuild a key's own pool: the shared model now, then the key's own reports replayed
    (copies of shared examples are in the shared model already)."""
    key_id = int(pool[len(KEY_POOL_PREFIX):])
    with engine_for(conf.SHARED_POOL, force_sync=True) as shared:
        engine = Engine.loads(shared.dumps(), secret_key=conf.secret_key())
    base_last = engine.last_example_id or 0
    own = LabelledExample.objects.filter(pool=pool, api_key_id=key_id).order_by("id")
    last = base_last
    for example in own.iterator(chunk_size=REPLAY_CHUNK):
        engine.learn(example.to_submission(), example.engine_label,
                     example.history_stats(), example_id=example.id,
                     foreign=example.is_foreign)
        last = max(last, example.id)
    engine.last_example_id = last
    with transaction.atomic():
        row = lock_pool(pool)
        # Copies of shared examples after ``base_last`` and own reports after ``last`` are
        # replayed from here on; those in between are in the model already.
        row.generation += 1
        row.examples_since_snapshot = 0
        row.save(update_fields=["generation", "examples_since_snapshot", "updated"])
        return save_snapshot(pool, row.generation, engine.dumps(), engine.version,
                             engine.examples_seen, engine.last_example_id)

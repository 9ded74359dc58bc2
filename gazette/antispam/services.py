"""The spam defence's in-process interface: check a submission, learn a decision.

The comment pipeline calls :func:`spam_check` when a comment arrives and :func:`spam_learn`
when a moderator decides; the Akismet door calls the same functions through ``keys.py``
with its key's pool. Business rules live here and in the engine; doors only translate.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field

from django.db import connection, transaction
from django.utils import timezone

from . import conf, state
from .activity import DatabaseHistory
from .counts import (
    DAILY_FIELD,
    Statement,
    count_daily,
    count_usage,
    daily_count_key,
    upsert_counts,
    usage_count_key,
)
from .engine import HistoryStats, Submission, SubmissionKeys, Verdict
from .models import ApiKey, DailyCount, Label, LabelledExample, Source, UsageCount

SPAM_KINDS = ("spam", "discard")


@dataclass(frozen=True)
class CheckOutcome:
    """A verdict with what a later report on the same submission needs.

    ``record``: with ``spam_check(defer=True)``, what is still to be written (the
    recent activity and the counts), to be called once; None when nothing is left to do.
    """

    verdict: Verdict
    stats: HistoryStats
    guid: str
    pool: str
    record: Callable[[], None] | None = dataclass_field(default=None, compare=False,
                                                        repr=False)


def _pool(pool: str | None) -> str:
    return pool or conf.default_pool()


def _activity_pool(pool: str) -> str:
    """Where a pool's recent activity and daily counts live: a key's own pool under shared
    learning keeps them with everyone's (bursts across sites, one dashboard)."""
    return conf.SHARED_POOL if state.is_fork(pool) else pool


def _bounded(sub: Submission) -> Submission:
    """Cut the text to the configured size: the engine's cost grows with it."""
    limit = int(conf.get("GAZETTE_ANTISPAM_MAX_CONTENT"))
    if len(sub.content) > limit:
        return replace(sub, content=sub.content[:limit])
    return sub


def _scope(api_key: ApiKey | None) -> str:
    """Whose checks a report may find: an API key's own, or (no key) this site's."""
    return "" if api_key is None else f"key:{api_key.pk}"


def match_hash(sub: Submission, scope: str = "") -> str:
    """A salted hash of the fields a site sends again when it reports a submission, within
    ``scope`` (see :func:`_scope`): one key's report never finds another key's check."""
    parts = "\0".join(
        (sub.content.strip(), sub.author.strip(), sub.author_email.strip().lower(),
         sub.user_ip.strip())
    )
    if scope:
        parts = f"{scope}\0{parts}"
    return hmac.new(
        conf.secret_key().encode(), parts.encode("utf-8", "surrogatepass"), hashlib.sha256
    ).hexdigest()[:32]


def stored_guid(guid: str, scope: str = "") -> str:
    """The guid as recorded: a key's checks are stored under a hash of the key and the guid
    it was given, so that a guid sent with another key finds nothing (guids travel through
    sites' databases and logs, and are no secret)."""
    if not scope or not guid:
        return guid
    return hmac.new(conf.secret_key().encode(), f"{scope}\0{guid}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def spam_check(
    *,
    submission: Submission,
    pool: str | None = None,
    record: bool = True,
    api_key: ApiKey | None = None,
    site: str = "",
    defer: bool = False,
    verdict: Verdict | None = None,
) -> CheckOutcome:
    """Classify a submission: ``outcome.verdict.kind`` is ``ham`` (publish), ``hold`` (for a
    moderator), ``spam`` (to the spam folder) or ``discard`` (drop unseen).

    ``pool``: whose model checks it (None: this site's, ``conf.default_pool()``).
    ``record``: remember it for the behaviour signals (bursts, duplicates), for a later
    :func:`spam_learn` of the same submission, and in the daily counts; off for a preview
    or a recheck. ``api_key``/``site``: a door serving API keys counts the call in the key's
    monthly usage too (in the same transaction: one commit per check).
    ``defer``: leave those writes to the caller, as ``outcome.record``, to be called once
    (the Akismet API answers first and records right after; the writes are the same).
    ``verdict``: decided by the caller, not the engine (the Akismet door's test values), and
    recorded as the engine's would be.

    Keep ``outcome.guid`` and ``outcome.stats`` with what was checked: passed back to
    :func:`spam_learn` they tie a moderator's decision to this check."""
    pool = _pool(pool)
    sub = _bounded(submission)
    with state.engine_for(pool, sync=False) as engine:
        keys: SubmissionKeys = engine.keys(sub)
    # The record keeps the check's time even when it is written later (a locked database).
    history = DatabaseHistory(_activity_pool(pool), now=timezone.now())
    stats = history.stats(keys)
    if verdict is None:
        with state.engine_for(pool) as engine:
            verdict = engine.check(sub, stats, keys=keys)
    guid = uuid.uuid4().hex
    scope = _scope(api_key)
    if not record and api_key is None:
        return CheckOutcome(verdict, stats, guid, pool)

    counts: list[Statement | None] = []
    if record:
        counts.append(upsert_counts(DailyCount, daily_count_key(history.pool), checks=1,
                                    **{DAILY_FIELD[verdict.kind]: 1}))
    if api_key is not None:
        answer = "spam" if verdict.is_spam else "ham"
        counts.append(upsert_counts(UsageCount, usage_count_key(api_key, site), calls=1,
                                    **{answer: 1}))
    along = [statement for statement in counts if statement is not None]
    row = ({"match_hash": match_hash(sub, scope), "guid": stored_guid(guid, scope)}
           if record else {})

    # Built now, written by write(): a caller that defers the writes into a transaction of
    # its own (a comment's) holds the database's write lock only while they run.
    prepared = (history.prepare(keys, kind=verdict.kind, score=verdict.score, stats=stats,
                                along=along, **row) if record else None)

    def write() -> None:
        # One transaction (one statement on PostgreSQL): a failed try leaves nothing behind,
        # so it can be tried again.
        if prepared is not None:
            history.write(prepared)
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in along:
                cursor.execute(*statement)

    if defer:
        return CheckOutcome(verdict, stats, guid, pool, record=write)
    write()
    return CheckOutcome(verdict, stats, guid, pool)


def spam_learn(
    *,
    submission: Submission,
    label: str,
    source: str = Source.MODERATION,
    pool: str | None = None,
    stats: HistoryStats | None = None,
    guid: str = "",
    api_key: ApiKey | None = None,
    site: str = "",
) -> LabelledExample:
    """Learn that ``submission`` is ``label`` ("spam" or "ham"): a moderator's decision
    (``source`` ``Source.MODERATION``), a key's report (``Source.API``).

    Pass the ``stats`` and ``guid`` of the :func:`spam_check` when you have them; otherwise
    the recorded check of the same submission (found by ``guid`` or by its fields) supplies
    them, or failing that the current history. A decision that contradicts the recorded
    verdict counts as missed spam or a false positive. Every process learns the example, in
    id order; this one as soon as the surrounding transaction commits. Raises ValueError for
    any other label.
    """
    if label not in Label.values:
        raise ValueError(f"label must be one of {Label.values}, not {label!r}")
    pool = _pool(pool)
    sub = _bounded(submission)
    history = DatabaseHistory(_activity_pool(pool))
    scope = _scope(api_key)
    recorded = history.find(guid=stored_guid(guid, scope), match_hash=match_hash(sub, scope))
    checked_as = recorded.kind if recorded is not None else ""
    if stats is None:
        if recorded is not None:
            stats = HistoryStats.from_dict(recorded.stats or {})
        else:
            with state.engine_for(pool, sync=False) as engine:
                keys = engine.keys(sub)
            stats = history.stats(keys)
    fields = LabelledExample.fields_from(sub, int(conf.get("GAZETTE_ANTISPAM_MAX_CONTENT")))
    fields.update(
        label=label, source=source, api_key=api_key, site=site[:255],
        stats=stats.to_dict(), checked_as=checked_as,
    )
    missed = int(label == "spam" and checked_as in ("ham", "hold"))
    false_positive = int(label == "ham" and checked_as in SPAM_KINDS)
    with transaction.atomic():
        example, snapshot_due = state.insert_example(pool, fields)
        if pool == conf.SHARED_POOL and conf.shared_learning():
            state.share(example)
        count_daily(history.pool, missed_spam=missed, false_positives=false_positive)
        if api_key is not None:
            count_usage(api_key, site, missed_spam=missed, false_positives=false_positive)
        transaction.on_commit(lambda: state.after_learn(pool, snapshot_due))
    return example


def verdicts_today(examples: Iterable[LabelledExample]) -> dict[int, Verdict]:
    """What the engine says about each example now, with the stats it had at check time."""
    by_pool: dict[str, list[LabelledExample]] = {}
    for example in examples:
        by_pool.setdefault(example.pool, []).append(example)
    out: dict[int, Verdict] = {}
    for pool, members in by_pool.items():
        with state.engine_for(pool) as engine:
            for example in members:
                out[example.pk] = engine.check(example.to_submission(), example.history_stats())
    return out


def personal_data_erase(email: str, *, delete: bool = False) -> int:
    """Erase the labelled examples' personal data of ``email`` (a commenter's erasure request;
    ``delete``: the examples go altogether). How many examples changed; see
    ``retention.examples_erase``. Run outside a transaction."""
    from .retention import examples_erase

    return examples_erase(email, delete=delete)

"""The spam defence's in-process interface: check a submission, learn a decision.

The comment pipeline calls :func:`spam_check` when a comment arrives and :func:`spam_learn`
when a moderator decides; the Akismet-compatible API (``views.py``) calls the same functions
with its key's pool. Business rules live here; views only translate HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import date

from django.core import signing
from django.db import connection, transaction
from django.db.models import Model, PositiveBigIntegerField
from django.utils import timezone

from . import conf, state
from .engine.types import HistoryStats, Submission, SubmissionKeys, Verdict
from .history import DatabaseHistory
from .models import (
    KEY_RE,
    ApiKey,
    ApiKeySite,
    DailyCount,
    LabelledExample,
    Source,
    UsageCount,
    site_host,
)

SPAM_KINDS = ("spam", "discard")


@dataclass(frozen=True)
class CheckOutcome:
    """A verdict with what a later report on the same submission needs.

    ``record``: with ``check_submission(defer=True)``, what is still to be written (the
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


Statement = tuple[str, list[object]]


def upsert_counts(model: type[Model], lookup: dict[str, object],
                  **increments: int) -> Statement | None:
    """SQL that adds to counters in one upsert (INSERT ... ON CONFLICT DO UPDATE SET n = n + k).

    One statement, so concurrent requests never lose a count, and a cheap one: it runs for
    every check. ``lookup`` must name the columns of the model's unique constraint. None when
    there is nothing to add.
    """
    increments = {name: value for name, value in increments.items() if value}
    if not increments:
        return None
    ops = connection.ops
    meta = model._meta
    counters = [f for f in meta.concrete_fields
                if isinstance(f, PositiveBigIntegerField)]
    key_fields = [meta.get_field(name) for name in lookup]
    columns = [f.column for f in key_fields] + [f.column for f in counters]
    values: list[object] = []
    for field in key_fields:
        value = lookup[field.name]
        if isinstance(value, Model):
            value = value.pk
        values.append(field.get_db_prep_value(value, connection))
    values += [increments.get(f.name, 0) for f in counters]
    table = ops.quote_name(meta.db_table)
    updates = ", ".join(
        f"{ops.quote_name(f.column)} = {table}.{ops.quote_name(f.column)} + "
        f"excluded.{ops.quote_name(f.column)}"
        for f in counters if f.name in increments
    )
    sql = (
        f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(ops.quote_name(f.column) for f in key_fields)}) "
        f"DO UPDATE SET {updates}"
    )
    return sql, values


def _bump(model: type[Model], lookup: dict[str, object], **increments: int) -> None:
    statement = upsert_counts(model, lookup, **increments)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def daily_count_key(pool: str) -> dict[str, object]:
    """The row of ``DailyCount`` that today's activity of ``pool`` adds to."""
    return {"day": timezone.localdate(), "pool": pool}


def usage_count_key(api_key: ApiKey, site: str) -> dict[str, object]:
    """The row of ``UsageCount`` that this month's calls of a key for a site add to."""
    return {"api_key": api_key, "site": site[:255], "month": timezone.now().date().replace(day=1)}


def count_daily(pool: str, **increments: int) -> None:
    _bump(DailyCount, daily_count_key(pool), **increments)


def count_usage(api_key: ApiKey, site: str, **increments: int) -> None:
    _bump(UsageCount, usage_count_key(api_key, site), **increments)


_DAILY_FIELD = {"ham": "ham", "hold": "held", "spam": "spam", "discard": "discarded"}


def check_submission(
    *,
    submission: Submission,
    pool: str | None = None,
    record: bool = True,
    api_key: ApiKey | None = None,
    site: str = "",
    defer: bool = False,
) -> CheckOutcome:
    """Classify a submission; with ``record``, remember it for the behaviour signals, for a
    later report of the same submission, and in the daily counts. With ``api_key``, count the
    call in the key's monthly usage too (in the same transaction: one commit per check).

    ``defer``: leave those writes to the caller, as ``outcome.record`` (the API answers
    first and records right after; the counts are the same upserts either way)."""
    pool = _pool(pool)
    sub = _bounded(submission)
    with state.engine_for(pool, sync=False) as engine:
        keys: SubmissionKeys = engine.keys(sub)
    # The record keeps the check's time even when it is written later (a locked database).
    history = DatabaseHistory(_activity_pool(pool), now=timezone.now())
    stats = history.stats(keys)
    with state.engine_for(pool) as engine:
        verdict = engine.check(sub, stats, keys=keys)
    guid = uuid.uuid4().hex
    scope = _scope(api_key)
    if not record and api_key is None:
        return CheckOutcome(verdict, stats, guid, pool)

    counts: list[Statement | None] = []
    if record:
        counts.append(upsert_counts(DailyCount, daily_count_key(history.pool), checks=1,
                                    **{_DAILY_FIELD[verdict.kind]: 1}))
    if api_key is not None:
        answer = "spam" if verdict.is_spam else "ham"
        counts.append(upsert_counts(UsageCount, usage_count_key(api_key, site), calls=1,
                                    **{answer: 1}))
    along = [statement for statement in counts if statement is not None]
    row = ({"match_hash": match_hash(sub, scope), "guid": stored_guid(guid, scope)}
           if record else {})

    def write() -> None:
        # One transaction (one statement on PostgreSQL): a failed try leaves nothing behind,
        # so it can be tried again.
        if record:
            history.add(keys, kind=verdict.kind, score=verdict.score, stats=stats,
                        along=along, **row)
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in along:
                cursor.execute(*statement)

    if defer:
        return CheckOutcome(verdict, stats, guid, pool, record=write)
    write()
    return CheckOutcome(verdict, stats, guid, pool)


def spam_check(*, submission: Submission, pool: str | None = None, record: bool = True) -> Verdict:
    """Classify a submission: ``ham`` publish, ``hold`` for a moderator, ``spam`` to the spam
    folder, ``discard`` drop unseen. See :func:`check_submission` for ``record``."""
    return check_submission(submission=submission, pool=pool, record=record).verdict


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
    """Learn that ``submission`` is ``label`` ("spam" or "ham").

    Pass the ``stats`` of the check when you have them; otherwise the recorded check of the
    same submission (found by ``guid`` or by its fields) supplies them, or failing that the
    current history. A report that contradicts the recorded verdict counts as missed spam or a
    false positive. Every process learns the example, in id order; this one as soon as the
    surrounding transaction commits.
    """
    if label not in ("spam", "ham"):
        raise ValueError(f"label must be 'spam' or 'ham', not {label!r}")
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
            _share(example)
        count_daily(history.pool, missed_spam=missed, false_positives=false_positive)
        if api_key is not None:
            count_usage(api_key, site, missed_spam=missed, false_positives=false_positive)
        transaction.on_commit(lambda: state.after_learn(pool, snapshot_due))
    return example


# --- The Akismet-compatible API ---------------------------------------------------------------


@dataclass(frozen=True)
class KeyCheck:
    """Whether a key may be used for a site; ``problem`` explains a refusal."""

    api_key: ApiKey | None
    site: str
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.api_key is not None and not self.problem


_KEY_FIELDS = ("id", "key", "is_active", "monthly_limit")


def _key_and_sites(key: str) -> tuple[ApiKey | None, dict[str, bool]]:
    """The key (its other fields deferred) and its sites' hosts -> revoked, in one query.

    Every API call starts here, so it is one plain-SQL join rather than two ORM queries.
    """
    ops = connection.ops
    keys = ops.quote_name(ApiKey._meta.db_table)
    sites = ops.quote_name(ApiKeySite._meta.db_table)
    columns = ", ".join(f"k.{ops.quote_name(ApiKey._meta.get_field(name).column)}"
                        for name in _KEY_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, s.host, s.is_revoked FROM {keys} k "
            f"LEFT JOIN {sites} s ON s.api_key_id = k.id WHERE k.{ops.quote_name('key')} = %s",
            [key],
        )
        rows = cursor.fetchall()
    if not rows:
        return None, {}
    pk, value, active, limit = rows[0][:4]
    api_key = ApiKey.from_db(connection.alias, list(_KEY_FIELDS),
                             [pk, value, bool(active), limit])
    return api_key, {host: bool(revoked) for *_, host, revoked in rows if host is not None}


def authenticate(key: str, blog: str | None = None) -> KeyCheck:
    """Look up an API key and, when ``blog`` is given, check that it may serve that site.

    A key with no sites listed serves any site; otherwise the site's host must be listed
    and not revoked.
    """
    key = (key or "").strip()
    site = site_host(blog or "")
    if not key:
        return KeyCheck(None, site, "Empty \"api_key\" value")
    if not KEY_RE.match(key):
        return KeyCheck(None, site, "API keys are 12 lowercase hexadecimal characters")
    api_key, listed = _key_and_sites(key)
    if api_key is None:
        return KeyCheck(None, site, "Unknown API key")
    if not api_key.is_active:
        return KeyCheck(None, site, "This API key is no longer active")
    if blog is None:
        return KeyCheck(api_key, site)
    if not site:
        return KeyCheck(api_key, site, "Empty or unreadable \"blog\" value")
    if listed:
        if site not in listed:
            return KeyCheck(api_key, site, f"This key is not registered for {site}")
        if listed[site]:
            return KeyCheck(api_key, site, f"This key was revoked for {site}")
    return KeyCheck(api_key, site)


# The WordPress plugin frames its statistics charts with a token it asks ``1.1/token`` for.
# The token names the key by its row id (never the key itself: the frames' addresses pass
# through the editor's browser) and is signed, so it cannot be made up or altered; it is
# good for a day, and the key must still be active and serve the site when it is used.
STATS_TOKEN_SALT = "gazette.antispam.stats-frames"
STATS_TOKEN_MAX_AGE = 24 * 60 * 60


def stats_token(api_key: ApiKey) -> str:
    return signing.TimestampSigner(salt=STATS_TOKEN_SALT).sign(str(api_key.pk))


def authenticate_stats_token(token: str, blog: str) -> KeyCheck:
    """The key a statistics token stands for, checked for ``blog`` as :func:`authenticate`
    checks a key."""
    site = site_host(blog or "")
    try:
        pk = signing.TimestampSigner(salt=STATS_TOKEN_SALT).unsign(
            (token or "").strip(), max_age=STATS_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        return KeyCheck(None, site, "This statistics link has expired")
    except signing.BadSignature:
        return KeyCheck(None, site, "This statistics link is not valid")
    key = ApiKey.objects.filter(pk=int(pk)).values_list("key", flat=True).first()
    if key is None:
        return KeyCheck(None, site, "Unknown API key")
    return authenticate(key, blog)


def _key_pool(api_key: ApiKey) -> str:
    """The pool a key's checks use: under shared learning, the shared one until the key has
    reported something of its own (see :func:`api_submit`)."""
    if not conf.shared_learning():
        return conf.pool_for_key(api_key.pk)
    own = f"{state.KEY_POOL_PREFIX}{api_key.pk}"
    return own if state.forked(own) else conf.SHARED_POOL


def api_check(*, api_key: ApiKey, site: str, submission: Submission,
              is_test: bool = False, defer: bool = False) -> CheckOutcome:
    """comment-check: test requests leave no trace; rechecks are not new activity.

    ``defer``: see :func:`check_submission` (the view records after sending the answer)."""
    return check_submission(
        submission=submission,
        pool=_key_pool(api_key),
        record=not is_test and not submission.recheck_reason,
        api_key=None if is_test else api_key,
        site=site,
        defer=defer,
    )


def api_submit(*, api_key: ApiKey, site: str, submission: Submission, label: str,
               is_test: bool = False, guid: str = "") -> LabelledExample | None:
    """submit-spam / submit-ham: learn the report, unless it is a test.

    Under shared learning a report counts at once for the key's own checks (in its own
    pool, a fork of the shared one) and reaches the shared pool, every other site's, only
    once ``GAZETTE_ANTISPAM_AGREEING_KEYS`` keys have reported the same text with the same
    label: one key cannot steer another site's verdicts."""
    if is_test:
        return None
    if not conf.shared_learning():
        return spam_learn(
            submission=submission, label=label, source=Source.API,
            pool=conf.pool_for_key(api_key.pk), guid=guid, api_key=api_key, site=site,
        )
    own = f"{state.KEY_POOL_PREFIX}{api_key.pk}"
    state.fork(own)
    example = spam_learn(submission=submission, label=label, source=Source.API, pool=own,
                         guid=guid, api_key=api_key, site=site)
    with transaction.atomic():
        _promote_if_agreed(example)
    return example


def _promote_if_agreed(example: LabelledExample) -> None:
    """Copy each agreeing key's first report of this text and label into the shared pool,
    once enough keys agree (each key counts once, however often it reports)."""
    needed = max(1, int(conf.get("GAZETTE_ANTISPAM_AGREEING_KEYS")))
    same = (LabelledExample.objects
            .filter(pool__startswith=state.KEY_POOL_PREFIX, source=Source.API,
                    label=example.label, content=example.content, api_key__isnull=False)
            .order_by("id").values_list("pool", "api_key_id", "id"))
    first: dict[int, int] = {}
    for pool, key_id, pk in same:
        if pool == f"{state.KEY_POOL_PREFIX}{key_id}":  # the key's own report, not a copy
            first.setdefault(key_id, pk)
    if len(first) < needed:
        return
    shared = set(LabelledExample.objects.filter(
        pool=conf.SHARED_POOL, source=Source.API, label=example.label,
        content=example.content, api_key_id__in=list(first),
    ).values_list("api_key_id", flat=True))
    voters = {f"{state.KEY_POOL_PREFIX}{key_id}" for key_id in first}
    for key_id, pk in first.items():
        if key_id in shared:
            continue
        copy, due = state.copy_example(LabelledExample.objects.get(pk=pk), conf.SHARED_POOL)
        _share(copy, skip=voters)
        transaction.on_commit(lambda due=due: state.after_learn(conf.SHARED_POOL, due))


def _share(example: LabelledExample, skip: set[str] | frozenset[str] = frozenset()) -> None:
    """Copy what the shared pool learns into every key's own pool (but those in ``skip``,
    which learned it themselves)."""
    for pool in state.forks():
        if pool not in skip:
            state.copy_example(example, pool)


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


def create_key(*, sites: Iterable[str] = (), name: str = "",
               monthly_limit: int | None = None) -> ApiKey:
    """A new API key, optionally restricted to the given sites."""
    key = ApiKey(name=name, monthly_limit=monthly_limit)
    for url in sites:
        key.sites.add(key.sites.model(url=url))
    key.save()
    return key


def month_start(day: date | None = None) -> date:
    return (day or timezone.now().date()).replace(day=1)

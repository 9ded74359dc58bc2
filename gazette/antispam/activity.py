"""Recent activity in the database: the engine's ``History`` shared by every process.

Counts are taken with indexed equality lookups on the hashed keys (IP /24 or /64 prefix,
e-mail, exact text, near-duplicate bands); near-duplicate candidates are confirmed by
comparing MinHash signatures in Python, as ``MemoryHistory`` does. Times are the server's
clock, not the submission's, so a client's wrong clock cannot hide a burst.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import conf
from .engine import HistoryStats, SubmissionKeys, count_near_duplicate_groups
from .models import RecentBand, RecentSubmission

# Near-duplicate candidates read per band, newest first: the engine's duplicate signals stop
# growing at about twenty, and a flood must not make each check slower than the last.
CANDIDATES_PER_BAND = 32
# Counts stop here for the same reason (the burst signal grows with the log of the count, so
# the cap is far above where it could change a verdict).
MAX_COUNT = 1000
# Every this many records a process deletes what has left the window.
PRUNE_EVERY = 500

_added = itertools.count(1)


@dataclass(frozen=True)
class PreparedRecord:
    """A check's record built for :meth:`DatabaseHistory.write`: the row, its distinct bands,
    the writes that go along, and the row's INSERT with its values (``_insert_parts``)."""

    row: RecentSubmission
    bands: list[str]
    along: list[tuple[str, Sequence[object]]]
    parts: tuple[str, list[object], str, str, object]


def article_key(article: str) -> str:
    """Articles are only compared for equality, so a short hash of the permalink will do."""
    if not article:
        return ""
    return hashlib.blake2b(article.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


class DatabaseHistory:
    """:class:`~gazette.antispam.engine.History` over ``RecentSubmission`` rows."""

    def __init__(
        self,
        pool: str,
        *,
        burst_seconds: float | None = None,
        dup_days: float | None = None,
        now: datetime | None = None,
    ) -> None:
        self.pool = pool
        self.burst = timedelta(
            seconds=burst_seconds
            if burst_seconds is not None
            else conf.get("GAZETTE_ANTISPAM_BURST_SECONDS")
        )
        self.dup = timedelta(
            days=dup_days if dup_days is not None else conf.get("GAZETTE_ANTISPAM_HISTORY_DAYS")
        )
        self._now = now

    def now(self) -> datetime:
        return self._now or timezone.now()

    def stats(self, keys: SubmissionKeys) -> HistoryStats:
        now = self.now()
        article = article_key(keys.article)
        (same_ip, same_email, exact_other), groups = self._lookup(
            keys, article, now - self.burst, now - self.dup
        )
        near_same = near_other = 0
        if keys.bands:
            # Candidates come grouped by signature (a flood repeats one text): each distinct
            # signature is confirmed once and counts for its group.
            near_same, near_other = count_near_duplicate_groups(
                replace(keys, article=article),
                ((article if same else None, _signature(sig), count)
                 for same, sig, count in groups),
            )
        return HistoryStats(
            same_ip_prefix=same_ip,
            same_email=same_email,
            exact_duplicates_other_articles=exact_other,
            near_duplicates_other_articles=near_other,
            near_duplicates_same_article=near_same,
        )

    # The lookup below runs on every comment: one statement in plain SQL, because building it
    # with the ORM cost several times more than running it. Each condition is an indexed
    # equality on its own column (pool, hash, at).
    def _lookup(
        self, keys: SubmissionKeys, article: str, burst_since: datetime, dup_since: datetime
    ) -> tuple[tuple[int, int, int], list[tuple[bool, object, int]]]:
        """The three counts (same network, same e-mail, same text on other articles) and the
        near-duplicate candidates: recent submissions sharing a band (at most
        ``CANDIDATES_PER_BAND`` per band, the newest), grouped as (same article?, signature,
        how many)."""
        ops = connection.ops
        recent = ops.quote_name(RecentSubmission._meta.db_table)
        at = ops.quote_name("at")
        burst = ops.adapt_datetimefield_value(burst_since)
        dup = ops.adapt_datetimefield_value(dup_since)
        selects: list[str] = []
        params: list[object] = []
        unique = list(dict.fromkeys(keys.bands))
        if unique:
            # Rows: (1, same article, signature, count). First, so that PostgreSQL types the
            # columns of the NULLs below from it. One index range per band, each cut short,
            # rather than one IN () that must sort every match of a flood before it can stop.
            bands = ops.quote_name(RecentBand._meta.db_table)
            per_band = " UNION ".join(
                f"SELECT submission_id FROM (SELECT submission_id FROM {bands} WHERE pool = %s "
                f"AND band = %s AND {at} >= %s ORDER BY {at} DESC LIMIT %s) AS b{i}"
                for i in range(len(unique))
            )
            selects.append(
                f"SELECT 1, CASE WHEN article = %s THEN 1 ELSE 0 END, signature, COUNT(*) "
                f"FROM {recent} WHERE id IN ({per_band}) GROUP BY 2, 3"
            )
            params.append(article)
            for band in unique:
                params += [self.pool, band, dup, CANDIDATES_PER_BAND]
        counted: list[tuple[str, list[object]]] = [
            (f"ip_prefix_hash = %s AND {at} >= %s", [keys.ip_prefix_hash, burst]),
            (f"email_hash = %s AND {at} >= %s", [keys.email_hash, burst]),
            (f"text_hash = %s AND {at} >= %s AND article <> %s", [keys.text_hash, dup, article]),
        ]
        for i, (where, part_params) in enumerate(counted):
            if part_params[0]:
                # Rows: (-1 - i, NULL, NULL, count), each count stopping at MAX_COUNT.
                selects.append(
                    f"SELECT {-1 - i}, NULL, NULL, COUNT(*) FROM (SELECT 1 FROM {recent} "
                    f"WHERE pool = %s AND {where} LIMIT %s) AS c{i}"
                )
                params += [self.pool, *part_params, MAX_COUNT]
        counts = [0, 0, 0]
        groups: list[tuple[bool, object, int]] = []
        if not selects:
            return (0, 0, 0), groups
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            for part, same, sig, count in cursor.fetchall():
                if part < 0:
                    counts[-1 - part] = int(count or 0)
                else:
                    groups.append((bool(same), sig, int(count)))
        return (counts[0], counts[1], counts[2]), groups

    def add(self, keys: SubmissionKeys, **fields: Any) -> RecentSubmission:
        """Record a checked submission (``fields`` as :meth:`prepare` takes them); the extra
        fields let a later report find the check.

        ``along``: other writes (SQL, params) that belong to the same record, committed with
        it. This runs after every check, so it is kept to as few round trips as the database
        allows: on PostgreSQL one statement (the inserts and ``along`` as data-modifying
        WITH clauses) in its own implicit transaction, where BEGIN, four INSERTs and COMMIT
        were six; elsewhere the submission, all its bands in one INSERT, then ``along``, in
        one transaction (bench/antispam_record.py compares them).
        """
        return self.write(self.prepare(keys, **fields))

    def prepare(
        self,
        keys: SubmissionKeys,
        *,
        kind: str = "",
        score: float = 0.0,
        stats: HistoryStats | Mapping[str, int] | None = None,
        match_hash: str = "",
        guid: str = "",
        along: Sequence[tuple[str, Sequence[object]]] = (),
    ) -> PreparedRecord:
        """:meth:`add`'s record and statements, built and not yet written: a caller that
        writes it inside a longer transaction (a comment's) builds it before that begins."""
        row = self.new_row(keys, kind=kind, score=score, stats=stats, match_hash=match_hash,
                           guid=guid)
        return PreparedRecord(row, list(dict.fromkeys(keys.bands)), list(along),
                              _insert_parts(row))

    def write(self, prepared: PreparedRecord) -> RecentSubmission:
        """Write a :meth:`prepare`'d record (once)."""
        row = prepared.row
        if connection.vendor == "postgresql":
            row.pk = self._insert_as_one_statement(prepared)
        else:
            row.pk = self._insert_in_one_transaction(prepared)
        row._state.adding = False
        row._state.db = connection.alias
        if next(_added) % PRUNE_EVERY == 0:
            # After the check's transaction: pruning must not hold its write lock. Robust:
            # the record is committed, and a retry of it must not write it twice.
            transaction.on_commit(self.prune, robust=True)
        return row

    def new_row(self, keys: SubmissionKeys, **fields: object) -> RecentSubmission:
        """The unsaved record of a check; ``fields`` (kind, score, stats, match_hash, guid)
        as :meth:`add` takes them."""
        stats = fields.pop("stats", None)
        if isinstance(stats, HistoryStats):
            stats = stats.to_dict()
        return RecentSubmission(
            pool=self.pool,
            at=self.now(),
            article=article_key(keys.article),
            ip_prefix_hash=keys.ip_prefix_hash,
            email_hash=keys.email_hash,
            text_hash=keys.text_hash,
            signature=list(keys.signature),
            stats=dict(stats or {}),
            **fields,
        )

    def _insert_as_one_statement(self, prepared: PreparedRecord) -> int:
        """PostgreSQL: one round trip, committed on its own unless a transaction is open."""
        insert, values, band_table, band_columns, band_at = prepared.parts
        clauses = [f"s AS ({insert} RETURNING id)"]
        params: list[object] = list(values)
        if prepared.bands:
            clauses.append(f"b AS (INSERT INTO {band_table} {band_columns} "
                           f"SELECT s.id, %s, UNNEST(%s::text[]), %s FROM s)")
            params += [self.pool, prepared.bands, band_at]
        for i, (sql, more) in enumerate(prepared.along):
            clauses.append(f"w{i} AS ({sql})")
            params += more
        with connection.cursor() as cursor:
            cursor.execute(f"WITH {', '.join(clauses)} SELECT id FROM s", params)
            return cursor.fetchone()[0]

    def _insert_in_one_transaction(self, prepared: PreparedRecord) -> int:
        """Any database: the submission, all its bands in one INSERT, then ``along``."""
        insert, values, band_table, band_columns, band_at = prepared.parts
        returning = connection.features.can_return_columns_from_insert
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(insert + (" RETURNING id" if returning else ""), values)
            pk = cursor.fetchone()[0] if returning else cursor.lastrowid
            if prepared.bands:
                band_params: list[object] = []
                for band in prepared.bands:
                    band_params += [pk, self.pool, band, band_at]
                cursor.execute(
                    f"INSERT INTO {band_table} {band_columns} VALUES "
                    + ", ".join(["(%s, %s, %s, %s)"] * len(prepared.bands)),
                    band_params,
                )
            for sql, more in prepared.along:
                cursor.execute(sql, more)
        return pk

    def find(self, *, guid: str = "", match_hash: str = "") -> RecentSubmission | None:
        """The latest recorded check with this guid, or else with these fields."""
        query = Q()
        if guid:
            query |= Q(guid=guid)
        if match_hash:
            query |= Q(match_hash=match_hash)
        if not query:
            return None
        return (
            RecentSubmission.objects.filter(query, pool=self.pool)
            .order_by("-at", "-id")
            .first()
        )

    def prune(self, before: datetime | None = None) -> int:
        """Forget activity older than the longest window (in every pool)."""
        cut = before or self.now() - max(self.dup, self.burst)
        ops = connection.ops
        recent = ops.quote_name(RecentSubmission._meta.db_table)
        bands = ops.quote_name(RecentBand._meta.db_table)
        at = ops.quote_name("at")
        cut_value = ops.adapt_datetimefield_value(cut)
        # Plain DELETEs: the ORM's cascade would first load every old row into Python.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {bands} WHERE submission_id IN "
                f"(SELECT id FROM {recent} WHERE {at} < %s)", [cut_value],
            )
            cursor.execute(f"DELETE FROM {recent} WHERE {at} < %s", [cut_value])
            return max(0, cursor.rowcount)


# Parsed signatures by their stored JSON text: a recent submission is a candidate for many
# later checks, and parsing ~100 of them was a tenth of a check's time.
SIGNATURES_CACHED = 8192
_signatures: dict[str, tuple[int, ...]] = {}


def _signature(stored: object) -> Sequence[int]:
    if not isinstance(stored, str):  # PostgreSQL's driver has already parsed the jsonb
        return stored or ()  # type: ignore[return-value]
    parsed = _signatures.get(stored)
    if parsed is None:
        if len(_signatures) >= SIGNATURES_CACHED:
            _signatures.clear()
        parsed = _signatures[stored] = tuple(json.loads(stored))
    return parsed


def _insert_parts(row: RecentSubmission) -> tuple[str, list[object], str, str, object]:
    """The submission's INSERT and its values; the bands' table, columns and time."""
    ops = connection.ops
    fields = _recent_fields()
    values = [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
    table = ops.quote_name(RecentSubmission._meta.db_table)
    insert = (f"INSERT INTO {table} ({', '.join(ops.quote_name(f.column) for f in fields)}) "
              f"VALUES ({', '.join(['%s'] * len(fields))})")
    band_table = ops.quote_name(RecentBand._meta.db_table)
    band_columns = f"(submission_id, pool, band, {ops.quote_name('at')})"
    band_at = RecentBand._meta.get_field("at").get_db_prep_save(row.at, connection)
    return insert, values, band_table, band_columns, band_at


def _recent_fields() -> list:
    """RecentSubmission's columns but its id, in model order."""
    return [f for f in RecentSubmission._meta.concrete_fields if not f.primary_key]

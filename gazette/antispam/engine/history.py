"""Recent-activity lookups for the behaviour signals.

The engine never stores who posted what; the caller keeps recent activity (a database
table in production) keyed by :class:`SubmissionKeys` and hands :class:`HistoryStats` to
``check``. :class:`MemoryHistory` is the in-process implementation used by tests, the
evaluation and the benchmark; a database adapter implements the same :class:`History`
protocol with indexed lookups on ``ip_prefix_hash``, ``email_hash``, ``text_hash`` and the
band keys.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .fingerprint import NEAR_DUP_JACCARD, similarity
from .types import HistoryStats, SubmissionKeys


class History(Protocol):
    """Where recent submissions are recorded and counted."""

    def stats(self, keys: SubmissionKeys) -> HistoryStats:
        """Counts of recent submissions related to ``keys`` (not counting itself)."""
        ...

    def add(self, keys: SubmissionKeys) -> None:
        """Record a submission once it has been checked."""
        ...


def count_near_duplicates(
    keys: SubmissionKeys, candidates: Iterable[tuple[str | None, Sequence[int]]]
) -> tuple[int, int]:
    """Confirm band candidates by their MinHash signatures: (same article, other articles).

    Shared by every History so that memory and database agree on what a near duplicate is.
    """
    return count_near_duplicate_groups(keys, ((a, sig, 1) for a, sig in candidates))


def count_near_duplicate_groups(
    keys: SubmissionKeys, groups: Iterable[tuple[str | None, Sequence[int], int]]
) -> tuple[int, int]:
    """:func:`count_near_duplicates` of candidates grouped by signature: (article,
    signature, how many submissions had it), each distinct signature confirmed once."""
    same = other = 0
    target = keys.signature
    target_values = frozenset(target)
    for article, signature, count in groups:
        # The estimate counts shared values among the k lowest of the union, so it is at most
        # (values shared) / k: most candidates of a band share too few to need the estimate.
        k = min(len(signature), len(target))
        if not k or len(target_values.intersection(signature)) < NEAR_DUP_JACCARD * k:
            continue
        if similarity(tuple(signature), target) >= NEAR_DUP_JACCARD:
            if article == keys.article:
                same += count
            else:
                other += count
    return same, other


@dataclass
class _Entry:
    keys: SubmissionKeys
    t: float


class MemoryHistory:
    """In-memory :class:`History` with time windows.

    ``burst_window`` bounds the per-IP-prefix and per-email counts, ``dup_window`` the
    duplicate-text counts. Submissions without a timestamp get a logical clock, one tick
    (``tick`` seconds) per ``add``, so streams without dates still age.
    """

    def __init__(
        self,
        *,
        burst_window: float = 600.0,
        dup_window: float = 7 * 86400.0,
        tick: float = 60.0,
        max_entries: int = 100_000,
    ) -> None:
        self.burst_window = burst_window
        self.dup_window = dup_window
        self.tick = tick
        self.max_entries = max_entries
        self._clock = 0.0
        self._entries: deque[_Entry] = deque()
        self._by_ip: defaultdict[str, deque[_Entry]] = defaultdict(deque)
        self._by_email: defaultdict[str, deque[_Entry]] = defaultdict(deque)
        self._by_text: defaultdict[str, deque[_Entry]] = defaultdict(deque)
        self._by_band: defaultdict[str, deque[_Entry]] = defaultdict(deque)

    def _now(self, keys: SubmissionKeys) -> float:
        return keys.timestamp if keys.timestamp is not None else self._clock

    @staticmethod
    def _recent(bucket: deque[_Entry] | None, since: float) -> list[_Entry]:
        if not bucket:
            return []
        # Each index is read with one window, and entries arrive roughly in time order,
        # so expired ones can be dropped from the left to keep lookups short.
        while bucket and bucket[0].t < since:
            bucket.popleft()
        return [e for e in bucket if e.t >= since]

    def stats(self, keys: SubmissionKeys) -> HistoryStats:
        now = self._now(keys)
        burst_since = now - self.burst_window
        dup_since = now - self.dup_window
        same_ip = (
            len(self._recent(self._by_ip.get(keys.ip_prefix_hash), burst_since))
            if keys.ip_prefix_hash
            else 0
        )
        same_email = (
            len(self._recent(self._by_email.get(keys.email_hash), burst_since))
            if keys.email_hash
            else 0
        )
        exact_other = 0
        if keys.text_hash:
            exact_other = sum(
                1
                for e in self._recent(self._by_text.get(keys.text_hash), dup_since)
                if e.keys.article != keys.article
            )
        near_same = near_other = 0
        if keys.bands:
            candidates: dict[int, _Entry] = {}
            for band in keys.bands:
                for e in self._recent(self._by_band.get(band), dup_since):
                    candidates.setdefault(id(e), e)
            near_same, near_other = count_near_duplicates(
                keys, ((e.keys.article, e.keys.signature) for e in candidates.values())
            )
        return HistoryStats(
            same_ip_prefix=same_ip,
            same_email=same_email,
            exact_duplicates_other_articles=exact_other,
            near_duplicates_other_articles=near_other,
            near_duplicates_same_article=near_same,
        )

    def add(self, keys: SubmissionKeys) -> None:
        now = self._now(keys)
        self._clock = max(self._clock, now) + self.tick
        entry = _Entry(keys, now)
        self._entries.append(entry)
        if keys.ip_prefix_hash:
            self._by_ip[keys.ip_prefix_hash].append(entry)
        if keys.email_hash:
            self._by_email[keys.email_hash].append(entry)
        if keys.text_hash:
            self._by_text[keys.text_hash].append(entry)
        for band in keys.bands:
            self._by_band[band].append(entry)
        while len(self._entries) > self.max_entries:
            self._evict(self._entries.popleft())

    def _evict(self, entry: _Entry) -> None:
        # Entries leave the per-key queues in insertion order, so the oldest is leftmost.
        k = entry.keys
        for index, key in (
            (self._by_ip, k.ip_prefix_hash),
            (self._by_email, k.email_hash),
            (self._by_text, k.text_hash),
            *((self._by_band, b) for b in k.bands),
        ):
            if key and index.get(key) and index[key][0] is entry:
                index[key].popleft()
                if not index[key]:
                    del index[key]

"""Calibration: past scores read as thresholds and quantiles.

Bin and discard thresholds follow the conformal rule on held-out ham scores (the score each
ham had before it was learned): at most ``floor(budget*(n+1))-1`` known ham scores lie above
the bin threshold. The character model's score is read as its quantile among the scores it
gave past examples. Both keep their scores in a :class:`ScoreWindow`.
"""

from __future__ import annotations

import bisect
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from .config import Config

Thresholds = tuple[float | None, float | None, float | None]


def conformal_threshold(
    ham_scores: Sequence[float], budget: float, *, ascending: Sequence[float] | None = None
) -> float | None:
    """Smallest threshold with at most ``floor(budget*(n+1))-1`` ham scores above it.

    ``None`` when too little ham has been seen to promise the budget at all.
    ``ascending``, the same scores already sorted, saves the sort.
    """
    n = len(ham_scores)
    k = math.floor(budget * (n + 1)) - 1
    if k < 0:
        return None
    if k >= n:
        return 0.0
    if ascending is not None:
        return ascending[n - 1 - k]
    return sorted(ham_scores, reverse=True)[k]


def min_ham_for(budget: float) -> int:
    """Fewest ham scores with which :func:`conformal_threshold` can promise ``budget``."""
    return max(0, math.ceil(1.0 / budget - 1e-9) - 1) if budget > 0 else sys.maxsize


class ScoreWindow:
    """Scores in arrival order, the newest ``window`` of them, and the same sorted.

    Scores given during a burn-in (by a model that knew almost nothing) are counted, and
    set aside once enough later ones exist.
    """

    def __init__(self, scores: Sequence[float] = (), burn_in: int = 0) -> None:
        self.scores: list[float] = list(scores)
        # How many of the oldest scores were given during the burn-in.
        self.burn_in = burn_in
        # Sorted when first asked for, then kept sorted on each append (a sort of the whole
        # window per check was the largest cost of a check).
        self._ranked: list[float] | None = None

    def __len__(self) -> int:
        return len(self.scores)

    @property
    def ranked(self) -> list[float]:
        """The scores in ascending order."""
        if self._ranked is None:
            self._ranked = sorted(self.scores)
        return self._ranked

    def append(self, value: float, *, burn_in: bool, window: int, later_needed: int) -> None:
        """Append ``value``; keep the newest ``window``; drop the burn-in's once
        ``later_needed`` later ones exist."""
        scores, ranked = self.scores, self._ranked
        scores.append(value)
        if ranked is not None:
            bisect.insort(ranked, value)
        if burn_in and self.burn_in == len(scores) - 1:
            self.burn_in += 1
        drop = len(scores) - window
        if self.burn_in and len(scores) - self.burn_in >= later_needed:
            drop = max(drop, self.burn_in)
        if drop > 0:
            if ranked is not None:
                for old in scores[:drop]:
                    del ranked[bisect.bisect_left(ranked, old)]
            del scores[:drop]
            self.burn_in = max(0, self.burn_in - drop)

    def quantile(self, value: float) -> float:
        """Mid-rank quantile of ``value`` among the scores (ties count half)."""
        ranked = self.ranked
        below = bisect.bisect_left(ranked, value)
        upto = bisect.bisect_right(ranked, value, lo=below)
        return (below + upto) / (2.0 * len(ranked))


def thresholds(c: Config, ham: ScoreWindow) -> Thresholds:
    """(hold, bin, discard) score thresholds from the held-out ham scores; ``None`` where
    not yet allowed."""
    scores, ranked = ham.scores, ham.ranked
    hold = conformal_threshold(scores, c.ham_hold_budget, ascending=ranked)
    binned = conformal_threshold(scores, c.ham_bin_budget, ascending=ranked)
    disc = conformal_threshold(scores, c.ham_bin_budget * c.discard_budget_ratio,
                               ascending=ranked)
    if binned is not None:
        binned = max(binned, c.min_bin_score)
    elif len(ranked) >= max(1, c.cold_bin_min_ham):
        binned = max(ranked[-1], c.cold_bin_score)
    if disc is not None:
        disc = max(disc, c.min_discard_score)
    if hold is None:
        hold = c.cold_hold_score
    if binned is not None:
        hold = min(hold, binned)
    return hold, binned, disc


@dataclass(frozen=True)
class BinningStatus:
    """Which rule decides when a score alone sends a comment to spam, for a moderator.

    ``rule``: "budget" (the conformal threshold keeps the ham budget), "cold start" (only
    above every ham score seen and at least ``Config.cold_bin_score``) or "evidence only"
    (too few of this site's ham judged: only strong evidence bins; the rest is held).
    """

    rule: str
    bin_score: float | None
    ham_scores: int
    ham_for_budget: int
    ham_for_cold_start: int
    budget: float


def binning_status(c: Config, ham: ScoreWindow, binned: float | None) -> BinningStatus:
    """The rule behind ``binned``, the bin threshold :func:`thresholds` gave."""
    if binned is None:
        rule = "evidence only"
    elif conformal_threshold(ham.scores, c.ham_bin_budget, ascending=ham.ranked) is not None:
        rule = "budget"
    else:
        rule = "cold start"
    return BinningStatus(rule, binned, len(ham), min_ham_for(c.ham_bin_budget),
                         max(1, c.cold_bin_min_ham), c.ham_bin_budget)

"""Online logistic regression over hashed and named features (AdaGrad, numpy arrays).

Hashed features are binary and scaled by ``1/sqrt(n)`` so long and short texts weigh
alike; with ``scale`` set (the default in the engine), each is further multiplied by
``floor + |r|``, its naive Bayes log-count ratio ``r`` (NB-SVM, Wang & Manning 2012,
interpolated with the binary value so that a feature never seen yet still learns).
Named features carry real values and start from prior weights, which is how
rules that need no training take part in the score on a new site and are then
re-weighted by that site's own moderation decisions. Batch training (``Engine.fit``)
solves an L2-loss linear SVM over the same features (:meth:`LinearModel.fit_svm`) or makes
passes of the online steps, optionally averaging the weights; online learning
(``Engine.learn``) takes one immediate step.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np

from .text import HASH_BITS

Index = np.ndarray  # bucket numbers of one text, as an array of ``np.intp``


def _zeros(dtype: type) -> np.ndarray:
    # One flat C array per table: a check gathers a few hundred scattered buckets, which
    # numpy does in C (measured 5x cheaper than gathering from Python lists per check).
    return np.zeros(1 << HASH_BITS, dtype=dtype)


def as_index(hashed: Collection[int]) -> Index:
    """Buckets as an index array, in the iteration order of ``hashed``.

    A frozenset of ints built from the same text iterates in the same order in every
    process, so sums over this order are reproducible.
    """
    if isinstance(hashed, np.ndarray):
        return hashed
    return np.fromiter(hashed, dtype=np.intp, count=len(hashed))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-min(z, 60.0)))
    e = math.exp(max(z, -60.0))
    return e / (1.0 + e)


class LinearModel:
    def __init__(
        self,
        priors: Mapping[str, float],
        *,
        initial_bias: float,
        learning_rate: float,
        named_learning_rate: float,
        bias_learning_rate: float,
    ) -> None:
        self.priors = dict(priors)
        self.bias = initial_bias
        self.learning_rate = learning_rate
        self.named_learning_rate = named_learning_rate
        self.bias_learning_rate = bias_learning_rate
        self.w = _zeros(np.float64)
        self.g = _zeros(np.float64)
        self.nw: dict[str, float] = {}
        self.ng: dict[str, float] = {}
        # NB-SVM feature scaling: the counts whose log-count ratios scale each hashed
        # feature (None: binary values).
        self.scale: NaiveBayesRatios | None = None
        self.scale_floor = 0.25

    def nonzero(self) -> list[int]:
        """Buckets that have been trained."""
        return np.flatnonzero(self.g).tolist()

    def named_weight(self, name: str) -> float:
        w = self.nw.get(name)
        return self.priors.get(name, 0.0) if w is None else w

    def values(self, hashed: Collection[int]) -> np.ndarray:
        """The value of each hashed feature, in the iteration order of ``hashed``."""
        idx = as_index(hashed)
        n = len(idx)
        if not n:
            return np.zeros(0)
        inv = 1.0 / math.sqrt(n)
        nb = self.scale
        if nb is None:
            return np.full(n, inv)
        values: np.ndarray = (self.scale_floor + np.abs(nb.ratio[idx] + nb.offset())) * inv
        return values

    def text_logit(self, hashed: Collection[int]) -> float:
        idx = as_index(hashed)
        if not len(idx):
            return 0.0
        return float(self.w[idx] @ self.values(idx))

    def contributions(self, named: Mapping[str, float]) -> dict[str, float]:
        return {k: self.named_weight(k) * v for k, v in named.items() if v}

    def logit(self, hashed: Collection[int], named: Mapping[str, float]) -> float:
        z = self.bias + self.text_logit(hashed)
        for k, v in named.items():
            if v:
                z += self.named_weight(k) * v
        return z

    def update(
        self,
        hashed: Collection[int],
        named: Mapping[str, float],
        y: int,
        avg: Averager | None = None,
    ) -> float:
        """One AdaGrad step on log-loss; returns the probability before the step.

        ``avg`` (batch training only) records the step so that the average of the
        weights over every step can replace the last weights at the end.
        """
        idx = as_index(hashed)
        p = sigmoid(self.logit(idx, named))
        grad = p - y
        c = 0
        if avg is not None:
            c = avg.t  # steps before this one
            avg.t = c + 1
        if grad == 0.0:
            # Saturated and right: nothing to learn (and AdaGrad would divide 0 by 0).
            return p
        if len(idx):
            gv = grad * self.values(idx)
            acc = self.g[idx] + gv * gv
            self.g[idx] = acc
            # A zero value (scale floor 0) has no gradient; keep AdaGrad from dividing 0 by 0.
            step = self.learning_rate * gv / np.sqrt(np.where(acc > 0.0, acc, 1.0))
            self.w[idx] -= step
            if avg is not None:
                avg.u[idx] -= step * c
                avg.touched.update(idx.tolist())
        nlr = self.named_learning_rate
        for k, v in named.items():
            if not v:
                continue
            gk = grad * v
            acc = self.ng.get(k, 0.0) + gk * gk
            self.ng[k] = acc
            delta = -nlr * gk / math.sqrt(acc)
            self.nw[k] = self.named_weight(k) + delta
            if avg is not None:
                avg.nu[k] = avg.nu.get(k, 0.0) + c * delta
        delta = -self.bias_learning_rate * grad
        self.bias += delta
        if avg is not None:
            avg.bias_u += c * delta
        return p

    def fit_svm(
        self,
        examples: Iterable[tuple[Collection[int], Mapping[str, float], int]],
        *,
        c: float,
        epochs: int,
        seed: int,
        start: Sequence[float] | None = None,
    ) -> list[float]:
        """Batch training to convergence: an L2-loss linear SVM by dual coordinate descent.

        The same features and values as :meth:`update` (:meth:`values`, named values,
        a bias feature); the margin becomes the logit, so ``sigmoid`` of it is the score and
        the decision thresholds (conformal, on cross-fitted ham scores) stay the same. It
        replaces the weights (trained from zero) and seeds the AdaGrad accumulators as one
        pass would have, so that online steps afterwards are moderate.

        Returns the dual variables, one per example. ``start``, such variables from a fit on
        related examples, warm-starts the descent: the weights begin as what those
        variables imply for these examples' values, so a few epochs reach what many would
        from zero.
        """
        d_ii = 1.0 / (2.0 * c)
        w = np.zeros_like(self.w)
        nw: dict[str, float] = {}
        nget = nw.get
        bias = 0.0
        # Each row's values are kept in single precision and widened when used: a rebuild
        # holds every example's, and doubles took more memory than anything else of it
        # (3.4 of 6.2 kB an example). Measured 5% slower a step.
        # (buckets, values, named values, +1.0 spam / -1.0 ham, squared norm + 1/2C)
        rows: list[tuple[Index, np.ndarray, tuple[tuple[str, float], ...], float, float]] = []
        f64 = np.float64
        for hashed, named, label in examples:
            keys = as_index(hashed)
            xs = self.values(keys).astype(np.float32)
            wide = xs.astype(f64)
            nvals = tuple((k, v) for k, v in named.items() if v)
            q = float(wide @ wide) + sum(v * v for _, v in nvals) + 1.0 + d_ii
            rows.append((keys, xs, nvals, 1.0 if label else -1.0, q))
        alpha = [0.0] * len(rows)
        if start is not None:
            alpha = [float(a) for a in start]
            for (keys, xs, nvals, y, _), a in zip(rows, alpha, strict=True):
                if a:
                    w[keys] += (a * y) * xs.astype(f64)
                    for k, v in nvals:
                        nw[k] = nget(k, 0.0) + a * y * v
                    bias += a * y
        order = list(range(len(rows)))
        rng = random.Random(seed)
        for _ in range(max(1, epochs)):
            rng.shuffle(order)
            for i in order:
                keys, xs, nvals, y, q = rows[i]
                xs = xs.astype(f64)
                margin = bias + float(w[keys] @ xs) if len(keys) else bias
                for k, v in nvals:
                    margin += nget(k, 0.0) * v
                a = alpha[i]
                new = a - (y * margin - 1.0 + d_ii * a) / q
                if new < 0.0:
                    new = 0.0
                if new == a:
                    continue
                alpha[i] = new
                step = (new - a) * y
                w[keys] += step * xs
                for k, v in nvals:
                    nw[k] = nget(k, 0.0) + step * v
                bias += step
        g = self.g
        # Marked in a table rather than collected: a concatenation of every row's buckets
        # would add 4 bytes per bucket of every example to a rebuild's peak memory.
        seen = np.zeros(len(w), dtype=bool)
        for keys, xs, nvals, _, _ in rows:
            xs = xs.astype(f64)
            g[keys] += 0.25 * xs * xs
            seen[keys] = True
            for k, v in nvals:
                self.ng[k] = self.ng.get(k, 0.0) + 0.25 * v * v
        self.w[seen] = w[seen]
        self.nw.update(nw)
        self.bias = bias
        return alpha

    def average(self, avg: Averager) -> None:
        """Replace the weights by their average over the steps recorded in ``avg``."""
        t = avg.t
        if t == 0:
            return
        idx = np.fromiter(avg.touched, dtype=np.intp, count=len(avg.touched))
        self.w[idx] -= avg.u[idx] / t
        for k, v in avg.nu.items():
            self.nw[k] = self.named_weight(k) - v / t
        self.bias -= avg.bias_u / t


class Averager:
    """Running sums for averaged weights: after ``t`` steps whose changes were ``d_j``
    (j = 0 .. t-1), the mean of the weights after each step is ``w - u / t`` with
    ``u = sum(j * d_j)`` (Daume's trick; only touched buckets are visited)."""

    def __init__(self) -> None:
        self.t = 0
        self.u = _zeros(np.float64)
        self.nu: dict[str, float] = {}
        self.bias_u = 0.0
        self.touched: set[int] = set()


class NaiveBayesRatios:
    """Per-bucket document counts per class and the log-count ratios they imply.

    Counts are exactly incremental, so this part of the model is identical whether it
    learned one example at a time or in a batch; its mean log-count ratio over a text's
    features (an NB-SVM style score) feeds the linear model as one feature.
    """

    def __init__(self, alpha: float = 0.5) -> None:
        self.alpha = alpha
        self.spam = _zeros(np.uint32)
        self.ham = _zeros(np.uint32)
        self.ratio = _zeros(np.float64)
        self.n_spam = 0
        self.n_ham = 0

    def score(self, hashed: Collection[int], exclude: int | None = None) -> float:
        """Mean log-count ratio; ``exclude`` removes one example of that class (LOO)."""
        idx = as_index(hashed)
        if not len(idx) or self.n_spam == 0 or self.n_ham == 0:
            return 0.0
        a = self.alpha
        n_s, n_h = self.n_spam, self.n_ham
        if exclude is None:
            total = float(self.ratio[idx].sum())
        else:
            ds, dh = (1, 0) if exclude == 1 else (0, 1)
            n_s -= ds
            n_h -= dh
            if n_s <= 0 or n_h <= 0:
                return 0.0
            # As floats: unsigned counts would wrap below zero.
            spam = self.spam[idx].astype(np.float64) - ds + a
            ham = self.ham[idx].astype(np.float64) - dh + a
            total = float(np.log(spam / ham).sum())
        return total / len(idx) + math.log((n_h + 2 * a) / (n_s + 2 * a))

    def offset(self) -> float:
        """What turns a bucket's ``ratio`` into a log ratio of per-class document rates."""
        a = self.alpha
        return math.log((self.n_ham + 2 * a) / (self.n_spam + 2 * a))

    def add(self, hashed: Collection[int], y: int) -> None:
        idx = as_index(hashed)
        (self.spam if y else self.ham)[idx] += 1
        self._refresh(idx)
        if y:
            self.n_spam += 1
        else:
            self.n_ham += 1

    def add_counts(self, spam: np.ndarray, ham: np.ndarray, n_spam: int, n_ham: int) -> None:
        """Add a batch's per-bucket document counts at once: the same counts and ratios as
        ``add`` of each example (a bucket never counted keeps the ratio log(a/a) = 0)."""
        self.spam += spam.astype(np.uint32)
        self.ham += ham.astype(np.uint32)
        self.n_spam += n_spam
        self.n_ham += n_ham
        a = self.alpha
        self.ratio = np.log((self.spam + a) / (self.ham + a))

    def _refresh(self, idx: Index) -> None:
        a = self.alpha
        self.ratio[idx] = np.log((self.spam[idx] + a) / (self.ham[idx] + a))

    def nonzero(self) -> list[int]:
        """Buckets with any count."""
        return np.flatnonzero(self.spam + self.ham).tolist()

    def restore(self, keys: list[int], spam: list[int], ham: list[int]) -> None:
        idx = np.asarray(keys, dtype=np.intp)
        self.spam[idx] = spam
        self.ham[idx] = ham
        self._refresh(idx)

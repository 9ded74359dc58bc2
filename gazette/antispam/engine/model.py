"""Online logistic regression over hashed and named features (AdaGrad, pure Python).

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
from array import array
from collections.abc import Collection, Mapping, Sequence
from itertools import compress
from operator import itemgetter, mul

from .text import HASH_BITS


def _zeros(code: str) -> array:
    # Flat C arrays: one bucket lookup touches one cache line instead of a pointer and a
    # separate float object, which matters at a million buckets.
    return array(code, bytes(array(code).itemsize << HASH_BITS))


def _zero_list() -> list[float]:
    # Weights read on every check live in a plain list: summing list items through
    # ``itemgetter`` runs in C without boxing a float per item, several times faster
    # than reading an ``array`` (measured: ~50 us against ~500 us for 400 features).
    return [0.0] * (1 << HASH_BITS)


def gather_sum(values: list[float], keys: Collection[int]) -> float:
    """Sum of ``values[k]`` over ``keys`` (in iteration order, so reproducible)."""
    n = len(keys)
    if n > 1:
        return sum(itemgetter(*keys)(values))
    if n == 1:
        return values[next(iter(keys))]
    return 0.0


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
        # Dense lists indexed by bucket: a list lookup is several times cheaper than a
        # lookup in a large dict, which dominated the cost of a check.
        self.w = _zero_list()
        self.g = _zeros("d")
        self.nw: dict[str, float] = {}
        self.ng: dict[str, float] = {}
        # NB-SVM feature scaling: the counts whose log-count ratios scale each hashed
        # feature (None: binary values).
        self.scale: NaiveBayesRatios | None = None
        self.scale_floor = 0.25

    def nonzero(self) -> list[int]:
        """Buckets that have been trained."""
        return list(compress(range(len(self.g)), self.g))

    def named_weight(self, name: str) -> float:
        w = self.nw.get(name)
        return self.priors.get(name, 0.0) if w is None else w

    def values(self, hashed: Collection[int]) -> list[float]:
        """The value of each hashed feature, in the iteration order of ``hashed``."""
        n = len(hashed)
        if not n:
            return []
        inv = 1.0 / math.sqrt(n)
        nb = self.scale
        if nb is None:
            return [inv] * n
        off = nb.offset()
        floor = self.scale_floor
        ratios = itemgetter(*hashed)(nb.ratio) if n > 1 else (nb.ratio[next(iter(hashed))],)
        return [(floor + abs(r + off)) * inv for r in ratios]

    def text_logit(self, hashed: Collection[int]) -> float:
        if not hashed:
            return 0.0
        # A frozenset of ints built from the same text iterates in the same order in every
        # process, so a plain sum is reproducible (and much cheaper than fsum).
        if self.scale is None:
            return gather_sum(self.w, hashed) / math.sqrt(len(hashed))
        if len(hashed) == 1:
            return self.w[next(iter(hashed))] * self.values(hashed)[0]
        return sum(map(mul, itemgetter(*hashed)(self.w), self.values(hashed)))

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
        p = sigmoid(self.logit(hashed, named))
        grad = p - y
        c = 0
        if avg is not None:
            c = avg.t  # steps before this one
            avg.t = c + 1
        if grad == 0.0:
            # Saturated and right: nothing to learn (and AdaGrad would divide 0 by 0).
            return p
        if hashed:
            lr = self.learning_rate
            w = self.w
            g = self.g
            sqrt = math.sqrt
            for f, x in zip(hashed, self.values(hashed), strict=True):
                gv = grad * x
                if gv == 0.0:
                    continue
                acc = g[f] + gv * gv
                g[f] = acc
                step = lr * gv / sqrt(acc)
                w[f] -= step
                if avg is not None:
                    avg.u[f] -= step * c
                    avg.touched.add(f)
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
        examples: Sequence[tuple[Collection[int], Mapping[str, float], int]],
        *,
        c: float,
        epochs: int,
        seed: int,
    ) -> None:
        """Batch training to convergence: an L2-loss linear SVM by dual coordinate descent.

        The same features and values as :meth:`update` (:meth:`values`, named values,
        a bias feature); the margin becomes the logit, so ``sigmoid`` of it is the score and
        the decision thresholds (conformal, on cross-fitted ham scores) stay the same. It
        replaces the weights (trained from zero) and seeds the AdaGrad accumulators as one
        pass would have, so that online steps afterwards are moderate.
        """
        d_ii = 1.0 / (2.0 * c)
        # A dense list, as for checks: reading weights through ``itemgetter`` runs in C,
        # several times faster than a dict lookup per feature.
        w = _zero_list()
        nw: dict[str, float] = {}
        nget = nw.get
        bias = 0.0
        rows = []
        touched: set[int] = set()
        for hashed, named, y in examples:
            keys = tuple(hashed)
            touched.update(keys)
            xs = tuple(self.values(keys))
            nvals = tuple((k, v) for k, v in named.items() if v)
            q = sum(x * x for x in xs) + sum(v * v for _, v in nvals) + 1.0 + d_ii
            get = itemgetter(*keys) if len(keys) > 1 else None
            rows.append((keys, get, xs, nvals, 1.0 if y else -1.0, q))
        alpha = [0.0] * len(rows)
        order = list(range(len(rows)))
        rng = random.Random(seed)
        for _ in range(max(1, epochs)):
            rng.shuffle(order)
            for i in order:
                keys, get, xs, nvals, y, q = rows[i]
                if get is not None:
                    margin = bias + sum(map(mul, get(w), xs))
                elif keys:
                    margin = bias + w[keys[0]] * xs[0]
                else:
                    margin = bias
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
                for f, x in zip(keys, xs, strict=True):
                    w[f] += step * x
                for k, v in nvals:
                    nw[k] = nget(k, 0.0) + step * v
                bias += step
        g = self.g
        for keys, _, xs, nvals, _, _ in rows:
            for f, x in zip(keys, xs, strict=True):
                g[f] += 0.25 * x * x
            for k, v in nvals:
                self.ng[k] = self.ng.get(k, 0.0) + 0.25 * v * v
        weights = self.w
        for f in touched:
            weights[f] = w[f]
        self.nw.update(nw)
        self.bias = bias

    def average(self, avg: Averager) -> None:
        """Replace the weights by their average over the steps recorded in ``avg``."""
        t = avg.t
        if t == 0:
            return
        w, u = self.w, avg.u
        for f in avg.touched:
            w[f] -= u[f] / t
        for k, v in avg.nu.items():
            self.nw[k] = self.named_weight(k) - v / t
        self.bias -= avg.bias_u / t


class Averager:
    """Running sums for averaged weights: after ``t`` steps whose changes were ``d_j``
    (j = 0 .. t-1), the mean of the weights after each step is ``w - u / t`` with
    ``u = sum(j * d_j)`` (Daume's trick; only touched buckets are visited)."""

    def __init__(self) -> None:
        self.t = 0
        self.u = _zeros("d")
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
        self.spam = _zeros("I")
        self.ham = _zeros("I")
        self.ratio = _zero_list()
        self.n_spam = 0
        self.n_ham = 0

    def score(self, hashed: Collection[int], exclude: int | None = None) -> float:
        """Mean log-count ratio; ``exclude`` removes one example of that class (LOO)."""
        if not hashed or self.n_spam == 0 or self.n_ham == 0:
            return 0.0
        a = self.alpha
        n_s, n_h = self.n_spam, self.n_ham
        if exclude is None:
            total = gather_sum(self.ratio, hashed)
        else:
            ds, dh = (1, 0) if exclude == 1 else (0, 1)
            n_s -= ds
            n_h -= dh
            if n_s <= 0 or n_h <= 0:
                return 0.0
            sp, hm = self.spam, self.ham
            log = math.log
            total = sum([log((sp[f] - ds + a) / (hm[f] - dh + a)) for f in hashed])
        return total / len(hashed) + math.log((n_h + 2 * a) / (n_s + 2 * a))

    def offset(self) -> float:
        """What turns a bucket's ``ratio`` into a log ratio of per-class document rates."""
        a = self.alpha
        return math.log((self.n_ham + 2 * a) / (self.n_spam + 2 * a))

    def add(self, hashed: Collection[int], y: int) -> None:
        a = self.alpha
        sp, hm, ratio = self.spam, self.ham, self.ratio
        counts = sp if y else hm
        for f in hashed:
            counts[f] += 1
            ratio[f] = math.log((sp[f] + a) / (hm[f] + a))
        if y:
            self.n_spam += 1
        else:
            self.n_ham += 1

    def restore(self, keys: list[int], spam: list[int], ham: list[int]) -> None:
        a = self.alpha
        for f, s, h in zip(keys, spam, ham, strict=True):
            self.spam[f] = s
            self.ham[f] = h
            self.ratio[f] = math.log((s + a) / (h + a))

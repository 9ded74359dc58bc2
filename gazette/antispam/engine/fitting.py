"""Batch training: ``Engine.fit`` on labelled examples, e.g. every stored decision.

The examples are read once (they can stream from a database) into a
:class:`.training.TrainingSet`. The weights are trained to convergence (``Config.fit_solver``:
an L2-loss linear SVM, or epochs of the online AdaGrad steps); reputation and naive Bayes
values are computed leave-one-out, so that no example sees its own label; held-out ham
scores for the thresholds come from cross-fitting (``Config.calibration_folds`` models,
each trained without one fold).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from . import signals
from .model import Averager, sigmoid
from .signals import reputation_value
from .training import TrainingSet
from .types import Example

if TYPE_CHECKING:
    from .engine import Engine

# Examples beyond a fit's window are folded into the counts this many at least at a time.
FOLD_STEP_MIN = 1000
Counts = tuple[list[int], list[int]]


def fit(
    engine: Engine, examples: Iterable[Example], *, calibrate: bool, window: int | None
) -> None:
    """See :meth:`.Engine.fit`."""
    if window is not None and window < 1:
        raise ValueError("window must be at least 1")
    c = engine.config
    data = TrainingSet()
    # Fold examples out of the window into the counts in steps, not one at a time: each
    # fold copies the window's features once.
    step = max(FOLD_STEP_MIN, window // 4) if window else 0
    lm = engine.char_model
    for example in examples:
        sub, label, st = example[0], example[1], example[2]
        foreign = len(example) > 3 and bool(example[3])
        y = 1 if label == "spam" else 0
        feats = signals.features(engine, sub, st, exact=False)
        data.add(feats, y, foreign=foreign, text=feats.char_model_text if lm is not None else "")
        if lm is not None:
            # Every example is counted, in the window or not, as naive Bayes counts are.
            lm.add(lm.grams(feats.char_model_text), y)
        if window and len(data) >= window + step:
            data = count_only(engine, data, len(data) - window)
    if window and len(data) > window:
        data = count_only(engine, data, len(data) - window)
    n = len(data)
    if n == 0:
        return  # nothing learned: keep the priors (an SVM fit of nothing zeroes the bias)
    # The counts before this fit's rows (examples folded out of the window, or learned
    # before the fit): the held-out models start from them, as the full model does.
    nb = engine.nb
    base = (
        (nb.spam.copy(), nb.ham.copy(), nb.n_spam, nb.n_ham, dict(engine.reputation))
        if engine.examples_seen else None
    )
    ys, foreign_rows = data.ys, data.foreign
    # The character model's score of each example without the example itself: what it
    # would have said before learning it (a count model left one out is exactly that).
    lm_scores: list[float | None] = [None] * n
    if lm is not None and lm.ready():
        for i in range(n):
            if foreign_rows[i]:
                continue  # neither a reference nor a calibration score
            value = lm.score(lm.grams(data.texts[i]), int(ys[i]))
            lm_scores[i] = value
            engine.add_char_model_score(value)
    rows = np.arange(n, dtype=np.intp)
    spam, ham, alphas = fit_rows(engine, data, rows)
    if calibrate and c.calibration_folds >= 2 and n >= 2 * c.calibration_folds:
        folds = c.calibration_folds
        order = list(range(n))
        random.Random(c.seed).shuffle(order)
        scores: list[tuple[int, float]] = []
        for f in range(folds):
            test = set(order[f::folds])
            train = np.array([i for i in range(n) if i not in test], dtype=np.intp)
            # Each held-out model starts from the full model's dual variables for its own
            # examples: it differs from the full model by a tenth of the examples, so a few
            # epochs converge where fifteen from zero did.
            start = [alphas[i] for i in train] if alphas and c.calibration_epochs else None
            held_out = type(engine)(c)
            if base is not None:
                held_out.nb.add_counts(*base[:4])
                held_out.reputation = dict(base[4])
            counts = fit_rows(held_out, data, train, start=start)[:2]
            for i in sorted(test):
                if ys[i] == 0 and not foreign_rows[i]:
                    named = training_named(held_out, data, i, counts, None)
                    logit = held_out.model.logit(data.buckets(i), named)
                    scores.append((i, sigmoid(logit + engine.char_model_shift(lm_scores[i]))))
        for _, score in sorted(scores):
            engine.add_ham_score(score)
    for kid, key in enumerate(data.key_names):
        engine.reputation[key] = [spam[kid], ham[kid]]
    engine.examples_seen += n
    engine.spam_seen += int(ys.sum())
    engine.version += 1


def count_only(engine: Engine, data: TrainingSet, k: int) -> TrainingSet:
    """Add ``k`` examples of ``data`` to the counts only, and return the rest: foreign
    ones first, oldest first, so that the site's own decisions stay to calibrate (a
    corpus seeded after them must not push every one out of the window)."""
    foreign = data.foreign
    rows = np.sort(np.concatenate([np.flatnonzero(foreign), np.flatnonzero(foreign == 0)])[:k])
    n_spam = int(data.ys[rows].sum())
    if "text" not in engine.config.disabled:
        spam_b, ham_b = data.bucket_counts(rows, len(engine.nb.spam))
        engine.nb.add_counts(spam_b, ham_b, n_spam, k - n_spam)
    spam_k, ham_k = data.key_counts(rows)
    for kid in np.flatnonzero(spam_k + ham_k).tolist():
        key = data.key_names[kid]
        before = engine.reputation.get(key, [0, 0])
        engine.reputation[key] = [before[0] + int(spam_k[kid]), before[1] + int(ham_k[kid])]
    engine.examples_seen += k
    engine.spam_seen += n_spam
    return data.subset(np.setdiff1d(np.arange(len(data)), rows))


def fit_rows(
    engine: Engine, data: TrainingSet, rows: np.ndarray, *, start: list[float] | None = None
) -> tuple[list[int], list[int], list[float] | None]:
    """Train ``engine`` on the given rows of ``data``. Returns the reputation counts (spam,
    ham) per key id that the rows' features were computed with (the engine's own plus the
    rows') and, from the SVM, its dual variables per row. ``start`` warm-starts the SVM
    for ``calibration_epochs``."""
    c = engine.config
    ys = data.ys
    n_spam = int(ys[rows].sum())
    if "text" not in c.disabled:
        spam_b, ham_b = data.bucket_counts(rows, len(engine.nb.spam))
        engine.nb.add_counts(spam_b, ham_b, n_spam, len(rows) - n_spam)
    spam_k, ham_k = data.key_counts(rows)
    spam: list[int] = spam_k.tolist()
    ham: list[int] = ham_k.tolist()
    if engine.reputation:
        for kid, key in enumerate(data.key_names):
            before = engine.reputation.get(key)
            if before:
                spam[kid] += before[0]
                ham[kid] += before[1]
    counts = (spam, ham)
    # Leave-one-out reputation: an example must not see its own label.
    if c.fit_solver == "svm":
        alphas = engine.model.fit_svm(
            (  # one at a time: the SVM keeps only what it needs of each
                (data.buckets(i), training_named(engine, data, i, counts, int(ys[i])),
                 int(ys[i]))
                for i in rows.tolist()
            ),
            c=c.svm_c,
            epochs=c.svm_epochs if start is None else c.calibration_epochs,
            seed=c.seed,
            start=start,
        )
        return spam, ham, alphas
    named = [training_named(engine, data, i, counts, int(ys[i])) for i in rows.tolist()]
    order = list(range(len(rows)))
    rng = random.Random(c.seed)
    avg = Averager() if c.average else None
    for _ in range(max(1, c.epochs)):
        rng.shuffle(order)
        for j in order:
            i = int(rows[j])
            engine.model.update(data.buckets(i), named[j], int(ys[i]), avg)
    if avg is not None:
        engine.model.average(avg)
    return spam, ham, None


def training_named(
    engine: Engine, data: TrainingSet, i: int, counts: Counts, exclude: int | None
) -> dict[str, float]:
    """Example ``i``'s named values with count-based ones (NB, reputation) from ``counts``
    and the engine's naive Bayes counts, as :func:`.signals.features` would give."""
    named = dict(data.named[i])
    if "text" not in engine.config.disabled and engine.config.nb_feature:
        nb = engine.nb.score(data.buckets(i), exclude)
        if nb:
            named["text.nb"] = nb
    spam, ham = counts
    for name, ids in data.groups(i):
        vals = [
            v
            for v in (reputation_value(spam[k], ham[k], exclude) for k in ids)
            if v is not None
        ]
        if vals:
            named[name] = max(vals, key=abs)
    return named

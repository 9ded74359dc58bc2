"""Offline evaluation: prequential streams and stratified k-fold cross-validation.

Rows come from a CSV with header ``text,label`` (optional
``author,email,url,ip,created,article``, :func:`read_csv`) or a shared corpus
(:mod:`.corpora`, :func:`rows_from_dicts`); the command line is ``gazette antispam eval``.
Spam and discard count as "spam"; ham and hold as "not spam". ``checks_per_second`` is
measured in process CPU time spent inside ``Engine.check`` (one core, in-process), so a
busy machine does not distort it.
"""

from __future__ import annotations

import csv
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from .config import Config
from .engine import Engine
from .history import MemoryHistory
from .text import clean_text
from .types import HistoryStats, Label, Submission


@dataclass(frozen=True)
class Row:
    sub: Submission
    label: Label


def _parse_time(value: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def rows_from_dicts(records: Sequence[dict[str, str]]) -> list[Row]:
    out: list[Row] = []
    for r in records:
        raw = (r.get("label") or "").strip().lower()
        if raw not in ("spam", "ham"):
            continue
        label: Label = "spam" if raw == "spam" else "ham"
        sub = Submission(
            content=r.get("text") or "",
            author=r.get("author") or "",
            author_email=r.get("email") or "",
            author_url=r.get("url") or "",
            user_ip=r.get("ip") or "",
            permalink=r.get("article") or "",
            submitted_at=_parse_time(r.get("created") or ""),
        )
        out.append(Row(sub, label))
    return out


def read_csv(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as fh:
        return rows_from_dicts(list(csv.DictReader(fh)))


def _mcc(tp: int, fp: int, tn: int, fn: int) -> float:
    denom = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / denom if denom else 0.0


def metrics(labels: Sequence[str], kinds: Sequence[str], seconds: float) -> dict[str, float]:
    """Figures with spam/discard as positive and ham/hold as negative."""
    n = len(labels)
    ham = [k for lab, k in zip(labels, kinds, strict=True) if lab == "ham"]
    spam = [k for lab, k in zip(labels, kinds, strict=True) if lab == "spam"]
    pos = ("spam", "discard")
    tp = sum(1 for k in spam if k in pos)
    fn = len(spam) - tp
    fp = sum(1 for k in ham if k in pos)
    tn = len(ham) - fp
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    mcc = _mcc(tp, fp, tn, fn)

    def rate(ks: list[str], which: tuple[str, ...]) -> float:
        return sum(1 for k in ks if k in which) / len(ks) if ks else 0.0

    return {
        "n": n,
        "ham_binned_rate": round(rate(ham, pos), 5),
        "ham_held_rate": round(rate(ham, ("hold",)), 5),
        "spam_caught_rate": round(rate(spam, pos), 5),
        "spam_held_rate": round(rate(spam, ("hold",)), 5),
        "spam_published_rate": round(rate(spam, ("ham",)), 5),
        "held_rate": round(sum(1 for k in kinds if k == "hold") / n, 5) if n else 0.0,
        "discard_rate": round(sum(1 for k in kinds if k == "discard") / n, 5) if n else 0.0,
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
        "mcc": round(mcc, 5),
        "checks_per_second": round(n / seconds, 1) if seconds > 0 else 0.0,
    }


def ceiling(labels: Sequence[str], scores: Sequence[float], budget: float) -> dict[str, float]:
    """The best MCC that any one threshold on ``scores`` gives while binning at most
    ``budget`` of the ham, and the ham it bins: the threshold chosen by looking at the
    labels it is judged on. No honest rule reaches it; it tells a ranking too weak for a
    target from thresholds that miss what the ranking allows."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    n_spam = sum(1 for lab in labels if lab == "spam")
    n_ham = len(labels) - n_spam
    best = (0.0, 0.0)
    tp = fp = 0
    for rank, i in enumerate(order):
        if labels[i] == "spam":
            tp += 1
        else:
            fp += 1
        # A threshold falls only between different scores.
        if rank + 1 < len(order) and scores[order[rank + 1]] == scores[i]:
            continue
        if n_ham and fp > budget * n_ham:
            break
        mcc = _mcc(tp, fp, n_ham - fp, n_spam - tp)
        if mcc > best[0]:
            best = (mcc, fp / n_ham if n_ham else 0.0)
    return {"mcc": round(best[0], 5), "ham_binned_rate": round(best[1], 5)}


def prequential(rows: Sequence[Row], config: Config, warmup: int = 100) -> dict[str, object]:
    """Check each row, then learn its true label, in stream order."""
    engine = Engine(config)
    history = MemoryHistory()
    kinds: list[str] = []
    spent = 0.0
    spent_after = 0.0
    for i, row in enumerate(rows):
        keys = engine.keys(row.sub)
        stats = history.stats(keys)
        t0 = time.process_time()
        verdict = engine.check(row.sub, stats, keys=keys)
        dt = time.process_time() - t0
        spent += dt
        if i >= warmup:
            spent_after += dt
        kinds.append(verdict.kind)
        engine.learn(row.sub, row.label, stats, keys=keys)
        history.add(keys)
    labels = [r.label for r in rows]
    out: dict[str, object] = {"protocol": "prequential", **metrics(labels, kinds, spent)}
    out["after_100"] = metrics(labels[warmup:], kinds[warmup:], spent_after)
    return out


def dedupe(rows: Sequence[Row]) -> list[Row]:
    """Keep the first row of each distinct cleaned text."""
    seen: set[str] = set()
    out: list[Row] = []
    for r in rows:
        key = clean_text(r.sub.content)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def stratified_folds(rows: Sequence[Row], folds: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    out: list[list[int]] = [[] for _ in range(folds)]
    for label in ("ham", "spam"):
        idx = [i for i, r in enumerate(rows) if r.label == label]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            out[j % folds].append(i)
    return [sorted(f) for f in out]


def kfold(
    rows: Sequence[Row], config: Config, folds: int = 10, seed: int = 0,
    window: int | None = None,
) -> dict[str, object]:
    """Stratified k-fold after removing duplicate texts; batch ``fit`` on k-1 folds (their
    newest ``window`` rows, in file order, for the weights, as a windowed rebuild does).
    ``ceiling``: what the pooled test scores allow at the ham budget (:func:`ceiling`)."""
    data = dedupe(rows)
    parts = stratified_folds(data, folds, seed)
    kinds: list[str | None] = [None] * len(data)
    scores = [0.0] * len(data)
    spent = 0.0
    for f, test in enumerate(parts):
        test_set = set(test)
        train = [i for i in range(len(data)) if i not in test_set]
        history = MemoryHistory()
        examples: list[tuple[Submission, Label, HistoryStats | None]] = []
        engine = Engine(replace(config, seed=config.seed + f))
        for i in train:
            keys = engine.keys(data[i].sub)
            examples.append((data[i].sub, data[i].label, history.stats(keys)))
            history.add(keys)
        engine.fit(examples, window=window)
        for i in test:
            keys = engine.keys(data[i].sub)
            stats = history.stats(keys)
            t0 = time.process_time()
            kinds[i] = engine.check(data[i].sub, stats, keys=keys).kind
            spent += time.process_time() - t0
            scores[i] = engine.check(data[i].sub, stats, keys=keys, exact=True).score
    labels = [r.label for r in data]
    return {
        "protocol": f"kfold{folds}",
        **metrics(labels, [k or "ham" for k in kinds], spent),
        "ceiling": ceiling(labels, scores, config.ham_bin_budget),
    }


def config_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as Config fields, each value read as its default's type.

    Any: each value has its own field's type, checked here at run time, which a static type
    cannot say per name.
    """
    defaults = Config()
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or name not in Config.__dataclass_fields__ or name in ("disabled",
                                                                          "secret_key"):
            raise ValueError(f"--set {pair!r}: expected NAME=VALUE with NAME a setting")
        kind = type(getattr(defaults, name))
        try:
            if kind is bool:
                if raw.strip().lower() not in ("true", "false", "1", "0"):
                    raise ValueError(raw)
                out[name] = raw.strip().lower() in ("true", "1")
            else:
                out[name] = kind(raw)
        except ValueError:
            raise ValueError(f"--set {pair!r}: {raw!r} is not a {kind.__name__}") from None
    return out

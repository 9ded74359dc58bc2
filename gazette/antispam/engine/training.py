"""The examples of a batch training run, held in a few flat arrays.

A rebuild learns from every stored moderation decision, and a busy site stores hundreds of
thousands. Kept as Python objects per example (an array of buckets, a dict of named values,
the reputation keys as strings, the lookup keys and fingerprints), ``Engine.fit`` held about
12 kB an example (traced on SMS-sized comments); here an example costs its buckets (4 bytes
each, about 400 for a comment), a tuple of its few named values and 4 bytes per reputation
key, whose strings are kept once for the whole set: about 2 kB. Most of what a fit holds
beyond that is the SVM's values per row (``LinearModel.fit_svm``).

Only what training reads is kept: reasons, lookup keys and fingerprints are dropped once
an example's features are extracted.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np

NamedValues = tuple[tuple[str, float], ...]
# One reputation group of an example: its signal name and how many of the example's
# reputation keys (in order) belong to it.
GroupShape = tuple[tuple[str, int], ...]


class TrainableFeatures(Protocol):
    """What the engine's extracted features (``signals.Features``) offer to a training set."""

    @property
    def hashed(self) -> Sequence[int] | frozenset[int]: ...
    @property
    def named(self) -> dict[str, float]: ...
    @property
    def rep_groups(self) -> tuple[tuple[str, str, tuple[str, ...]], ...]: ...


class TrainingSet:
    """Labelled examples' features, appended one at a time, then read by row number.

    ``buckets(i)`` keeps the iteration order of the example's bucket set, so that every
    sum over it, and so the trained model, is the same as when training on the sets.
    """

    def __init__(self) -> None:
        self._buckets = array("i")
        self._ends = array("q")
        self._rep_ids = array("i")
        self._rep_ends = array("q")
        self._ys = array("b")
        self._foreign = array("b")
        self.named: list[NamedValues] = []
        # Each example's cleaned text, when a character model will score it after the fit
        # has counted every example ("" otherwise).
        self.texts: list[str] = []
        self.shapes: list[GroupShape] = []
        self.key_ids: dict[str, int] = {}
        self.key_names: list[str] = []
        # Most examples share one of a few group shapes: keep one copy of each.
        self._interned: dict[GroupShape, GroupShape] = {}
        self._frozen: tuple[np.ndarray, ...] | None = None

    def __len__(self) -> int:
        return len(self._ys)

    def add(
        self, features: TrainableFeatures, y: int, *, foreign: bool = False, text: str = ""
    ) -> None:
        """Append one example. Reputation and naive Bayes values are not kept: they
        depend on which examples a model is trained on and are computed per model.
        ``foreign``: labelled elsewhere (see ``Engine.learn``); ``text``: its cleaned text,
        kept for the character model."""
        if self._frozen is not None:
            raise RuntimeError("training set already read")
        self._buckets.extend(features.hashed)
        self._ends.append(len(self._buckets))
        named = tuple(
            (k, v)
            for k, v in features.named.items()
            if not k.startswith("reputation.") and k != "text.nb"
        )
        self.named.append(named)
        self.texts.append(text)
        shape: list[tuple[str, int]] = []
        for name, _, keys in features.rep_groups:
            shape.append((name, len(keys)))
            for key in keys:
                kid = self.key_ids.get(key)
                if kid is None:
                    kid = self.key_ids[key] = len(self.key_names)
                    self.key_names.append(key)
                self._rep_ids.append(kid)
        self._rep_ends.append(len(self._rep_ids))
        self.shapes.append(self._intern(tuple(shape)))
        self._ys.append(1 if y else 0)
        self._foreign.append(1 if foreign else 0)

    def _intern(self, value: GroupShape) -> GroupShape:
        return self._interned.setdefault(value, value)

    def _arrays(self) -> tuple[np.ndarray, ...]:
        if self._frozen is None:
            # Views of the arrays' own memory (the set takes no more rows once read).
            self._frozen = (
                np.frombuffer(self._buckets, dtype=np.int32),
                np.frombuffer(self._ends, dtype=np.int64),
                np.frombuffer(self._rep_ids, dtype=np.int32),
                np.frombuffer(self._rep_ends, dtype=np.int64),
                np.frombuffer(self._ys, dtype=np.int8),
                np.frombuffer(self._foreign, dtype=np.int8),
            )
        return self._frozen

    @property
    def ys(self) -> np.ndarray:
        return self._arrays()[4]

    @property
    def foreign(self) -> np.ndarray:
        return self._arrays()[5]

    def buckets(self, i: int) -> np.ndarray:
        buckets, ends, *_ = self._arrays()
        return buckets[(ends[i - 1] if i else 0) : ends[i]]

    def rep_ids(self, i: int) -> np.ndarray:
        _, _, rep, rep_ends, *_ = self._arrays()
        return rep[(rep_ends[i - 1] if i else 0) : rep_ends[i]]

    def bucket_counts(self, rows: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        """How many of the given rows' spam and ham examples have each bucket."""
        buckets, ends, *_ = self._arrays()
        return self._counts_by_label(rows, buckets, ends, size)

    def key_counts(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """How often each reputation key occurs in the given rows' spam and ham."""
        _, _, rep, rep_ends, *_ = self._arrays()
        return self._counts_by_label(rows, rep, rep_ends, len(self.key_names))

    def _counts_by_label(
        self, rows: np.ndarray, flat: np.ndarray, ends: np.ndarray, size: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Occurrences of each value of ``flat`` (rows delimited by ``ends``) in the given
        rows, spam rows' and ham rows' apart."""
        ys = self._arrays()[4]
        lengths = np.diff(ends, prepend=0)
        out = []
        for label in (1, 0):
            chosen = np.zeros(len(ends), dtype=bool)
            chosen[rows[ys[rows] == label]] = True
            out.append(np.bincount(flat[np.repeat(chosen, lengths)], minlength=size))
        return out[0], out[1]

    def subset(self, rows: np.ndarray) -> TrainingSet:
        """A new set of the given rows (ascending), keeping only their reputation keys
        (renumbered), so that a windowed fit's keys do not grow with the stream."""
        buckets, ends, rep, rep_ends, ys, foreign = self._arrays()
        chosen = np.zeros(len(ends), dtype=bool)
        chosen[rows] = True
        out = TrainingSet()
        lengths = np.diff(ends, prepend=0)
        out._buckets = array("i", buckets[np.repeat(chosen, lengths)].tobytes())
        out._ends = array("q", np.cumsum(lengths[chosen], dtype=np.int64).tobytes())
        rep_lengths = np.diff(rep_ends, prepend=0)
        kept = rep[np.repeat(chosen, rep_lengths)]
        used, renumbered = np.unique(kept, return_inverse=True)
        out._rep_ids = array("i", renumbered.astype(np.int32).tobytes())
        out._rep_ends = array("q", np.cumsum(rep_lengths[chosen], dtype=np.int64).tobytes())
        out._ys = array("b", ys[chosen].tobytes())
        out._foreign = array("b", foreign[chosen].tobytes())
        out.key_names = [self.key_names[int(kid)] for kid in used]
        out.key_ids = {key: kid for kid, key in enumerate(out.key_names)}
        kept_rows = np.flatnonzero(chosen).tolist()
        out.named = [self.named[i] for i in kept_rows]
        out.texts = [self.texts[i] for i in kept_rows]
        out.shapes = [self.shapes[i] for i in kept_rows]
        out._interned = self._interned
        return out

    def groups(self, i: int) -> Iterator[tuple[str, list[int]]]:
        """Example ``i``'s reputation groups: signal name and key ids."""
        ids = self.rep_ids(i).tolist()
        start = 0
        for name, n in self.shapes[i]:
            yield name, ids[start : start + n]
            start += n

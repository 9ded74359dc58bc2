"""The character model: a character language model per class, how likely a text is as
spam when read in order.

One name throughout: the module ``char_model``, the class :class:`CharModel`, the signal
group ``char_model`` (``Config.disabled``), its settings ``Config.char_model_*``, its part of
a verdict's signals ``text.char_model`` and ``Engine.char_model`` (None when off).

The linear model sees a text as a bag of hashed words and character n-grams. This model
reads it in order: each character predicted from the (up to) ``order`` characters before
it, in a model of the spam and one of the ham seen so far, each order interpolated with
the one below (Dirichlet smoothing, a prior of ``alpha`` pseudo-counts from the shorter
context). Its score is the log-likelihood ratio of the two, per square root of length.
Alone it ranks worse than the linear model; beside it, it ranks better than either
(compression-style models of spam: Bratko et al., JMLR 2006).
See docs/research/2026-11-29-character-model.md.

Counts of every n-gram of 1 to ``order + 1`` characters live in one hashed table of
(ham, spam) pairs; an n-gram's count serves both as "this context, then this character" and,
one character on, as a context. Counts are exactly incremental, and an example can be left
out of its own score (leave-one-out) by subtracting what it added.
"""

from __future__ import annotations

import math

import numpy as np

_PAD = 0x02  # before the text: the first characters are predicted from "start of text"
_END = 0x03  # after it: how texts end is part of the model
# Each step multiplies by a dense odd constant and folds the high half down: FNV-1a's
# sparse prime (2**40 + 435) left short strings of small code points colliding in the top
# bits ("<start><start>le" with "com<end>").
_MUL = np.uint64(0x9E3779B97F4A7C15)
_FOLD = np.uint64(29)
_FINAL = np.uint64(0xBF58476D1CE4E5B9)
_BASE = np.uint64(0xCBF29CE484222325)


class CharModel:
    """Character n-gram counts of spam and of ham, and the scores they imply."""

    def __init__(self, order: int = 4, bits: int = 21, alpha: float = 3.0) -> None:
        if order < 1:
            raise ValueError("order must be at least 1")
        self.order = order
        self.bits = bits
        self.alpha = alpha
        # counts[bucket] = (ham, spam): a check reads both from one cache line.
        self.counts = np.zeros((1 << bits, 2), dtype=np.uint32)
        self.chars = [0, 0]  # characters predicted, per class (the empty context's count)
        self.texts = [0, 0]  # texts, per class (the count of the start-of-text contexts)
        self._shift = np.uint64(64 - bits)

    def grams(self, text: str) -> np.ndarray:
        """Table rows of ``text``'s n-grams: shape (order + 1, len(text) + 1).

        Row k, column i: the k + 1 characters ending at the i-th predicted character (the
        text's characters, then the end of text), after ``order`` start-of-text marks.
        Read as (context of k characters, next character) it is what is predicted; the same
        n-gram one column on is the context of order k + 1. An n-gram's row depends on its
        characters only, so one count serves both.
        """
        k_max = self.order
        codes = np.frombuffer(
            (chr(_PAD) * k_max + text.lower() + chr(_END)).encode("utf-32-le", "surrogatepass"),
            dtype=np.uint32,
        ).astype(np.uint64)
        n = len(codes) - k_max
        h = np.empty((k_max + 1, n), dtype=np.uint64)
        with np.errstate(over="ignore"):
            # Hashed from the last character back, one character more a row.
            x = (codes[k_max:] ^ _BASE) * _MUL
            h[0] = x ^ (x >> _FOLD)
            for k in range(1, k_max + 1):
                x = (h[k - 1] ^ codes[k_max - k : k_max - k + n]) * _MUL
                h[k] = x ^ (x >> _FOLD)
            h *= _FINAL
        h >>= self._shift
        # Below 2**bits, so the same bits read as signed: an index array without a copy.
        return h.view(np.int64)

    def ready(self) -> bool:
        """Both classes seen: a score means something."""
        return self.chars[0] > 0 and self.chars[1] > 0

    def add(self, grams: np.ndarray, y: int, sign: int = 1) -> None:
        """Count one text of class ``y`` (``sign`` -1 takes it back out)."""
        col = 1 if y else 0
        table = self.counts[:, col]
        if sign > 0:
            np.add.at(table, grams.ravel(), 1)
        else:
            np.subtract.at(table, grams.ravel(), 1)
        self.chars[col] += sign * grams.shape[1]
        self.texts[col] += sign

    def score(self, grams: np.ndarray, exclude: int | None = None) -> float:
        """Log-likelihood ratio spam : ham of the text, per square root of its length.

        ``exclude`` (0 ham, 1 spam): the text was counted as that class; leave it out.
        0.0 until both classes have been seen.
        """
        n = grams.shape[1]
        k_max = self.order
        a = self.alpha
        chars = np.array(self.chars, dtype=np.float64)
        texts = np.array(self.texts, dtype=np.float64)
        vals = self.counts[grams].astype(np.float64)  # (order + 1, n, [ham, spam])
        if exclude is not None:
            col = 1 if exclude else 0
            _, inverse, times = np.unique(grams, return_inverse=True, return_counts=True)
            vals[..., col] -= times[inverse].reshape(grams.shape)
            chars[col] -= n
            texts[col] -= 1
        if chars.min() <= 0:
            return 0.0
        # The context of order k at column i is row k - 1 at column i - 1; before the first
        # character it is k start-of-text marks, seen once per text.
        den = np.empty((k_max, n, 2))
        den[:, 0] = texts
        den[:, 1:] = vals[:k_max, :-1]
        den += a
        # Order 0 backs off to a uniform choice among a few hundred characters.
        p = (vals[0] + a / 256.0) / (chars + a)
        for k in range(1, k_max + 1):
            p *= a
            p += vals[k]
            p /= den[k - 1]
        logp = np.log(np.maximum(p, 1e-12)).sum(axis=0)
        return float(logp[1] - logp[0]) / math.sqrt(n)

    def nonzero(self) -> np.ndarray:
        return np.flatnonzero(self.counts.any(axis=1))

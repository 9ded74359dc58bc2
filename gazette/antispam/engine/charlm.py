"""A character language model per class: how likely a text is as spam, read as a sequence.

The linear model sees a text as a bag of hashed words and character n-grams. This model
reads it in order: each character predicted from the (up to) ``order`` characters before
it, in a model of the spam and one of the ham seen so far, each order interpolated with
the one below (Dirichlet smoothing, a prior of ``alpha`` pseudo-counts from the shorter
context). Its score is the log-likelihood ratio of the two, per square root of length.
Alone it ranks worse than the linear model; beside it, it ranks better than either
(compression-style models of spam: Bratko et al., JMLR 2006). See docs/antispam.md.

Counts live in one hashed table per class, holding both (context, next character) pairs
and contexts, so a count is exactly incremental and an example can be left out of its own
score (leave-one-out) by subtracting what it added.
"""

from __future__ import annotations

import math

import numpy as np

_PAD = 0x02  # before the text: the first characters are predicted from "start of text"
_END = 0x03  # after it: how texts end is part of the model
_M1 = np.uint64(0x100000001B3)  # FNV-1a prime
_M2 = np.uint64(0x9E3779B97F4A7C15)
_M3 = np.uint64(0xC2B2AE3D27D4EB4F)
_CTX_SALT = np.uint64(0x5BD1E9955BD1E995)
_BASE = np.uint64(0xCBF29CE484222325)  # FNV offset basis


class CharModel:
    """Character n-gram counts of spam and of ham, and the scores they imply."""

    def __init__(self, order: int = 4, bits: int = 21, alpha: float = 3.0) -> None:
        if order < 1:
            raise ValueError("order must be at least 1")
        self.order = order
        self.bits = bits
        self.alpha = alpha
        # counts[1]: spam, counts[0]: ham.
        self.counts = np.zeros((2, 1 << bits), dtype=np.uint32)
        self.chars = [0, 0]  # characters predicted, per class (the empty context's count)
        self._shift = np.uint64(64 - bits)

    def grams(self, text: str) -> np.ndarray:
        """Table rows of ``text``: shape (2 * order + 1, len(text) + 1).

        Row k (0..order) is the (context of k characters, next character) pair at each
        position; row order + k (k = 1..order) is that context alone.
        """
        k_max = self.order
        codes = np.frombuffer(
            (chr(_PAD) * k_max + text.lower() + chr(_END)).encode("utf-32-le", "surrogatepass"),
            dtype=np.uint32,
        ).astype(np.uint64)
        n = len(codes) - k_max
        nxt = codes[k_max:]
        with np.errstate(over="ignore"):
            # ctx[k]: hash of the k characters before each position (FNV-style, one
            # character a step).
            ctx = np.empty((k_max + 1, n), dtype=np.uint64)
            ctx[0] = _BASE
            for k in range(1, k_max + 1):
                np.multiply(ctx[k - 1] ^ codes[k_max - k : k_max - k + n], _M1, out=ctx[k])
            out = np.empty((2 * k_max + 1, n), dtype=np.uint64)
            np.multiply(ctx ^ nxt, _M2, out=out[: k_max + 1])
            np.multiply(ctx[1:] ^ _CTX_SALT, _M3, out=out[k_max + 1 :])
        out >>= self._shift
        # Below 2**bits, so the same bits read as signed: an index array without a copy.
        return out.view(np.int64)

    def ready(self) -> bool:
        """Both classes seen: a score means something."""
        return self.chars[0] > 0 and self.chars[1] > 0

    def add(self, grams: np.ndarray, y: int, sign: int = 1) -> None:
        """Count one text of class ``y`` (``sign`` -1 takes it back out)."""
        flat = grams.ravel()
        table = self.counts[1 if y else 0]
        if sign > 0:
            np.add.at(table, flat, 1)
        else:
            np.subtract.at(table, flat, 1)
        self.chars[1 if y else 0] += sign * grams.shape[1]

    def add_counts(self, spam: np.ndarray, ham: np.ndarray, spam_chars: int,
                   ham_chars: int) -> None:
        """Add a batch's per-row counts (``np.bincount`` of the texts' grams)."""
        self.counts[1] += spam.astype(np.uint32)
        self.counts[0] += ham.astype(np.uint32)
        self.chars[1] += spam_chars
        self.chars[0] += ham_chars

    def score(self, grams: np.ndarray, exclude: int | None = None) -> float:
        """Log-likelihood ratio spam : ham of the text, per square root of its length.

        ``exclude`` (0 ham, 1 spam): the text was counted as that class; leave it out.
        0.0 until both classes have been seen.
        """
        n = grams.shape[1]
        if not n:
            return 0.0
        k_max = self.order
        a = self.alpha
        own = None
        if exclude is not None:
            flat = grams.ravel()
            _, inverse, times = np.unique(flat, return_inverse=True, return_counts=True)
            own = times[inverse].reshape(grams.shape).astype(np.float64)
        chars = self.chars
        totals = np.array(
            [chars[1] - (n if exclude == 1 else 0), chars[0] - (n if exclude == 0 else 0)],
            dtype=np.float64,
        )
        if totals.min() <= 0:
            return 0.0
        # vals[row, class]: contiguous per row, which the interpolation reads row by row.
        vals = np.empty((grams.shape[0], 2, n))
        vals[:, 0] = self.counts[1][grams]  # spam
        vals[:, 1] = self.counts[0][grams]  # ham
        if own is not None:
            vals[:, 0 if exclude == 1 else 1] -= own
        # Order 0 backs off to a uniform choice among a few hundred characters.
        p = (vals[0] + a / 256.0) / (totals[:, None] + a)
        for k in range(1, k_max + 1):
            p = (vals[k] + a * p) / (vals[k_max + k] + a)
        logp = np.log(np.maximum(p, 1e-12)).sum(axis=1)
        return float(logp[0] - logp[1]) / math.sqrt(n)

    def nonzero(self) -> np.ndarray:
        return np.flatnonzero(self.counts[0] | self.counts[1])

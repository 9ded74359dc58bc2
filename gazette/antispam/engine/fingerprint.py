"""Bottom-k MinHash sketches for near-duplicate text detection.

One hash function and the ``SKETCH`` smallest shingle hashes (a sort in C, far cheaper in
pure Python than k independent minima) estimate Jaccard similarity. The ``ANCHORS``
smallest values double as lookup keys: near duplicates share most of their smallest
hashes, so an indexed equality lookup on any anchor finds the candidates.
"""

from __future__ import annotations

import re
import zlib

SKETCH = 16
ANCHORS = 4
SHINGLE = 5
# Short texts ("nice song!") repeat innocently everywhere; only longer ones count.
MIN_CHARS = 25
NEAR_DUP_JACCARD = 0.6

_NON_ALNUM = re.compile(r"[\W_]+")


def canonical(text: str) -> str:
    """Lower-case letters and digits only, so spacing and punctuation tricks do not matter."""
    return _NON_ALNUM.sub("", text.lower())


def signature(text: str) -> tuple[int, ...]:
    """Bottom-k sketch of character shingle hashes, empty for texts too short to compare."""
    canon = canonical(text)
    if len(canon) < MIN_CHARS:
        return ()
    b = canon.encode("utf-8", "surrogatepass")
    crc = zlib.crc32
    hashes = {crc(b[i : i + SHINGLE]) for i in range(len(b) - SHINGLE + 1)}
    return tuple(sorted(hashes)[:SKETCH])


def bands(sig: tuple[int, ...]) -> tuple[str, ...]:
    """Lookup keys; near duplicates share at least one with high probability."""
    return tuple(f"{v:08x}" for v in sig[:ANCHORS])


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of two sketches (bottom-k of the union)."""
    if not a or not b:
        return 0.0
    k = min(len(a), len(b))
    union_bottom = sorted(set(a) | set(b))[:k]
    both = set(a) & set(b)
    return sum(1 for v in union_bottom if v in both) / k

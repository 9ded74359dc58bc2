"""Snapshots: an engine's whole state as compact, deterministic bytes, and back.

``SNAPSHOT_MAGIC`` then zlib-compressed JSON (sorted keys) with numeric arrays packed as
base64 of little-endian ``array`` bytes: no pickle, so a snapshot read from the database
runs no code. The secret key is never stored; a short salted hash of a constant tells
whether the right one was given back.

Format 5 (session 8) is the current one. Its key names are frozen: sites keep snapshots,
so they stay as written even where the code has since renamed the thing they hold
(``sequence_*`` and ``lm_*`` are the character model's reference scores and counts, and a
"sequence" in ``config.disabled`` is the "char_model" group). A change of what a snapshot
means takes a new format number; older formats are refused (``ValueError``) and the
caller replays its labelled examples instead.
"""

from __future__ import annotations

import array
import base64
import json
import sys
import zlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from .calibration import ScoreWindow
from .config import Config, config_from_dict, config_to_dict

if TYPE_CHECKING:
    from .engine import Engine

SNAPSHOT_MAGIC = b"GZAS"
# 4: session 4's text features (word trigrams, skip-bigrams, case-kept characters); weights
# trained on format 3's features would be read against different buckets.
# 5: the character model's counts and reference scores, character n-grams hashed by numpy
# (session 8).
SNAPSHOT_FORMAT = 5


def _key_check(engine: Engine) -> str:
    return engine.salted("check", "key")[:8]


def dumps(engine: Engine) -> bytes:
    """``engine``'s state; the same state always gives the same bytes."""
    m = engine.model
    keys = m.nonzero()
    nb = engine.nb
    nb_keys = nb.nonzero()
    # Index arrays: an empty Python list would index as floats.
    w_idx = np.asarray(keys, dtype=np.intp)
    nb_idx = np.asarray(nb_keys, dtype=np.intp)
    state: dict[str, object] = {
        "format": SNAPSHOT_FORMAT,
        "config": config_to_dict(engine.config),
        "key_check": _key_check(engine),
        "version": engine.version,
        "examples_seen": engine.examples_seen,
        "spam_seen": engine.spam_seen,
        "last_example_id": engine.last_example_id,
        "bias": m.bias,
        "w_keys": _pack("I", keys),
        "w_vals": _pack("d", m.w[w_idx].tolist()),
        "g_vals": _pack("d", m.g[w_idx].tolist()),
        "nw": {k: m.nw[k] for k in sorted(m.nw)},
        "ng": {k: m.ng[k] for k in sorted(m.ng)},
        "reputation": {k: engine.reputation[k] for k in sorted(engine.reputation)},
        "ham_scores": _pack("d", engine.ham_window.scores),
        "burn_in_scores": engine.ham_window.burn_in,
        "nb_n": [nb.n_spam, nb.n_ham],
        "nb_keys": _pack("I", nb_keys),
        "nb_spam": _pack("I", nb.spam[nb_idx].tolist()),
        "nb_ham": _pack("I", nb.ham[nb_idx].tolist()),
        "sequence_scores": _pack("d", engine.char_model_window.scores),
        "sequence_burn_in": engine.char_model_window.burn_in,
    }
    lm = engine.char_model
    if lm is not None:
        lm_idx = lm.nonzero()
        state["lm_chars"] = list(lm.chars)
        state["lm_texts"] = list(lm.texts)
        state["lm_keys"] = _pack("I", lm_idx.tolist())
        state["lm_spam"] = _pack("I", lm.counts[lm_idx, 1].tolist())
        state["lm_ham"] = _pack("I", lm.counts[lm_idx, 0].tolist())
    raw = json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
    return SNAPSHOT_MAGIC + zlib.compress(raw, 6)


def loads(blob: bytes, *, secret_key: str, make: Callable[[Config], Engine]) -> Engine:
    """The engine ``blob`` holds, built by ``make`` from its settings and ``secret_key``.

    ``ValueError`` for anything but a snapshot of this format made with this secret key.
    """
    if not blob.startswith(SNAPSHOT_MAGIC):
        raise ValueError("not an antispam engine snapshot")
    state: dict[str, Any] = json.loads(zlib.decompress(blob[len(SNAPSHOT_MAGIC) :]))
    if state.get("format") != SNAPSHOT_FORMAT:
        raise ValueError(f"unsupported snapshot format {state.get('format')!r}")
    eng = make(config_from_dict(state["config"], secret_key))
    if _key_check(eng) != state["key_check"]:
        raise ValueError("snapshot was made with a different secret_key")
    m = eng.model
    m.bias = state["bias"]
    keys = np.asarray(_unpack("I", state["w_keys"]), dtype=np.intp)
    m.w[keys] = _unpack("d", state["w_vals"])
    m.g[keys] = _unpack("d", state["g_vals"])
    m.nw = dict(state["nw"])
    m.ng = dict(state["ng"])
    eng.reputation = {k: list(v) for k, v in state["reputation"].items()}
    eng.ham_window = ScoreWindow(_unpack("d", state["ham_scores"]), state["burn_in_scores"])
    eng.nb.n_spam, eng.nb.n_ham = state["nb_n"]
    eng.nb.restore(
        _unpack("I", state["nb_keys"]), _unpack("I", state["nb_spam"]),
        _unpack("I", state["nb_ham"]),
    )
    eng.char_model_window = ScoreWindow(_unpack("d", state["sequence_scores"]),
                                        state["sequence_burn_in"])
    lm = eng.char_model
    if lm is not None and "lm_keys" in state:
        lm_idx = np.asarray(_unpack("I", state["lm_keys"]), dtype=np.intp)
        lm.counts[lm_idx, 1] = _unpack("I", state["lm_spam"])
        lm.counts[lm_idx, 0] = _unpack("I", state["lm_ham"])
        lm.chars = list(state["lm_chars"])
        lm.texts = list(state["lm_texts"])
    eng.version = state["version"]
    eng.examples_seen = state["examples_seen"]
    eng.spam_seen = state["spam_seen"]
    eng.last_example_id = state["last_example_id"]
    return eng


def _pack(code: str, values: Sequence[float] | Sequence[int]) -> str:
    arr = array.array(code, values)
    if sys.byteorder != "little":
        arr.byteswap()
    return base64.b64encode(arr.tobytes()).decode("ascii")


@overload
def _unpack(code: Literal["I"], text: str) -> list[int]: ...
@overload
def _unpack(code: Literal["d"], text: str) -> list[float]: ...
def _unpack(code: str, text: str) -> list[int] | list[float]:
    arr = array.array(code)
    arr.frombytes(base64.b64decode(text))
    if sys.byteorder != "little":
        arr.byteswap()
    return arr.tolist()

"""Snapshots already stored on sites keep loading, and mean what they meant."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from gazette.antispam.engine import Engine, Submission
from gazette.antispam.engine.snapshots import SNAPSHOT_MAGIC

# Written by the engine before it was split into modules (commit 5607910): 8 examples
# learned online under small settings, secret key "format-5".
STORED = Path(__file__).parent / "data" / "snapshot_format5.bin"


def test_a_stored_snapshot_loads_and_writes_back_the_same_bytes() -> None:
    blob = STORED.read_bytes()
    engine = Engine.loads(blob, secret_key="format-5")
    assert engine.dumps() == blob
    assert (engine.examples_seen, engine.last_example_id) == (8, 8)
    assert len(engine.ham_scores) == 4 and len(engine.char_model_window) == 6


def test_a_stored_snapshot_gives_the_verdicts_it_gave_when_written() -> None:
    engine = Engine.loads(STORED.read_bytes(), secret_key="format-5")
    spam = engine.check(Submission(content="cheap pills, click now"), exact=True)
    ham = engine.check(Submission(content="thanks for the photo"), exact=True)
    # Figures printed by the engine that wrote the snapshot.
    assert spam.kind == "spam" and spam.score == pytest.approx(0.883165724073131, rel=1e-9)
    assert ham.kind == "ham" and ham.score == pytest.approx(0.004418843031118733, rel=1e-9)
    assert spam.signals["text.char_model"] == pytest.approx(1.0)
    assert ham.signals["text.char_model"] == pytest.approx(-1.0)


def test_the_character_model_group_keeps_its_old_name_in_stored_settings() -> None:
    blob = STORED.read_bytes()
    state = json.loads(zlib.decompress(blob[len(SNAPSHOT_MAGIC) :]))
    state["config"]["disabled"] = ["sequence"]
    raw = json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
    engine = Engine.loads(SNAPSHOT_MAGIC + zlib.compress(raw), secret_key="format-5")
    assert engine.config.disabled == {"char_model"} and engine.char_model is None


def test_a_wrong_secret_or_format_is_refused() -> None:
    blob = STORED.read_bytes()
    with pytest.raises(ValueError, match="secret_key"):
        Engine.loads(blob, secret_key="another")
    state = json.loads(zlib.decompress(blob[len(SNAPSHOT_MAGIC) :]))
    state["format"] = 4
    raw = json.dumps(state).encode()
    with pytest.raises(ValueError, match="format"):
        Engine.loads(SNAPSHOT_MAGIC + zlib.compress(raw), secret_key="format-5")

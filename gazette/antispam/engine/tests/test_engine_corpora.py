"""Optional checks on the shared corpora; skipped when they are not present."""

from __future__ import annotations

import pytest

from gazette.antispam.engine import Config, corpora, evaluate

pytestmark = pytest.mark.skipif(not corpora.available(), reason="shared corpora not present")


def test_converters_read_every_row() -> None:
    yt = corpora.youtube_rows()
    sms = corpora.sms_rows()
    assert len(yt) == 1956 and sum(r["label"] == "spam" for r in yt) == 1005
    assert len(sms) == 5574 and sum(r["label"] == "spam" for r in sms) == 747
    assert not any("\ufeff" in r["text"] or "&#39;" in r["text"] for r in yt)
    assert set(yt[0]) == {"text", "label", "author", "article"}  # no DATE


def test_short_prequential_stream_learns() -> None:
    rows = evaluate.rows_from_dicts(corpora.youtube_rows()[:300])
    result = evaluate.prequential(rows, Config())
    after = result["after_100"]
    assert isinstance(after, dict)
    assert after["ham_binned_rate"] <= 0.02
    assert after["spam_caught_rate"] + after["spam_held_rate"] > 0.7

"""`gazette antispam ...`: keys, training, rebuilds, evaluation and corpus conversion."""

from __future__ import annotations

import csv
import json
import re

import pytest

from gazette import cli
from gazette.antispam import state
from gazette.antispam.engine import Submission
from gazette.antispam.models import ApiKey, EnginePool, EngineSnapshot, LabelledExample

from .helpers import HAM_TEXTS, SPAM_TEXTS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_test_connection")]


@pytest.fixture
def keep_test_connection(monkeypatch):
    """A management command run from the command line closes every database connection when
    it ends; in a test that would close the test's transaction."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(capsys, *args: str) -> str:
    capsys.readouterr()
    assert cli.main(["antispam", *args]) == 0
    return capsys.readouterr().out


def write_csv(path, rows: int = 40, extra: bool = True) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        fields = ["text", "label", "author", "email", "url", "ip", "created"] if extra else [
            "text", "label"]
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for i in range(rows):
            spam = i % 3 == 0
            texts = SPAM_TEXTS if spam else HAM_TEXTS
            row = {"text": f"{texts[i % len(texts)]} #{i}", "label": "spam" if spam else "ham"}
            if extra:
                row.update(author=f"Person {i % 4}", email=f"p{i % 5}@example.org",
                           url="", ip=f"192.0.2.{i}", created=f"2024-05-01T10:{i % 60:02d}:00")
            writer.writerow(row)


def test_key_create_prints_a_new_key(capsys):
    out = run(capsys, "key", "create", "--site", "https://blog.example.org",
              "--site", "news.example.net", "--name", "Blogs")
    key = out.strip()
    assert re.fullmatch(r"[0-9a-f]{12}", key)
    api_key = ApiKey.objects.get(key=key)
    assert sorted(api_key.sites.values_list("host", flat=True)) == ["blog.example.org",
                                                                    "news.example.net"]
    assert api_key.name == "Blogs"
    listing = run(capsys, "key", "list")
    assert key in listing and "blog.example.org" in listing


def test_keys_are_unique_lowercase_hex():
    from gazette.antispam.models import generate_key

    keys = {generate_key() for _ in range(2000)}
    assert len(keys) == 2000
    assert all(re.fullmatch(r"[0-9a-f]{12}", k) for k in keys)


def test_train_then_rebuild(capsys, tmp_path):
    data = tmp_path / "seed.csv"
    write_csv(data)
    out = run(capsys, "train", str(data))
    assert "stored 40 examples (14 spam) in pool shared as a corpus labelled elsewhere" in out
    assert "rebuilt shared: generation 1, 40 examples" in out
    example = LabelledExample.objects.order_by("id").first()
    assert (example.source, example.author, example.user_ip) == ("corpus", "Person 0",
                                                                 "192.0.2.0")
    with state.engine_for("shared") as engine:
        assert engine.ham_scores == []  # labelled elsewhere: no say in the thresholds
    assert example.posted_at is not None
    assert EnginePool.objects.get(name="shared").generation == 1
    with state.engine_for("shared") as engine:
        assert engine.examples_seen == 40
        spam = engine.check(Submission(content=SPAM_TEXTS[0]))
        ham = engine.check(Submission(content=HAM_TEXTS[0]))
        assert spam.score > ham.score

    out = run(capsys, "rebuild")
    assert "rebuilt shared: generation 2, 40 examples" in out
    out = run(capsys, "rebuild", "--window", "10")
    assert "rebuilt shared: generation 3, 40 examples" in out
    with pytest.raises(SystemExit):
        cli.main(["antispam", "rebuild", "--window", "-1"])
    assert "--window must be 0 (all decisions) or more" in capsys.readouterr().err
    out = run(capsys, "rebuild", "--pool", "shared", "--online")
    assert "generation 4" in out
    state.forget()
    with state.engine_for("shared") as engine:
        assert engine.examples_seen == 40 and engine.ham_scores == []
    assert EngineSnapshot.objects.filter(pool="shared").count() == state.SNAPSHOTS_KEPT
    assert "shared: 40 examples, generation 4" in run(capsys, "status")


def test_train_into_a_key_pool_without_rebuild(capsys, tmp_path, settings, api_key):
    settings.GAZETTE_ANTISPAM_SHARED_LEARNING = False
    data = tmp_path / "seed.csv"
    write_csv(data, rows=6, extra=False)
    out = run(capsys, "train", str(data), "--key", api_key.key, "--no-rebuild")
    assert f"in pool key:{api_key.pk}" in out and "rebuilt" not in out
    with state.engine_for(f"key:{api_key.pk}") as engine:
        assert engine.examples_seen == 6  # replayed online
        assert engine.ham_scores == []  # a corpus: it trains, it does not calibrate
    run(capsys, "train", str(data), "--key", api_key.key, "--no-rebuild", "--own")
    with state.engine_for(f"key:{api_key.pk}") as engine:
        assert engine.examples_seen == 12
        assert len(engine.ham_scores) == 4  # this site's own ham: each scored as it came


def test_rebuild_window_option(capsys, tmp_path, settings):
    settings.GAZETTE_ANTISPAM_ENGINE_OPTIONS = {"ham_bin_budget": 0.5}  # windows from 20
    data = tmp_path / "exported.csv"
    write_csv(data)
    run(capsys, "train", str(data), "--own", "--no-rebuild")
    assert "rebuilt shared: generation 1, 40 examples" in run(capsys, "rebuild", "--window", "10")
    made = bytes(EngineSnapshot.objects.get(pool="shared", generation=1).blob)
    assert made == bytes(state.rebuild("shared", window=20).blob)
    assert made != bytes(state.rebuild("shared", window=0).blob)


def test_train_refuses_bad_input(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no such file"):
        call_command("antispam", "train", str(tmp_path / "missing.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_text("text,label\nhello,maybe\n")
    with pytest.raises(CommandError, match="no rows labelled"):
        call_command("antispam", "train", str(empty))


def test_eval_prints_one_json_line(capsys, tmp_path):
    data = tmp_path / "eval.csv"
    write_csv(data, rows=60)
    for protocol in ("prequential", "kfold"):
        out = run(capsys, "eval", str(data), "--protocol", protocol, "--folds", "3")
        lines = out.strip().splitlines()
        assert len(lines) == 1
        result = json.loads(lines[0])
        assert result["protocol"] in ("prequential", "kfold3")
        assert result["n"] > 0 and "mcc" in result


def test_corpus_conversion_reads_in_place(capsys, tmp_path):
    root = tmp_path / "corpora"
    (root / "youtube").mkdir(parents=True)
    (root / "sms").mkdir()
    (root / "youtube" / "Youtube01-Test.csv").write_text(
        "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n1,Al,2014-01-01,Nice song &#39;ok&#39;,0\n"
        "2,Bo,,Check my channel,1\n", encoding="utf-8")
    (root / "sms" / "SMSSpamCollection").write_text("ham\thello\nspam\tWIN now\n")
    out_path = tmp_path / "youtube.csv"
    out = run(capsys, "corpus", "youtube", "--root", str(root), "--out", str(out_path))
    assert "wrote 2 rows (1 spam)" in out
    rows = list(csv.DictReader(out_path.open(encoding="utf-8")))
    assert rows[0]["text"] == "Nice song 'ok'" and rows[1]["label"] == "spam"


def test_train_own_decisions_sets_the_thresholds(capsys, tmp_path):
    data = tmp_path / "exported.csv"
    write_csv(data)
    out = run(capsys, "train", str(data), "--own")
    assert out.startswith("stored 40 examples (14 spam) in pool shared\n")
    assert set(LabelledExample.objects.values_list("source", flat=True)) == {"imported"}
    with state.engine_for("shared") as engine:
        assert len(engine.ham_scores) == 26  # every ham, scored by a held-out model
    run(capsys, "rebuild", "--online")
    state.forget()
    with state.engine_for("shared") as engine:
        assert len(engine.ham_scores) == 26


def test_mark_own_turns_an_earlier_import_into_this_sites_decisions(capsys, tmp_path):
    data = tmp_path / "exported-before-own-existed.csv"
    write_csv(data)
    run(capsys, "train", str(data))
    with state.engine_for("shared") as engine:
        assert engine.ham_scores == []
    out = run(capsys, "mark-own")
    assert "shared: 40 corpus examples marked as this site's own" in out
    assert "rebuilt shared: generation 2" in out
    assert set(LabelledExample.objects.values_list("source", flat=True)) == {"imported"}
    with state.engine_for("shared") as engine:
        assert len(engine.ham_scores) == 26
    assert "shared: 0 corpus examples marked" in run(capsys, "mark-own", "--pool", "shared")

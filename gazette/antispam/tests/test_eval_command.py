"""``gazette antispam eval`` and ``corpus``: the engine's evaluation and corpus readers on
the command line (the engine itself has no command line and no machine path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazette.antispam.engine import corpora
from gazette.antispam.engine.tests.samples import HAM_TEXTS, SPAM_TEXTS, write_sample_csv
from gazette.antispam.management.commands.antispam import corpora_root, corpus_main, eval_main


@pytest.mark.parametrize("protocol", ["prequential", "kfold"])
def test_main_prints_one_json_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], protocol: str
) -> None:
    data = write_sample_csv(tmp_path / "d.csv")
    assert eval_main([str(data), "--protocol", protocol, "--folds", "2"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    result = json.loads(out[0])
    for key in (
        "n",
        "ham_binned_rate",
        "ham_held_rate",
        "spam_caught_rate",
        "spam_published_rate",
        "precision",
        "recall",
        "f1",
        "mcc",
        "checks_per_second",
    ):
        assert key in result
    if protocol == "prequential":
        assert result["after_100"]["n"] == result["n"] - 100


def test_converter_refuses_to_write_into_the_repo() -> None:
    inside = Path(__file__).resolve().parent / "corpus.csv"
    with pytest.raises(SystemExit):
        corpus_main(["sms", "--out", str(inside)])
    assert not inside.exists()


@pytest.mark.parametrize("solver", ["sgd", "svm"])
def test_main_chooses_the_fit_solver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], solver: str
) -> None:
    data = write_sample_csv(tmp_path / "d.csv")
    args = [str(data), "--protocol", "kfold", "--folds", "2", "--fit-solver", solver]
    assert eval_main(args) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["fit_solver"] == solver


def test_main_applies_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_sample_csv(tmp_path / "d.csv")
    assert eval_main([str(data), "--set", "char_model_weight=0"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["settings"] == {"char_model_weight": 0.0}
    with pytest.raises(SystemExit):
        eval_main([str(data), "--set", "char_model_weight=heavy"])




def test_corpora_are_found_through_the_environment_or_beside_the_project(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("GAZETTE_CORPORA", raising=False)
    project = Path(__file__).resolve().parents[3]
    assert corpora_root() == corpora.DEFAULT_ROOT == project.parent / "shared" / "corpora"
    monkeypatch.setenv("GAZETTE_CORPORA", str(tmp_path))
    assert corpora_root() == tmp_path


def test_eval_reads_a_corpus_from_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "youtube").mkdir()
    sms = tmp_path / "sms"
    sms.mkdir()
    lines = [f"ham\t{t} #{i}" for i in range(10) for t in HAM_TEXTS]
    lines += [f"spam\t{t} #{i}" for i in range(10) for t in SPAM_TEXTS]
    (sms / "SMSSpamCollection").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert eval_main(["--corpus", "sms", "--root", str(tmp_path), "--disable", "sequence"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == len(lines) and result["disabled"] == ["char_model"]
    with pytest.raises(SystemExit):
        eval_main(["--corpus", "sms", "--root", str(tmp_path), "--disable", "nonsense"])
    with pytest.raises(SystemExit):  # no corpora there: an error, not figures of nothing
        eval_main(["--corpus", "youtube", "--root", str(tmp_path / "absent")])

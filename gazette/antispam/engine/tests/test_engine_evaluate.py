from __future__ import annotations

from pathlib import Path

import pytest

from gazette.antispam.engine import Config, evaluate

from .samples import write_sample_csv


def test_metrics_counts_hold_as_not_spam() -> None:
    m = evaluate.metrics(["spam", "spam", "ham", "ham"], ["discard", "hold", "hold", "ham"], 1.0)
    assert m["spam_caught_rate"] == 0.5 and m["ham_binned_rate"] == 0.0
    assert m["ham_held_rate"] == 0.5 and m["precision"] == 1.0


def test_settings_are_read_as_their_defaults_types() -> None:
    got = evaluate.config_overrides(
        ["char_model_weight=0", "char_model_order=3", "nb_feature=true", "fit_solver=sgd"]
    )
    assert got == {"char_model_weight": 0.0, "char_model_order": 3, "nb_feature": True,
                   "fit_solver": "sgd"}
    for bad in ("char_model_weight", "nope=1", "char_model_order=x", "nb_feature=maybe",
                "secret_key=s"):
        with pytest.raises(ValueError, match="--set"):
            evaluate.config_overrides([bad])


def test_ceiling_is_the_best_threshold_within_the_ham_budget() -> None:
    labels = ["spam", "ham", "spam", "spam", "ham", "ham", "ham", "spam"]
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
    # No ham may be binned: only the first spam is above a threshold that bins none.
    only_first = evaluate.metrics(labels, ["spam"] + ["ham"] * 7, 1.0)["mcc"]
    assert evaluate.ceiling(labels, scores, 0.0) == {"mcc": only_first, "ham_binned_rate": 0.0}
    # One ham in four may be binned: binning down to 0.6 catches three spam of four.
    got = evaluate.ceiling(labels, scores, 0.25)
    assert got["ham_binned_rate"] == 0.25
    assert got["mcc"] == round(evaluate.metrics(
        labels, ["spam"] * 4 + ["ham"] * 4, 1.0)["mcc"], 5)


def test_ceiling_never_splits_tied_scores() -> None:
    # A spam and a ham with the same score are binned together or not at all.
    labels = ["spam", "spam", "ham", "ham", "ham"]
    scores = [0.9, 0.5, 0.5, 0.1, 0.1]
    got = evaluate.ceiling(labels, scores, 0.0)
    assert got["ham_binned_rate"] == 0.0
    assert got["mcc"] == round(evaluate.metrics(
        labels, ["spam", "ham", "ham", "ham", "ham"], 1.0)["mcc"], 5)


def test_kfold_reports_a_ceiling_no_lower_than_its_own_thresholds(tmp_path: Path) -> None:
    rows = evaluate.read_csv(write_sample_csv(tmp_path / "d.csv"))
    result = evaluate.kfold(rows, Config(ham_bin_budget=0.05), folds=2)
    ceiling = result["ceiling"]
    assert isinstance(ceiling, dict)
    assert ceiling["ham_binned_rate"] <= 0.05
    if result["ham_binned_rate"] <= 0.05:  # type: ignore[operator]
        assert ceiling["mcc"] >= result["mcc"]  # type: ignore[operator]

"""The learned parts: shape tokens, fast sums, averaged batch training, snapshot format."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from gazette.antispam.engine import Config, Engine
from gazette.antispam.engine import engine as engine_module
from gazette.antispam.engine.engine import SNAPSHOT_FORMAT, SNAPSHOT_MAGIC
from gazette.antispam.engine.model import Averager, LinearModel, NaiveBayesRatios
from gazette.antispam.engine.text import clean_text, shape_tokens, text_features

from .conftest import sub
from .samples import HAM_TEXTS, SPAM_TEXTS


def test_shape_tokens_name_the_kind_of_token() -> None:
    toks = shape_tokens(
        "call 09061701461 now! win £1000 or txt WIN to 80086. www.win.example "
        "mail a@b.example, 150p/msg"
    )
    assert toks.count("#phone") == 1
    assert toks.count("#money") == 2
    assert "#num5" in toks and "#url" in toks and "#email" in toks
    assert shape_tokens("no digits here") == []


def test_different_phone_numbers_share_a_feature() -> None:
    a = text_features(clean_text("ring 09061701461"))
    b = text_features(clean_text("ring 08712460324"))
    c = text_features(clean_text("ring me later"))
    shared = a & b
    assert shared - c  # something beyond "ring": the phone-number shape


def test_skip_bigrams_survive_a_changed_word() -> None:
    mine, his = "check out my channel", "check out his channel"
    plain = text_features(mine, skip_window=0) & text_features(his, skip_window=0)
    skips = text_features(mine) & text_features(his)
    # "out _ channel" and "check _ _ channel": the same pairs at the same gaps.
    assert len(skips - plain) == 2
    # A gap is part of the feature: the pair two apart is not the pair three apart.
    assert not (text_features("out x channel") - text_features("out x", skip_window=0)
                - text_features("x channel", skip_window=0)) & text_features("out x y channel")


def test_word_trigrams_are_features_of_their_own() -> None:
    with_tri = text_features("free entry now", word_ngrams=3) - text_features(
        "free entry", word_ngrams=3
    ) - text_features("entry now", word_ngrams=3)
    without = text_features("free entry now", word_ngrams=2) - text_features(
        "free entry", word_ngrams=2
    ) - text_features("entry now", word_ngrams=2)
    assert len(with_tri) > len(without)


def test_character_ngrams_keep_case_unless_told_not_to() -> None:
    shout, calm = text_features("FREE"), text_features("free")
    assert shout - calm and calm - shout
    # Words are always lower-cased, so the two still share their word features.
    assert shout & calm
    assert text_features("FREE", char_case=False) == text_features("free", char_case=False)


@pytest.mark.parametrize("keys", [[], [3], [1, 5, 9, 5000]])
def test_text_logit_is_the_weighted_sum_of_its_buckets(keys: list[int]) -> None:
    m = LinearModel({}, initial_bias=0.0, learning_rate=0.5, named_learning_rate=0.1,
                    bias_learning_rate=0.1)
    m.w[:6000] = np.arange(6000) / 7
    expected = sum(k / 7 for k in keys) / np.sqrt(len(keys)) if keys else 0.0
    assert m.text_logit(frozenset(keys)) == pytest.approx(expected)


def test_averaged_weights_are_the_mean_over_steps() -> None:
    m = LinearModel({}, initial_bias=0.0, learning_rate=0.5, named_learning_rate=0.1,
                    bias_learning_rate=0.1)
    plain = LinearModel({}, initial_bias=0.0, learning_rate=0.5, named_learning_rate=0.1,
                        bias_learning_rate=0.1)
    avg = Averager()
    trail = []
    for y in (1, 0, 1, 1):
        m.update(frozenset({7}), {"x": 1.0}, y, avg)
        plain.update(frozenset({7}), {"x": 1.0}, y)
        trail.append((m.w[7], m.nw["x"], m.bias))
    assert (m.w[7], m.bias) == (plain.w[7], plain.bias)  # averaging only records
    m.average(avg)
    assert m.w[7] == pytest.approx(sum(t[0] for t in trail) / 4)
    assert m.nw["x"] == pytest.approx(sum(t[1] for t in trail) / 4)
    assert m.bias == pytest.approx(sum(t[2] for t in trail) / 4)


def test_fit_with_and_without_averaging_both_rank_spam_higher() -> None:
    examples = [(sub(t), "ham", None) for t in HAM_TEXTS] + [
        (sub(t), "spam", None) for t in SPAM_TEXTS
    ]
    for average in (True, False):
        e = Engine(Config(secret_key="k", calibration_folds=2, average=average, fit_solver="sgd"))
        e.fit(examples)  # type: ignore[arg-type]
        spam = min(e.check(sub(t)).score for t in SPAM_TEXTS)
        ham = max(e.check(sub(t)).score for t in HAM_TEXTS)
        assert spam > ham


def test_fit_is_deterministic() -> None:
    examples = [(sub(t), "ham", None) for t in HAM_TEXTS] + [
        (sub(t), "spam", None) for t in SPAM_TEXTS
    ]
    a, b = Engine(Config(secret_key="k")), Engine(Config(secret_key="k"))
    a.fit(examples)  # type: ignore[arg-type]
    b.fit(examples)  # type: ignore[arg-type]
    assert a.dumps() == b.dumps()


@pytest.mark.parametrize("solver", ["svm", "sgd"])
def test_batch_training_on_compact_features_gives_the_same_model(monkeypatch, solver) -> None:
    examples = [(sub(t), "ham", None) for t in HAM_TEXTS] + [
        (sub(t), "spam", None) for t in SPAM_TEXTS
    ]
    config = Config(secret_key="k", calibration_folds=2, fit_solver=solver)
    compact = Engine(config)
    compact.fit(examples)  # type: ignore[arg-type]
    monkeypatch.setattr(engine_module, "_compact", lambda features: features)
    as_sets = Engine(config)
    as_sets.fit(examples)  # type: ignore[arg-type]
    assert compact.dumps() == as_sets.dumps()


def test_snapshot_of_an_older_format_is_refused() -> None:
    e = Engine(Config(secret_key="k"))
    e.learn(sub("hello"), "ham")
    state = json.loads(zlib.decompress(e.dumps()[len(SNAPSHOT_MAGIC):]))
    assert state["format"] == SNAPSHOT_FORMAT
    state["format"] = SNAPSHOT_FORMAT - 1
    old = SNAPSHOT_MAGIC + zlib.compress(json.dumps(state).encode())
    with pytest.raises(ValueError, match="format"):
        Engine.loads(old, secret_key="k")


def test_thresholds_follow_the_ham_window_incrementally() -> None:
    from gazette.antispam.engine import conformal_threshold

    e = Engine(Config(secret_key="k", calibration_window=150, ham_bin_budget=0.02))
    for i in range(400):
        text = HAM_TEXTS[i % len(HAM_TEXTS)] + f" {i}"
        e.learn(sub(text), "ham")
        if i % 37 == 0:
            e.learn(sub(SPAM_TEXTS[i % len(SPAM_TEXTS)]), "spam")
        if i % 10 == 0:
            _, binned, _ = e.thresholds()
            expected = conformal_threshold(list(e.ham_scores), 0.02)
            if expected is not None:
                assert binned == max(expected, e.config.min_bin_score)
            elif len(e.ham_scores) >= e.config.cold_bin_min_ham:
                assert binned == max(max(e.ham_scores), e.config.cold_bin_score)
            else:
                assert binned is None
    assert len(e.ham_scores) == 150
    assert e._ranked == sorted(e.ham_scores)


def test_svm_fit_separates_and_online_learning_continues() -> None:
    examples = [(sub(t), "ham", None) for t in HAM_TEXTS] + [
        (sub(t), "spam", None) for t in SPAM_TEXTS
    ]
    e = Engine(Config(secret_key="k", calibration_folds=2, fit_solver="svm"))
    e.fit(examples)  # type: ignore[arg-type]
    spam = min(e.check(sub(t)).score for t in SPAM_TEXTS)
    ham = max(e.check(sub(t)).score for t in HAM_TEXTS)
    assert spam > 0.5 > ham
    probe = sub("a brand new kind of offer nobody has seen")
    before = e.check(probe).score
    e.learn(probe, "spam")
    assert e.check(probe).score > before
    clone = Engine(Config(secret_key="k", calibration_folds=2, fit_solver="svm"))
    clone.fit(examples)  # type: ignore[arg-type]
    clone.learn(probe, "spam")
    assert clone.dumps() == e.dumps()


def test_nb_scaling_weighs_telling_features_more() -> None:
    e = Engine(Config(secret_key="k"))
    assert e.model.scale is e.nb
    e.nb.add(frozenset({1, 2}), 1)
    e.nb.add(frozenset({2, 3}), 0)
    telling, neutral = e.model.values([1, 2])
    assert telling > neutral > 0  # the floor keeps a neutral feature learnable
    binary = Engine(Config(secret_key="k", text_scaling="binary")).model
    assert binary.values([1, 2]) == pytest.approx([2**-0.5, 2**-0.5])
    with pytest.raises(ValueError):
        Engine(Config(text_scaling="tfidf"))


def test_mean_naive_bayes_feature_only_when_asked() -> None:
    for nb_feature in (False, True):
        e = Engine(Config(secret_key="k", nb_feature=nb_feature))
        for h, s in zip(HAM_TEXTS, SPAM_TEXTS, strict=False):
            e.learn(sub(h), "ham")
            e.learn(sub(s), "spam")
        signals = e.check(sub(SPAM_TEXTS[0])).signals
        assert ("text.nb" in signals) is nb_feature


def test_naive_bayes_leave_one_out_equals_never_having_counted_it() -> None:
    nb, without = NaiveBayesRatios(), NaiveBayesRatios()
    for feats, y in (({1, 2, 3}, 1), ({2, 3, 4}, 0), ({3, 5}, 1), ({4, 6}, 0)):
        nb.add(frozenset(feats), y)
        without.add(frozenset(feats), y)
    last = frozenset({1, 2, 7})
    nb.add(last, 1)
    assert nb.score(last, exclude=1) == pytest.approx(without.score(last))
    assert nb.score(last, exclude=1) != pytest.approx(nb.score(last))


def test_feature_settings_cannot_change_under_a_trained_model() -> None:
    e = Engine(Config(secret_key="k"))
    e.learn(sub("free spins at the casino"), "spam")
    assert e.with_config(ham_bin_budget=0.001).config.ham_bin_budget == 0.001
    for change in ({"word_ngrams": 2}, {"char_case": False}, {"disabled": frozenset({"text"})}):
        with pytest.raises(ValueError, match="change the features"):
            e.with_config(**change)

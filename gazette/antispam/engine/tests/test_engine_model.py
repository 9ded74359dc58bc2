"""The learned parts: shape tokens, fast sums, averaged batch training, snapshot format."""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from gazette.antispam.engine import Config, Engine, Submission, fitting, signals
from gazette.antispam.engine.model import Averager, LinearModel, NaiveBayesRatios
from gazette.antispam.engine.snapshots import SNAPSHOT_FORMAT, SNAPSHOT_MAGIC
from gazette.antispam.engine.text import clean_text, shape_tokens, text_features
from gazette.antispam.engine.types import Example

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
    examples: list[Example] = [(sub(t), "ham", None) for t in HAM_TEXTS] + [
        (sub(t), "spam", None) for t in SPAM_TEXTS
    ]
    for average in (True, False):
        e = Engine(Config(secret_key="k", calibration_folds=2, average=average, fit_solver="sgd"))
        e.fit(examples)
        spam = min(e.check(sub(t)).score for t in SPAM_TEXTS)
        ham = max(e.check(sub(t)).score for t in HAM_TEXTS)
        assert spam > ham


def test_fit_is_deterministic() -> None:
    examples: list[Example] = [(sub(t), "ham", None) for t in HAM_TEXTS] + [
        (sub(t), "spam", None) for t in SPAM_TEXTS
    ]
    a, b = Engine(Config(secret_key="k")), Engine(Config(secret_key="k"))
    a.fit(examples)
    b.fit(examples)
    assert a.dumps() == b.dumps()


def _examples_with_metadata() -> list[Example]:
    out = []
    for i, text in enumerate(HAM_TEXTS * 2):
        out.append((Submission(content=f"{text} {i}", author=f"Reader {i % 7}",
                               author_email=f"r{i % 5}@mail.example", user_ip=f"198.51.100.{i}"),
                    "ham", None))
    for i, text in enumerate(SPAM_TEXTS * 2):
        out.append((Submission(content=f"{text} http://win{i % 3}.example/x", author="cheap pills",
                               author_email=f"s{i % 4}@spam.example", user_ip=f"203.0.113.{i}"),
                    "spam", None))
    return out


def _fit_one_by_one(engine: Engine, examples: list[Example], solver: str) -> None:
    """Batch training written plainly: each example's own feature objects throughout."""
    feats = [signals.features(engine, s, st) for s, _, st in examples]
    ys = [1 if label == "spam" else 0 for _, label, _ in examples]
    for f, y in zip(feats, ys, strict=True):
        engine.count_reputation(f.rep_keys, y)
        engine.nb.add(f.hashed, y)
        engine.char_model.add(f.grams, y)
    for f, y in zip(feats, ys, strict=True):  # each scored without itself
        engine.add_char_model_score(engine.char_model.score(f.grams, y))
    rows = []
    for f, y in zip(feats, ys, strict=True):
        named = {k: v for k, v in f.named.items() if not k.startswith("reputation.")}
        signals.apply_reputation(named, {}, f.rep_groups, engine.reputation, y)  # leave-one-out
        rows.append((f.hashed, named, y))
    c = engine.config
    if solver == "svm":
        engine.model.fit_svm(rows, c=c.svm_c, epochs=c.svm_epochs, seed=c.seed)
    else:
        order = list(range(len(rows)))
        rng = random.Random(c.seed)
        for _ in range(c.epochs):
            rng.shuffle(order)
            for i in order:
                engine.model.update(*rows[i])
    engine.examples_seen += len(rows)
    engine.spam_seen += sum(ys)
    engine.version += 1


@pytest.mark.parametrize("solver", ["svm", "sgd"])
def test_batch_training_from_a_training_set_gives_the_same_model(solver: str) -> None:
    examples = _examples_with_metadata()
    config = Config(secret_key="k", fit_solver=solver)
    compact, plain = Engine(config), Engine(config)
    for e in (compact, plain):  # counts from before the batch take part too
        e.learn(sub("an earlier comment from a reader"), "ham")
        e.learn(Submission(content="buy now", author_email="s1@spam.example"), "spam")
    compact.fit(examples, calibrate=False)
    _fit_one_by_one(plain, examples, solver)
    assert compact.reputation == plain.reputation
    assert compact.dumps() == plain.dumps()


def test_fit_reads_its_examples_once() -> None:
    examples = _examples_with_metadata()
    streamed, listed = Engine(Config(secret_key="k")), Engine(Config(secret_key="k"))
    streamed.fit(iter(examples))
    listed.fit(examples)
    assert streamed.dumps() == listed.dumps()


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
    assert e.ham_window._ranked == sorted(e.ham_scores)


def test_svm_fit_separates_and_online_learning_continues() -> None:
    examples: list[Example] = [(sub(t), "ham", None) for t in HAM_TEXTS] + [
        (sub(t), "spam", None) for t in SPAM_TEXTS
    ]
    e = Engine(Config(secret_key="k", calibration_folds=2, fit_solver="svm"))
    e.fit(examples)
    spam = min(e.check(sub(t)).score for t in SPAM_TEXTS)
    ham = max(e.check(sub(t)).score for t in HAM_TEXTS)
    assert spam > 0.5 > ham
    probe = sub("a brand new kind of offer nobody has seen")
    before = e.check(probe).score
    e.learn(probe, "spam")
    assert e.check(probe).score > before
    clone = Engine(Config(secret_key="k", calibration_folds=2, fit_solver="svm"))
    clone.fit(examples)
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


_BUCKET_ORDER_SCRIPT = """
import hashlib
from gazette.antispam.engine import Config, Engine, Submission, signals
e = Engine(Config(secret_key="k"))
digest = hashlib.sha256()
for i in range(2000):
    name = " ".join(f"w{i}x{j}" for j in range(8))
    sub = Submission(content=f"comment number {i} with some words", author=name)
    digest.update(str(list(signals.features(e, sub, None).hashed)).encode())
print(digest.hexdigest())
"""


def test_bucket_order_is_the_same_in_every_process() -> None:
    # Batch training sums over buckets in this order; floating-point sums in another order
    # differ in the last bits, so processes replaying the same log would drift apart.
    import os
    import subprocess
    import sys

    digests = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", _BUCKET_ORDER_SCRIPT], env=env, check=True,
            capture_output=True, text=True,
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_a_warm_started_svm_stays_at_its_optimum() -> None:
    examples = [(text_features(clean_text(t)), {}, 0) for t in HAM_TEXTS] + [
        (text_features(clean_text(t)), {}, 1) for t in SPAM_TEXTS
    ]
    cold = LinearModel({}, initial_bias=0.0, learning_rate=0.3, named_learning_rate=0.1,
                       bias_learning_rate=0.05)
    alphas = cold.fit_svm(examples, c=1.0, epochs=30, seed=1)
    warm = LinearModel({}, initial_bias=0.0, learning_rate=0.3, named_learning_rate=0.1,
                       bias_learning_rate=0.05)
    warm.fit_svm(examples, c=1.0, epochs=1, seed=2, start=alphas)
    assert any(alphas)
    assert np.abs(warm.w - cold.w).max() < 1e-3
    assert abs(warm.bias - cold.bias) < 1e-3
    # The same single epoch from zero is nowhere near.
    one = LinearModel({}, initial_bias=0.0, learning_rate=0.3, named_learning_rate=0.1,
                      bias_learning_rate=0.05)
    one.fit_svm(examples, c=1.0, epochs=1, seed=2)
    assert np.abs(one.w - cold.w).max() > 1e-2


def test_warm_started_calibration_gives_the_thresholds_of_calibration_from_zero() -> None:
    words = ["river", "stone", "lamp", "orbit", "maple"]
    examples = [
        (replace(s, content=f"{s.content} {words[k]} {words[(k + i) % 5]}"), label, stats)
        for k in range(5)
        for i, (s, label, stats) in enumerate(_examples_with_metadata())
    ]
    warm = Engine(Config(secret_key="k", ham_bin_budget=0.05))
    cold = Engine(Config(secret_key="k", ham_bin_budget=0.05, calibration_epochs=0))
    warm.fit(examples)
    cold.fit(examples)
    # The final model is the same; only the held-out models started elsewhere.
    assert warm.model.bias == cold.model.bias
    assert len(warm.ham_scores) == len(cold.ham_scores) > 0
    # Measured: 0.002 apart; with the start ignored (five epochs from zero) 0.0085.
    assert np.abs(np.array(warm.ham_scores) - np.array(cold.ham_scores)).max() < 0.005
    for a, b in zip(warm.thresholds(), cold.thresholds(), strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert abs(a - b) < 0.005


def test_fit_of_no_examples_changes_nothing() -> None:
    fitted, fresh = Engine(Config(secret_key="k")), Engine(Config(secret_key="k"))
    fitted.fit(iter([]))
    assert fitted.dumps() == fresh.dumps()
    assert fitted.check(sub("hello there")).score == fresh.check(sub("hello there")).score


def _fit(examples: list[Example], **kwargs: Any) -> Engine:
    engine = Engine(Config(secret_key="k", calibration_folds=2))
    engine.fit(iter(examples), **kwargs)
    return engine


def test_a_window_as_large_as_the_stream_changes_nothing() -> None:
    examples = _examples_with_metadata()
    assert _fit(examples, window=len(examples)).dumps() == _fit(examples).dumps()


def test_a_windowed_fit_counts_every_example_and_trains_on_the_last() -> None:
    old = [(Submission(content=f"zyzzyva quokka {i}", author_email=f"old{i}@mail.example"),
            "spam" if i % 2 else "ham", None) for i in range(10)]
    examples = old + _examples_with_metadata()
    window = len(examples) - len(old)
    full, windowed = _fit(examples), _fit(examples, window=window)
    assert np.array_equal(full.nb.spam, windowed.nb.spam)
    assert np.array_equal(full.nb.ham, windowed.nb.ham)
    assert (full.nb.n_spam, full.nb.n_ham) == (windowed.nb.n_spam, windowed.nb.n_ham)
    assert full.reputation == windowed.reputation
    assert (full.examples_seen, full.spam_seen) == (windowed.examples_seen, windowed.spam_seen)
    # Words only the old examples had are counted but never weighted.
    def buckets(part: list[Example]) -> list[set[int]]:
        return [set(signals.features(full, s, None).hashed) for s, _, _ in part]

    only_old = sorted(set.intersection(*buckets(old)) - set.union(*buckets(examples[-window:])))
    assert len(only_old) > 10
    assert windowed.nb.spam[only_old].all() and windowed.nb.ham[only_old].all()
    assert not windowed.model.w[only_old].any()
    assert full.model.w[only_old].any()
    # The thresholds learn from the window's ham alone.
    window_ham = sum(1 for _, label, _ in examples[-window:] if label == "ham")
    assert len(windowed.ham_scores) == window_ham
    assert len(full.ham_scores) == window_ham + 5


def test_a_window_folded_in_several_steps_is_the_window_folded_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    examples = _examples_with_metadata()
    random.Random(3).shuffle(examples)  # both labels in every window
    examples = [(e[0], e[1], e[2], i % 3 == 0) for i, e in enumerate(examples)]  # and foreign
    once = _fit(examples, window=12)
    assert once.ham_scores
    monkeypatch.setattr(fitting, "FOLD_STEP_MIN", 3)
    assert _fit(examples, window=12).dumps() == once.dumps()


def test_a_window_must_hold_an_example() -> None:
    with pytest.raises(ValueError, match="window"):
        Engine(Config(secret_key="k")).fit([], window=0)


def test_foreign_labels_train_but_never_set_the_thresholds() -> None:
    examples = _examples_with_metadata()
    own, foreign = _fit(examples), _fit([(e[0], e[1], e[2], True) for e in examples])
    assert own.ham_scores and not foreign.ham_scores
    assert foreign.thresholds()[1] is None  # nothing binned on another site's ham scores
    assert foreign.examples_seen == own.examples_seen
    assert np.array_equal(foreign.model.w, own.model.w)  # the same training otherwise
    # Mixed: only this site's ham give scores.
    mixed = _fit([(*e, i % 2 == 0) for i, e in enumerate(examples)])
    own_ham = sum(1 for i, e in enumerate(examples) if i % 2 and e[1] == "ham")
    assert len(mixed.ham_scores) == own_ham
    # A window keeps the newest of the site's own decisions before any foreign one.
    windowed = _fit([(*e, i % 2 == 0) for i, e in enumerate(examples)], window=20)
    newest_own = [e for i, e in enumerate(examples) if i % 2][-20:]
    assert len(windowed.ham_scores) == sum(1 for e in newest_own if e[1] == "ham") > 0


def test_a_corpus_after_the_sites_own_decisions_does_not_push_them_out_of_the_window() -> None:
    examples = _examples_with_metadata()
    random.Random(5).shuffle(examples)
    half = len(examples) // 2
    own, corpus = examples[:half], [(*e, True) for e in examples[half:]]
    windowed = _fit(own + corpus, window=len(corpus))
    assert len(windowed.ham_scores) == sum(1 for e in own if e[1] == "ham")
    assert windowed.examples_seen == len(examples)
    # Room left over goes to the newest foreign examples; they train, never calibrate.
    assert not np.array_equal(windowed.model.w, _fit(own).model.w)


def test_a_foreign_label_learned_online_gives_no_ham_score() -> None:
    engine = Engine(Config(secret_key="k"))
    engine.learn(sub(HAM_TEXTS[0]), "ham", foreign=True)
    assert engine.ham_scores == [] and engine.examples_seen == 1
    engine.learn(sub(HAM_TEXTS[1]), "ham")
    assert len(engine.ham_scores) == 1


def test_a_model_seeded_elsewhere_holds_what_it_would_have_binned() -> None:
    # Trained on a corpus from another site, a confident score is held for a moderator
    # until this site's own ham have set a threshold; strong evidence still bins.
    examples: list[Example] = [(sub(t), "ham", None, True) for t in HAM_TEXTS * 3] + [
        (sub(t), "spam", None, True) for t in SPAM_TEXTS * 3]
    config = Config(secret_key="k", calibration_folds=2, ham_bin_budget=0.1)
    seeded = Engine(config)
    seeded.fit(examples)
    as_own = Engine(config)
    as_own.fit([e[:3] for e in examples])
    text = SPAM_TEXTS[0] + " today"
    assert as_own.check(sub(text)).kind in ("spam", "discard")
    assert seeded.check(sub(text)).kind == "hold"
    blatant = Submission(content=text, author="x", honeypot_value="filled in",
                         seconds_to_submit=0.5, user_agent="")
    assert seeded.check(blatant).kind in ("spam", "discard")

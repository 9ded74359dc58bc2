"""The character model: counts, leave-one-out scores, and its part in the engine's score."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gazette.antispam.engine import Config, Engine, signals
from gazette.antispam.engine.char_model import CharModel
from gazette.antispam.engine.text import HASH_BITS, char_ngram_buckets
from gazette.antispam.engine.types import Example

from .conftest import sub
from .samples import HAM_TEXTS, SPAM_TEXTS


def _trained(order: int = 4, bits: int = 16) -> CharModel:
    lm = CharModel(order=order, bits=bits)
    for t in SPAM_TEXTS:
        lm.add(lm.grams(t), 1)
    for t in HAM_TEXTS:
        lm.add(lm.grams(t), 0)
    return lm


def test_grams_cover_every_position_and_order_and_ignore_case() -> None:
    lm = CharModel(order=3, bits=12)
    g = lm.grams("Win NOW")
    assert g.shape == (4, len("Win NOW") + 1)  # n-grams of 1-4 characters, and the end
    assert g.min() >= 0 and g.max() < 1 << 12
    assert np.array_equal(g, lm.grams("win now"))
    assert np.array_equal(g, CharModel(order=3, bits=12).grams("Win NOW"))  # no process salt
    assert not np.array_equal(g, lm.grams("win not"))
    # An n-gram has the same row wherever it is, whatever it is read as.
    twice = lm.grams("abcabc")
    assert twice[2][5] == twice[2][2]  # "abc" ending at both "c"s
    assert twice[3][5] != twice[3][2]  # "cabc" is not "<start>abc"
    assert twice[1][2] == lm.grams("xbc")[1][2]  # "bc"
    assert lm.grams("").shape == (4, 1)  # the end of text is still predicted


def test_probabilities_of_the_next_character_sum_to_one() -> None:
    # Scoring a one-character text predicts that character, then the end of text; over
    # every character the model could predict (the ones it knows and one it never saw),
    # what it gives the first character sums to one.
    lm = _trained(order=2, bits=24)  # no collisions among these few hundred n-grams
    vocab = sorted({ch for t in SPAM_TEXTS + HAM_TEXTS for ch in t.lower()})
    a = lm.alpha

    def first_char_probability(ch: str, col: int) -> float:
        g = lm.grams(ch)[:, 0]
        vals = lm.counts[g, col].astype(float)
        p = (vals[0] + a / 256.0) / (lm.chars[col] + a)
        for k in range(1, lm.order + 1):
            p = (vals[k] + a * p) / (lm.texts[col] + a)
        return p

    for col in (0, 1):
        known = sum(first_char_probability(ch, col) for ch in vocab + ["\x03"])
        unseen = first_char_probability("\u2603", col)
        # Characters never seen share the uniform part left over: a / 256 of the order-0
        # mass each, for the 256 - len(vocab) - 1 places of the uniform choice not taken.
        assert known + unseen * (256 - len(vocab) - 1) == pytest.approx(1.0, rel=1e-9)


def test_spam_like_text_scores_above_ham_like_text() -> None:
    lm = _trained()
    assert lm.score(lm.grams("click here to win cheap pills now")) > 0
    assert lm.score(lm.grams("the council report on the harbour was lovely")) < 0


def test_score_is_zero_until_both_classes_are_seen() -> None:
    lm = CharModel(bits=12)
    lm.add(lm.grams("buy now"), 1)
    assert not lm.ready()
    assert lm.score(lm.grams("buy now")) == 0.0
    lm.add(lm.grams("hello there"), 0)
    assert lm.ready() and lm.score(lm.grams("buy now")) > 0


@pytest.mark.parametrize("label", [0, 1])
def test_leave_one_out_equals_a_model_that_never_saw_the_text(label: int) -> None:
    text = "Click here, click HERE: cheap pills and a lovely harbour photo"
    without = _trained()
    with_it = _trained()
    with_it.add(with_it.grams(text), label)
    g = with_it.grams(text)
    assert with_it.score(g, exclude=label) == pytest.approx(without.score(g), rel=1e-12)
    assert with_it.score(g) != pytest.approx(without.score(g))


def test_taking_a_text_back_out_restores_the_counts() -> None:
    lm = _trained()
    before = lm.counts.copy(), list(lm.chars)
    g = lm.grams("aaaa aaaa repeated grams")
    lm.add(g, 1)
    lm.add(g, 1, sign=-1)
    assert np.array_equal(lm.counts, before[0]) and lm.chars == before[1]


def test_char_ngram_buckets_hash_each_ngram_alike_wherever_it_is() -> None:
    b = char_ngram_buckets(b"xyzxyz", 2, 3)
    assert len(b) == 5 + 4  # 2-grams and 3-grams of six bytes
    assert b.max() < 1 << HASH_BITS
    twos, threes = b[:5].tolist(), b[5:].tolist()
    assert twos[0] == twos[3] and threes[0] == threes[3]  # "xy", "xyz" twice
    assert twos[0] not in threes  # lengths are hashed apart
    assert len(char_ngram_buckets(b"a", 2, 5)) == 0


# --- in the engine ----------------------------------------------------------------------

def _engine(**kw: object) -> Engine:
    e = Engine(Config(secret_key="k", char_model_min_reference=5, **kw))
    for i in range(3):
        for t in HAM_TEXTS:
            e.learn(sub(f"{t} ({i})"), "ham")
        for t in SPAM_TEXTS:
            e.learn(sub(f"{t} ({i})"), "spam")
    return e


def test_shift_is_the_scores_quantile_bounded_by_the_weight() -> None:
    e = _engine(char_model_weight=1.5)
    ranked = e.char_model_window.ranked
    # Scored from the first spam after the first ham on: a score needs both classes.
    assert len(ranked) == 3 * (len(HAM_TEXTS) + len(SPAM_TEXTS)) - len(HAM_TEXTS) - 1
    assert e.char_model_shift(ranked[-1] + 100) == pytest.approx(1.5)
    assert e.char_model_shift(ranked[0] - 100) == pytest.approx(-1.5)
    mid = sorted(ranked)[len(ranked) // 2]
    assert abs(e.char_model_shift(mid)) < 0.2
    assert e.char_model_shift(None) == 0.0
    values = [e.char_model_shift(x) for x in np.linspace(ranked[0], ranked[-1], 25)]
    assert values == sorted(values)


def test_no_shift_before_enough_reference_scores() -> None:
    e = Engine(Config(secret_key="k", char_model_min_reference=50))
    e.learn(sub("buy cheap pills now"), "spam")
    e.learn(sub("a lovely report on the harbour"), "ham")
    e.learn(sub("buy cheap watches now"), "spam")
    assert 0 < len(e.char_model_window.scores) < 50
    assert e.char_model_shift(1e9) == 0.0
    assert "text.char_model" not in e.check(sub("buy cheap pills now")).signals
    assert _read(e, "buy cheap pills now").signals["text.char_model"] == 0.0


def _read(e: Engine, text: str):  # type: ignore[no-untyped-def]
    """The verdict with the character model read whether or not it could change it."""
    return e.check(sub(text), exact=True)


def test_a_check_reads_it_only_when_it_could_change_the_verdict() -> None:
    e = _engine()
    texts = [f"{t} {extra}" for t in HAM_TEXTS + SPAM_TEXTS
             for extra in ("", "click here", "thanks", "free", "harbour")]
    # Halves of a legitimate comment and of a spam: the uncertain middle.
    texts += [h[: len(h) // 2] + s[len(s) // 2 :] for h in HAM_TEXTS for s in SPAM_TEXTS]
    skipped = read = 0
    for t in texts:
        lazy, full = e.check(sub(t)), _read(e, t)
        assert lazy.kind == full.kind
        if "text.char_model" in lazy.signals:
            read += 1
            assert lazy.score == full.score
        else:
            skipped += 1
            # Left out, it could not have moved the logit past any threshold: its shift is
            # bounded by the weight, and the lazy score is the full one without it.
            shift = full.signals["text.char_model"]
            assert abs(shift) <= 1.0
            assert math.isclose(math.log(lazy.score / (1 - lazy.score)) + shift,
                                math.log(full.score / (1 - full.score)), abs_tol=1e-6)
    assert skipped and read


def test_the_character_model_moves_the_score_and_says_why() -> None:
    with_lm = _engine()
    without = _engine(char_model_weight=0)
    assert without.char_model is None and "text.char_model" not in without.check(sub("x")).signals
    text = "Cheap pills, free spins: click here and win cash now"
    v, base = _read(with_lm, text), without.check(sub(text))
    shift = v.signals["text.char_model"]
    assert shift > 0
    assert math.log(v.score / (1 - v.score)) == pytest.approx(
        math.log(base.score / (1 - base.score)) + shift, abs=1e-9
    )
    seen = _read(with_lm, f"{SPAM_TEXTS[0]} (0)")  # learned: above every left-out score
    assert seen.signals["text.char_model"] >= 0.5
    assert any("characters read like past spam" in r for r in seen.reasons)
    assert not any("characters read like" in r for r in base.reasons)
    ham = _read(with_lm, "Thanks for the lovely photo of the harbour, who took it?")
    assert ham.signals["text.char_model"] < 0


def test_learning_updates_the_character_model_at_once() -> None:
    e = _engine()
    text = "zqxv zqxv zqxv kwpf kwpf"
    before = e.char_model.score(e.char_model.grams(text))
    for _ in range(3):
        e.learn(sub(text), "spam")
    assert e.char_model.score(e.char_model.grams(text)) > before


def test_foreign_examples_train_it_but_never_join_the_reference() -> None:
    e = _engine()
    n = len(e.char_model_window.scores)
    chars = list(e.char_model.chars)
    e.learn(sub("a seed corpus comment about something else"), "ham", foreign=True)
    assert len(e.char_model_window.scores) == n
    assert e.char_model.chars[0] > chars[0]


@pytest.mark.parametrize("group", ["text", "char_model", "sequence"])  # "sequence": its old name
def test_disabling_its_group_or_text_turns_it_off(group: str) -> None:
    e = Engine(Config(secret_key="k", disabled=frozenset({group})))
    assert e.char_model is None
    e.learn(sub("buy now"), "spam")
    e.learn(sub("hello there"), "ham")
    assert e.char_model_window.scores == [] and "text.char_model" not in e.check(sub("buy")).signals


def test_snapshot_keeps_the_character_model() -> None:
    e = _engine()
    restored = Engine.loads(e.dumps(), secret_key="k")
    assert np.array_equal(restored.char_model.counts, e.char_model.counts)
    assert restored.char_model_window.scores == e.char_model_window.scores
    for t in ("click here to win now", "the harbour photo is lovely", "mixed words here"):
        assert restored.check(sub(t)).score == e.check(sub(t)).score
    assert restored.dumps() == e.dumps()


def test_fit_scores_each_example_without_itself_and_calibrates_with_it() -> None:
    examples: list[Example] = [
        (sub(f"{t} #{i}"), "ham", None) for i in range(6) for t in HAM_TEXTS
    ] + [
        (sub(f"{t} #{i}"), "spam", None) for i in range(6) for t in SPAM_TEXTS
    ]
    fitted = Engine(Config(secret_key="k"))
    fitted.fit(examples)
    lm = fitted.char_model
    assert lm is not None
    expected = [lm.score(lm.grams(s.content), 1 if label == "spam" else 0)
                for s, label, _ in examples]
    assert fitted.char_model_window.scores == pytest.approx(expected)
    # Same counts as learning one at a time.
    online = Engine(Config(secret_key="k"))
    for s, label, st in examples:
        online.learn(s, label, st)
    assert np.array_equal(online.char_model.counts, lm.counts)


def test_ngram_rows_collide_no_more_than_chance() -> None:
    # Every 4-character string over a small alphabet with the start and end marks: a hash
    # with structure (FNV-1a's sparse prime put "<start><start>le" on "com<end>") would
    # collide more often than random buckets would.
    import itertools

    bits = 14
    lm = CharModel(order=3, bits=bits)
    strings = ["".join(p) for p in itertools.product("lecom .\x02\x03", repeat=4)]
    # Row 3 of the last column but one: the whole 4-character string (the end mark follows).
    rows = {int(lm.grams(s)[3][3]) for s in strings if "\x02" not in s and "\x03" not in s}
    n = sum(1 for s in strings if "\x02" not in s and "\x03" not in s)
    m = 1 << bits
    expected = n - m * (1 - math.exp(-n / m))
    assert n - len(rows) <= 1.25 * expected + 10
    buckets = {int(char_ngram_buckets(s.encode(), 4, 4)[0]) for s in strings}
    m = 1 << HASH_BITS
    expected = len(strings) - m * (1 - math.exp(-len(strings) / m))
    assert len(strings) - len(buckets) <= 1.25 * expected + 10


def test_it_reads_only_the_start_of_a_long_text() -> None:
    from gazette.antispam.engine.text import MAX_CHARS

    e = _engine()
    long = "buy cheap pills now " * 1000
    feats = signals.features(e, sub(long), None, exact=True)
    assert feats.grams is not None and feats.grams.shape[1] == MAX_CHARS + 1
    assert len(feats.char_model_text) == MAX_CHARS
    assert e.check(sub(long)).kind in ("ham", "hold", "spam", "discard")


def test_fit_counts_foreign_examples_but_keeps_only_its_own_as_reference() -> None:
    own: list[Example] = [(sub(f"{t} #{i}"), "ham", None) for i in range(3) for t in HAM_TEXTS] + [
        (sub(f"{t} #{i}"), "spam", None) for i in range(3) for t in SPAM_TEXTS
    ]
    foreign: list[Example] = [
        (sub(f"{t} corpus {i}"), "spam", None, True) for i in range(3) for t in SPAM_TEXTS
    ]
    e = Engine(Config(secret_key="k"))
    e.fit(foreign + own)
    assert len(e.char_model_window.scores) == len(own)
    assert e.char_model is not None
    assert e.char_model.texts == [len(HAM_TEXTS) * 3, len(SPAM_TEXTS) * 6]


def test_scores_from_the_burn_in_are_set_aside_once_later_ones_suffice() -> None:
    e = Engine(Config(secret_key="k", char_model_min_reference=5, calibration_burn_in=10))
    texts = [(t, "ham") for t in HAM_TEXTS] + [(t, "spam") for t in SPAM_TEXTS]
    for i in range(12):  # learned while fewer than 10 labels were known: burn-in
        t, label = texts[i % len(texts)]
        e.learn(sub(f"{t} [{i}]"), label)
    burn = e.char_model_window.burn_in
    assert burn > 0 and len(e.char_model_window.scores) == burn + 2
    early = list(e.char_model_window.scores[:burn])
    for i in range(12, 15):
        t, label = texts[i % len(texts)]
        e.learn(sub(f"{t} [{i}]"), label)
    window = e.char_model_window
    assert window.burn_in == 0 and len(window.scores) == 5  # 2 + 3 later ones
    assert not set(early) & set(e.char_model_window.ranked)
    restored = Engine.loads(e.dumps(), secret_key="k")
    assert restored.char_model_window.burn_in == 0
    assert restored.char_model_window.scores == window.scores

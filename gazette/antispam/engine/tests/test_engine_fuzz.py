from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gazette.antispam.engine import Config, Engine, HistoryStats, MemoryHistory, Submission

ENGINE = Engine(Config(secret_key="fuzz"))
HISTORY = MemoryHistory()
ENGINE.learn(Submission(content="buy cheap pills http://bit.ly/x"), "spam")
ENGINE.learn(Submission(content="nice article"), "ham")

text = st.text(max_size=300)
maybe_float = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=text,
    author=st.text(max_size=40),
    email=st.text(max_size=40),
    url=st.text(max_size=60),
    ip=st.one_of(st.text(max_size=40), st.ip_addresses().map(str)),
    lang=st.text(max_size=20),
    honeypot=st.text(max_size=5),
    seconds=maybe_float,
    counts=st.tuples(*[st.integers(0, 10_000)] * 5),
)
def test_check_never_raises(
    content: str,
    author: str,
    email: str,
    url: str,
    ip: str,
    lang: str,
    honeypot: str,
    seconds: float | None,
    counts: tuple[int, int, int, int, int],
) -> None:
    sub = Submission(
        content=content,
        author=author,
        author_email=email,
        author_url=url,
        user_ip=ip,
        blog_lang=lang,
        honeypot_value=honeypot,
        seconds_to_submit=seconds,
    )
    keys = ENGINE.keys(sub)
    stats = HISTORY.stats(keys)
    v = ENGINE.check(sub, stats, keys=keys)
    assert v.kind in ("ham", "hold", "spam", "discard")
    assert 0.0 <= v.score <= 1.0
    HISTORY.add(keys)
    ENGINE.check(sub, HistoryStats(*counts))


def _confirm_every_candidate(keys, candidates):
    """The plain definition: estimate every candidate's similarity."""
    from gazette.antispam.engine.fingerprint import similarity
    from gazette.antispam.engine.history import NEAR_DUP_JACCARD

    same = other = 0
    for article, signature in candidates:
        if similarity(tuple(signature), keys.signature) >= NEAR_DUP_JACCARD:
            if article == keys.article:
                same += 1
            else:
                other += 1
    return same, other


values = st.integers(0, 40)
signatures = st.lists(values, min_size=0, max_size=16, unique=True).map(sorted)


@settings(max_examples=300, deadline=None)
@given(target=signatures, candidates=st.lists(
    st.tuples(st.sampled_from(["a", "b"]), signatures), max_size=20))
def test_skipping_hopeless_candidates_changes_no_count(target, candidates):
    from gazette.antispam.engine.history import count_near_duplicates
    from gazette.antispam.engine.types import SubmissionKeys

    keys = SubmissionKeys(article="a", ip_prefix_hash=None, email_hash=None, text_hash=None,
                          signature=tuple(target), bands=(), timestamp=None)
    assert count_near_duplicates(keys, candidates) == _confirm_every_candidate(keys, candidates)

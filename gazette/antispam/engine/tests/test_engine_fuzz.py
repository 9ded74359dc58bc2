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

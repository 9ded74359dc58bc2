"""Each signal group on constructed cases, from a cold engine."""

from __future__ import annotations

from gazette.antispam.engine import Config, Engine, MemoryHistory, Submission
from gazette.antispam.engine.links import analyse
from gazette.antispam.engine.text import expected_scripts, foreign_script_share

from .conftest import sub


def _has(v_reasons: tuple[str, ...], fragment: str) -> bool:
    return any(fragment in r for r in v_reasons)


# --- links --------------------------------------------------------------------------
def test_link_analysis_finds_shorteners_bare_domains_and_hidden_targets() -> None:
    info = analyse(
        '<a href="http://x.example/a">http://bank.example</a> see bit.ly/abc, '
        "pimpmyviews. com and http://192.0.2.1/x; end.Then"
    )
    assert info.shortener_count == 1
    assert info.hidden_targets == 1
    assert info.ip_literals == 1
    assert "pimpmyviews.com" in info.hosts
    assert not any(h.startswith("end.") for h in info.hosts)


def test_shortener_links_are_reported(engine: Engine) -> None:
    v = engine.check(sub("look http://bit.ly/a http://tinyurl.com/b https://goo.gl/c"))
    assert _has(v.reasons, "3 links to shortener domains")
    assert v.kind == "spam"  # three shorteners are strong evidence even when cold


def test_one_plain_link_is_not_binned(engine: Engine) -> None:
    v = engine.check(sub("Source: https://www.example.org/report.pdf"))
    assert v.kind == "ham"


def test_hidden_link_target_is_spam(engine: Engine) -> None:
    v = engine.check(sub('Log in: <a href="http://phish.example/x">http://bank.example</a>'))
    assert v.kind == "spam"
    assert _has(v.reasons, "different domain")


def test_massive_link_count_is_discarded(engine: Engine) -> None:
    text = " ".join(f"http://site{i}.example.com/p" for i in range(20))
    assert engine.check(sub(text)).kind == "discard"


# --- author -------------------------------------------------------------------------
def test_keyword_author_name(engine: Engine) -> None:
    for name in ("cheap viagra", "best seo services"):
        v = engine.check(sub("Nice post.", author=name))
        assert _has(v.reasons, "author name is a keyword")
        assert v.kind == "hold"
    assert engine.check(sub("Nice post.", author="Maria Lopez")).kind == "ham"


def test_disposable_email_and_website(engine: Engine) -> None:
    v = engine.check(sub("Nice post.", author_email="x@mailinator.com"))
    assert _has(v.reasons, "disposable e-mail")
    v2 = engine.check(sub("Nice post.", author_email="x@sub.yopmail.com"))
    assert _has(v2.reasons, "disposable e-mail")
    plain = engine.check(sub("Nice post.", author_email="x@gmail.com"))
    assert not _has(plain.reasons, "disposable")
    v3 = engine.check(sub("Nice post.", author_url="http://bit.ly/zz"))
    assert _has(v3.reasons, "author website is a shortened link")


# --- behaviour ----------------------------------------------------------------------
def test_honeypot_is_discarded(engine: Engine) -> None:
    assert engine.check(sub("hello", honeypot_value="http://x")).kind == "discard"


def test_too_fast_submission(engine: Engine) -> None:
    v = engine.check(sub("Nice post.", rendered_at=100.0, submitted_at=101.2))
    assert _has(v.reasons, "form submitted 1.2 s after display")
    assert v.kind == "hold"
    slow = engine.check(sub("Nice post.", seconds_to_submit=45.0))
    assert slow.kind == "ham"


def test_near_duplicates_across_articles(engine: Engine, history: MemoryHistory) -> None:
    base = "Visit my channel for the best music reviews and subscribe today please"
    for i in range(4):
        s = sub(base + "!" * i, permalink=f"/news/{i}")
        history.add(engine.keys(s))
    probe = sub(base + " friends", permalink="/news/new")
    stats = history.stats(engine.keys(probe))
    assert stats.near_duplicates_other_articles == 4
    v = engine.check(probe, stats)
    assert _has(v.reasons, "text nearly identical to 4 recent comments on other articles")
    unrelated = sub("A completely different remark about the weather in town", permalink="/x")
    assert history.stats(engine.keys(unrelated)).near_duplicates_other_articles == 0


def test_exact_duplicate_flood_is_discarded(engine: Engine, history: MemoryHistory) -> None:
    text = "Great article, see my profile for amazing offers on watches"
    for i in range(6):
        history.add(engine.keys(sub(text, permalink=f"/a/{i}")))
    probe = sub(text, permalink="/a/new")
    assert engine.check(probe, history.stats(engine.keys(probe))).kind == "discard"


def test_bursts_per_network_and_email(engine: Engine) -> None:
    history = MemoryHistory(burst_window=600)
    for i in range(5):
        s = sub(
            f"comment {i}",
            user_ip=f"203.0.113.{i + 1}",
            user_agent="ua",
            author_email="bot@example.net",
            submitted_at=1000.0 + i,
        )
        history.add(engine.keys(s))
    probe = sub(
        "another",
        user_ip="203.0.113.200",
        user_agent="ua",
        author_email="bot@example.net",
        submitted_at=1010.0,
    )
    stats = history.stats(engine.keys(probe))
    assert stats.same_ip_prefix == 5 and stats.same_email == 5
    v = engine.check(probe, stats)
    assert _has(v.reasons, "5 recent comments from the same network")
    assert _has(v.reasons, "5 recent comments from the same e-mail")
    later = sub("later", user_ip="203.0.113.9", submitted_at=5000.0)
    assert history.stats(engine.keys(later)).same_ip_prefix == 0
    v6 = [sub("x", user_ip=f"2001:db8::{i}", submitted_at=1.0) for i in range(3)]
    assert len({engine.keys(s).ip_prefix_hash for s in v6}) == 1


# --- reputation ---------------------------------------------------------------------
def test_reputation_from_past_decisions_uses_hashes_only() -> None:
    engine = Engine(Config(secret_key="salt"))
    spammer = dict(author_email="Spammer@Example.net", user_ip="198.51.100.23", user_agent="u")
    for i in range(4):
        engine.learn(sub(f"message number {i}", **spammer), "spam")
    for i in range(4):
        engine.learn(sub(f"kind words {i}", author_email="fan@example.org"), "ham")
    bad = engine.check(sub("a new message", author_email="spammer@example.net"))
    good = engine.check(sub("a new message", author_email="fan@example.org"))
    assert _has(bad.reasons, "this e-mail address previously marked spam")
    assert bad.score > good.score
    net = engine.check(sub("hi", user_ip="198.51.100.99", user_agent="u"))
    assert _has(net.reasons, "this network previously marked spam")
    blob = engine.dumps()
    import zlib

    raw = zlib.decompress(blob[4:])
    for secret in (b"spammer@example.net", b"198.51.100", b"fan@example.org", b"salt"):
        assert secret not in raw.lower()
    keys = engine.keys(sub("x", **spammer))
    assert "198.51" not in repr(keys) and "example.net" not in repr(keys)
    other = Engine(Config(secret_key="other salt"))
    assert other.keys(sub("x", **spammer)).email_hash != keys.email_hash


def test_link_domain_reputation() -> None:
    engine = Engine(Config(secret_key="s"))
    for i in range(3):
        engine.learn(sub(f"offer {i} at http://pills.example.com/{i}"), "spam")
    v = engine.check(sub("see https://www.pills.example.com/new"))
    assert _has(v.reasons, "linked domains previously marked spam")


# --- script -------------------------------------------------------------------------
def test_foreign_script_on_english_article(engine: Engine) -> None:
    v = engine.check(Submission(content="Привет, отличная статья, заходите к нам", blog_lang="en"))
    assert _has(v.reasons, "cyrillic script on a en article")
    assert v.kind == "hold"
    ok = engine.check(Submission(content="Привет, отличная статья", blog_lang="ru, en"))
    assert not _has(ok.reasons, "script")
    cjk = engine.check(Submission(content="这是一个很好的文章", article_lang="fr_ca"))
    assert _has(cjk.reasons, "han script")


def test_script_helpers() -> None:
    assert expected_scripts("en, fr_ca") == frozenset({"latin"})
    assert "cyrillic" in expected_scripts("ru")
    share, script = foreign_script_share("hello мир", "en")
    assert script == "cyrillic" and 0.3 < share < 0.5
    assert foreign_script_share("café crème", "fr") == (0.0, None)


# --- text ---------------------------------------------------------------------------
def test_text_ngrams_generalise_to_unseen_variants() -> None:
    engine = Engine(Config(secret_key="s"))
    for _ in range(3):
        engine.learn(sub("subscribe to my channel for free giftcards"), "spam")
        engine.learn(sub("the referee made a terrible call in the second half"), "ham")
    spam_like = engine.check(sub("pls subscribe 2 my channel, free gift cards"))
    ham_like = engine.check(sub("terrible referee call in the first half"))
    assert spam_like.score > 0.5 > ham_like.score
    assert _has(spam_like.reasons, "wording resembles past spam")


def test_first_party_share_links_are_not_shorteners() -> None:
    assert analyse("watch https://youtu.be/abc123").shortener_count == 0
    assert analyse("watch https://bit.ly/abc123").shortener_count == 1

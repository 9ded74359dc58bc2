"""What the engine reads in a submission: one function per signal group.

Each group (``config.GROUPS``) adds named values (a log-odds weight each, starting from
``PRIORS``), hashed buckets for the linear model's text weights, a reason a moderator can
read, or a hard verdict that needs no model. :func:`features` runs them in a fixed order:
the order in which named values and buckets are added decides the order of the model's
sums, and so the last bits of every score.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from . import links
from .config import Config
from .text import MAX_CHARS, clean_text, foreign_script_share, hash_token, text_features
from .types import HistoryStats, Kind, Submission, SubmissionKeys

if TYPE_CHECKING:
    from .engine import Engine

# Prior log-odds weights of the named signals: what the engine believes before a site has
# labelled anything. Learning moves them; "strong evidence" is their sum.
PRIORS: dict[str, float] = {
    "text.caps": 0.0,
    "text.nb": 1.0,
    "links.present": 1.0,
    "links.count": 0.5,
    "links.shortener": 1.5,
    "links.hidden_target": 5.0,
    "links.ip_literal": 1.5,
    "author.name_keyword": 2.5,
    "author.name_is_url": 1.5,
    "author.url": 0.3,
    "author.url_shortener": 1.5,
    "author.email_disposable": 1.5,
    "behaviour.too_fast": 3.0,
    "behaviour.fast": 0.7,
    "behaviour.ip_burst": 1.5,
    "behaviour.email_burst": 1.5,
    "behaviour.near_dup_other": 1.5,
    "behaviour.exact_dup_other": 1.0,
    "behaviour.dup_same_article": 0.3,
    "behaviour.no_user_agent": 0.5,
    "reputation.email": 1.0,
    "reputation.ip": 1.0,
    "reputation.author": 1.0,
    "reputation.domain": 1.0,
    "reputation.fingerprint": 1.0,
    "script.foreign": 2.5,
}

# A reputation group: its signal name, what it is about (for the reason) and its keys.
RepGroups = tuple[tuple[str, str, tuple[str, ...]], ...]
# A salted hash of personal data: ``salted(kind, value)`` (see ``Engine.salted``).
Salted = Callable[[str, str], str]

_NAME_WORD_RE = re.compile(r"[a-z0-9]+")
_URLISH_NAME_RE = re.compile(r"(?:https?://|www\.)|\.(?:com|net|org|info|ru|biz|xyz)\b", re.I)


@dataclass
class Features:
    """A submission as the model sees it."""

    hashed: frozenset[int]
    named: dict[str, float]
    reasons: dict[str, str]
    hard: tuple[Kind, str] | None
    keys: SubmissionKeys
    rep_keys: tuple[str, ...]
    rep_groups: RepGroups = ()
    # The character model's rows of the text (``CharModel.grams``), its score and the text
    # it reads.
    grams: np.ndarray | None = None
    char_model_score: float | None = None
    char_model_text: str = ""


@dataclass
class _Found:
    """What the groups have found so far, in the order they found it."""

    named: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    hashed: set[int] = field(default_factory=set)
    hard: tuple[Kind, str] | None = None

    def add(self, name: str, value: float, reason: str = "") -> None:
        self.named[name] = value
        if reason:
            self.reasons[name] = reason


@dataclass(frozen=True)
class _Parsed:
    """Fields more than one group reads, parsed once."""

    clean: str
    links: links.LinkInfo
    domains: list[str]
    author: str
    email_domain: str
    url_host: str

    @classmethod
    def of(cls, sub: Submission) -> _Parsed:
        info = links.analyse(sub.content)
        email = sub.author_email.strip().lower()
        return cls(
            clean=clean_text(sub.content),
            links=info,
            domains=sorted({links.registrable(h) for h in info.hosts}),
            author=sub.author.strip(),
            email_domain=email.rsplit("@", 1)[1] if "@" in email else "",
            url_host=links.host_of(sub.author_url) if sub.author_url.strip() else "",
        )


@cache
def _name_terms() -> tuple[frozenset[str], frozenset[str]]:
    strong: set[str] = set()
    weak: set[str] = set()
    text = (links.DATA_DIR / "spam_names.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if not line:
            continue
        (strong if line.startswith("!") else weak).add(line.lstrip("!"))
    return frozenset(strong), frozenset(weak)


def name_keyword_hits(name: str) -> tuple[int, int]:
    """(strong, weak) keyword hits in an author display name."""
    words = _NAME_WORD_RE.findall(name.lower())
    if not words:
        return 0, 0
    grams = set(words) | {" ".join(words[i : i + 2]) for i in range(len(words) - 1)}
    strong, weak = _name_terms()
    return len(grams & strong), len(grams & weak)


def reputation_value(spam: int, ham: int, exclude: int | None = None) -> float | None:
    """Half the smoothed log-odds of a key's past labels; ``exclude`` (1 spam, 0 ham) takes
    one such label away (an example must not see its own). None with no labels left."""
    if exclude == 1:
        spam -= 1
    elif exclude == 0:
        ham -= 1
    if spam + ham <= 0:
        return None
    return math.log((spam + 0.5) / (ham + 0.5)) / 2.0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


# --- the groups -----------------------------------------------------------------------
def text_signals(found: _Found, parsed: _Parsed, c: Config) -> None:
    """Hashed word and character n-grams and shape tokens; the share of capitals."""
    found.hashed |= text_features(
        parsed.clean, word_ngrams=c.word_ngrams, skip_window=c.skip_window,
        char_case=c.char_case,
    )
    n_letters = sum(map(str.isalpha, parsed.clean))
    if n_letters >= 12:
        found.add("text.caps", sum(map(str.isupper, parsed.clean)) / n_letters)


def link_signals(found: _Found, parsed: _Parsed, c: Config) -> None:
    """How many links, to which domains, shorteners, disguised targets, bare addresses."""
    info = parsed.links
    n = info.count
    if n:
        found.add("links.present", 1.0)
        found.add("links.count", math.log1p(n), _plural(n, "link"))
        for d in parsed.domains:
            found.hashed.add(hash_token("d:" + d))
    if info.shortener_count:
        found.add("links.shortener", float(info.shortener_count),
                  _plural(info.shortener_count, "link") + " to shortener domains")
    if info.hidden_targets:
        found.add("links.hidden_target", 1.0,
                  "link text shows a different domain than its target")
    if info.ip_literals:
        found.add("links.ip_literal", 1.0, "link to a bare IP address")
    if n >= c.massive_links:
        found.hard = ("discard", f"{n} links in one comment")


def author_signals(found: _Found, parsed: _Parsed, salted: Salted) -> None:
    """Keyword names, names that are web addresses, the website, the e-mail's domain."""
    author = parsed.author
    if author:
        strong, weak = name_keyword_hits(author)
        if strong or weak >= 2:
            found.add("author.name_keyword", 1.0, "author name is a keyword, not a name")
        if _URLISH_NAME_RE.search(author):
            found.add("author.name_is_url", 1.0, "author name is a web address")
        # In a fixed order: a set of strings iterates in an order that differs between
        # processes, and the buckets' order decides batch training's sums.
        for word in dict.fromkeys(_NAME_WORD_RE.findall(author.lower())):
            found.hashed.add(hash_token(salted("an", word)))
    if parsed.url_host:
        found.add("author.url", 1.0)
        found.hashed.add(hash_token("ud:" + links.registrable(parsed.url_host)))
        if links.in_domain_list(parsed.url_host, links.shorteners()):
            found.add("author.url_shortener", 1.0, "author website is a shortened link")
    if parsed.email_domain:
        found.hashed.add(hash_token(salted("ed", parsed.email_domain)))
        if links.in_domain_list(parsed.email_domain, links.disposable_domains()):
            found.add("author.email_disposable", 1.0, "disposable e-mail address")


def behaviour_signals(
    found: _Found, sub: Submission, stats: HistoryStats | None, c: Config
) -> None:
    """Time from display to submit, the user agent, the honeypot, and from ``stats``:
    bursts per network or e-mail and duplicates of recent comments."""
    elapsed = sub.elapsed()
    if elapsed is not None and elapsed < c.too_fast_seconds:
        found.add("behaviour.too_fast", 1.0,
                  f"form submitted {max(elapsed, 0):.1f} s after display")
    elif elapsed is not None and elapsed < c.fast_seconds:
        found.add("behaviour.fast", 1.0, f"form submitted quickly ({elapsed:.1f} s)")
    if sub.user_ip and not sub.user_agent.strip():
        found.add("behaviour.no_user_agent", 1.0, "no browser user agent")
    if sub.honeypot_value.strip():
        found.hard = ("discard", "hidden honeypot field was filled in")
    if stats is None:
        return
    if stats.same_ip_prefix >= c.burst_threshold:
        found.add("behaviour.ip_burst", math.log(1 + stats.same_ip_prefix) / math.log(10),
                  f"{stats.same_ip_prefix} recent comments from the same network")
    if stats.same_email >= c.burst_threshold:
        found.add("behaviour.email_burst", math.log(1 + stats.same_email) / math.log(10),
                  f"{stats.same_email} recent comments from the same e-mail")
    near = stats.near_duplicates_other_articles
    if near:
        found.add("behaviour.near_dup_other", min(math.log1p(near), 3.0),
                  f"text nearly identical to {_plural(near, 'recent comment')} on other "
                  "articles")
    exact = stats.exact_duplicates_other_articles
    if exact:
        found.add("behaviour.exact_dup_other", min(math.log1p(exact), 3.0),
                  f"same text posted {_plural(exact, 'time')} on other articles")
        if exact >= c.flood_duplicates:
            found.hard = ("discard", f"same text flooded onto {exact} other articles")
    if stats.near_duplicates_same_article:
        found.add("behaviour.dup_same_article", 1.0,
                  "repeats a recent comment on this article")


def reputation_groups(keys: SubmissionKeys, parsed: _Parsed, salted: Salted) -> RepGroups:
    """The salted keys whose past labels the reputation signals read, per signal."""
    groups: list[tuple[str, str, tuple[str, ...]]] = []
    if keys.email_hash:
        groups.append(("reputation.email", "this e-mail address", ("e:" + keys.email_hash,)))
    if keys.ip_prefix_hash:
        groups.append(("reputation.ip", "this network", ("i:" + keys.ip_prefix_hash,)))
    if parsed.author:
        author_key = "a:" + salted("an", parsed.author.lower())
        groups.append(("reputation.author", "this author name", (author_key,)))
    doms = parsed.domains + ([links.registrable(parsed.url_host)] if parsed.url_host else [])
    if doms:
        groups.append(("reputation.domain", "linked domains",
                       tuple("d:" + salted("d", d) for d in doms)))
    if keys.bands:
        groups.append(("reputation.fingerprint", "near-identical texts",
                       tuple("f:" + b for b in keys.bands)))
    return tuple(groups)


def apply_reputation(
    named: dict[str, float],
    reasons: dict[str, str],
    groups: Iterable[tuple[str, str, tuple[str, ...]]],
    reputation: Mapping[str, list[int]],
    exclude: int | None,
) -> None:
    """Each group's strongest value from its keys' past labels (``reputation``: key ->
    [spam, ham]); ``exclude`` leaves out one label of that class (the example's own)."""
    for name, what, ks in groups:
        vals = []
        for k in ks:
            counts = reputation.get(k)
            v = None if counts is None else reputation_value(counts[0], counts[1], exclude)
            if v is not None:
                vals.append(v)
        if vals:
            v = max(vals, key=abs)
            named[name] = v
            verdict = "spam" if v > 0 else "legitimate"
            reasons[name] = f"{what} previously marked {verdict}"


def script_signals(found: _Found, sub: Submission, parsed: _Parsed) -> None:
    """Letters in a script the article's language does not use."""
    lang = sub.article_lang or sub.blog_lang
    share, script = foreign_script_share(parsed.clean, lang)
    if share >= 0.3 and script:
        found.add("script.foreign", share, f"{script} script on a {lang or 'en'} article")


# --- all of them ----------------------------------------------------------------------
def features(
    engine: Engine,
    sub: Submission,
    stats: HistoryStats | None,
    exclude: int | None = None,
    keys: SubmissionKeys | None = None,
    *,
    exact: bool = True,
) -> Features:
    """Every enabled group's signals of ``sub`` under ``engine``'s settings and counts.

    ``exclude`` (1 spam, 0 ham): the submission's own label is in the counts; leave it
    out. ``exact``: read the text with the character model now; otherwise its score is
    left to the caller (a check reads it only when it could change the verdict, a batch
    fit once every count is in).
    """
    c = engine.config
    off = c.disabled
    if keys is None:
        keys = engine.keys(sub)
    parsed = _Parsed.of(sub)
    found = _Found()
    if "text" not in off:
        text_signals(found, parsed, c)
    if "links" not in off:
        link_signals(found, parsed, c)
    if "author" not in off:
        author_signals(found, parsed, engine.salted)
    if "behaviour" not in off:
        behaviour_signals(found, sub, stats, c)
    rep_groups: RepGroups = ()
    if "reputation" not in off:
        rep_groups = reputation_groups(keys, parsed, engine.salted)
        apply_reputation(found.named, found.reasons, rep_groups, engine.reputation, exclude)
    if "script" not in off:
        script_signals(found, sub, parsed)
    if "text" not in off and c.nb_feature:
        nb = engine.nb.score(found.hashed, exclude)
        if nb:
            found.named["text.nb"] = nb
    grams = score = None
    # The text as typed: entities and markup are part of how spam reads (measured better
    # than the cleaned text, most on SMS: docs/research/). Its start only, as for the
    # character n-grams: the cost of a check stays bounded for long posts.
    typed = (sub.content or "")[:MAX_CHARS]
    model = engine.char_model
    if model is not None and exact:
        grams = model.grams(typed)
        if model.ready():
            score = model.score(grams, exclude)
    rep_keys = tuple(k for _, _, ks in rep_groups for k in ks)
    return Features(frozenset(found.hashed), found.named, found.reasons, found.hard, keys,
                    rep_keys, rep_groups, grams, score, typed)

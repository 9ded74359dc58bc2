"""Link extraction: URLs, bare domains, anchors whose text hides their target."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# Common and spam-favoured TLDs: a bare ``word.tld`` is only taken for a link when its TLD
# is here, so that "end.Then" typos do not count as links.
_TLDS = frozenset(
    """com net org info biz edu gov io co me tv cc ws ru su ua pl de uk fr nl be es it pt ch at
    se no dk fi cz sk hu ro bg gr tr il in pk bd cn jp kr tw hk sg my id ph vn th au nz ca us
    mx br ar cl za ng ke eg ir ly to fm am gl gd ly xyz top club online site website space
    store shop app dev link click live life pro win loan bid trade date party review stream
    download racing accountant science work men cam buzz icu vip fun rest monster tk ml ga cf
    gq pw cf eu asia mobi name tel""".split()  # noqa: SIM905 - a word list reads better
)

_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+", re.IGNORECASE)
# A bare domain, allowing the "example. com" gap that spammers use to dodge link filters.
_BARE_RE = re.compile(
    r"(?<![\w@.])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+)\s?([a-z]{2,10})\b(/\S*)?",
    re.IGNORECASE,
)
_ANCHOR_RE = re.compile(
    r"<a\b[^>]*?href\s*=\s*[\"']?([^\"'\s>]+)[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL
)
_TAG_RE = re.compile(r"<[^>]*>")
_IP_HOST_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_HOST_RE = re.compile(r"^(?:[a-z]+://)?([^/:?#\s]+)", re.IGNORECASE)
_DOMAINISH_RE = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?:[/?#:]|$)")


DATA_DIR = Path(__file__).resolve().parent / "data"


def _load_list(name: str) -> frozenset[str]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    out = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line:
            out.add(line)
    return frozenset(out)


@cache
def shorteners() -> frozenset[str]:
    """Shipped list of URL shortener domains."""
    return _load_list("shorteners.txt")


@cache
def disposable_domains() -> frozenset[str]:
    """Shipped list of disposable e-mail domains."""
    return _load_list("disposable_domains.txt")


def in_domain_list(domain: str, listed: frozenset[str]) -> bool:
    """True when ``domain`` or one of its parent domains is listed."""
    parts = domain.lower().strip(".").split(".")
    return any(".".join(parts[i:]) in listed for i in range(len(parts) - 1))


def host_of(url: str) -> str:
    """Lower-case host of a URL or bare domain, without ``www.`` and port."""
    m = _HOST_RE.match(url.strip())
    host = m.group(1).lower().rstrip(".") if m else ""
    if "@" in host:
        host = host.rsplit("@", 1)[1]
    return host[4:] if host.startswith("www.") else host


def registrable(host: str) -> str:
    """Crude registrable domain (last two labels, three for ``co.uk``-style names)."""
    parts = host.split(".")
    if len(parts) >= 3 and len(parts[-2]) <= 3 and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


@dataclass(frozen=True)
class LinkInfo:
    hosts: tuple[str, ...]
    shortener_count: int
    hidden_targets: int
    ip_literals: int

    @property
    def count(self) -> int:
        return len(self.hosts)


def analyse(raw: str) -> LinkInfo:
    """Find links in raw comment text (HTML or plain)."""
    hosts: list[str] = []
    hidden = 0
    for href, inner in _ANCHOR_RE.findall(raw):
        target = host_of(html.unescape(href))
        text = html.unescape(_TAG_RE.sub("", inner)).strip().lower()
        m = _DOMAINISH_RE.match(text)
        if target and m:
            shown = m.group(1)
            if "." in shown and registrable(shown) != registrable(target):
                hidden += 1
    plain = html.unescape(raw)
    for m in _URL_RE.finditer(plain):
        h = host_of(m.group(0))
        if h:
            hosts.append(h)
    stripped = _URL_RE.sub(" ", plain)
    for m in _BARE_RE.finditer(stripped):
        if m.group(2).lower() in _TLDS:
            hosts.append((m.group(1) + m.group(2)).lower().removeprefix("www."))
    short = shorteners()
    n_short = sum(1 for h in hosts if in_domain_list(h, short))
    n_ip = sum(1 for h in hosts if _IP_HOST_RE.match(h))
    return LinkInfo(tuple(hosts), n_short, hidden, n_ip)

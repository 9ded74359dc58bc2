"""Signed tokens of the comment form, in place of Django's per-reader CSRF token.

The article page is cached and shared by every anonymous reader, so whatever the form carries
is the same for all of them. Two tokens:

- the page token, rendered into the cached form: ``article_id:issued_at`` signed. It proves
  the form came from this site for this story, and dates it (a week at most), so a copy
  scraped once cannot be posted for ever;
- the script's token, fetched by ``comments.js`` when a reader starts writing:
  ``article_id:issued_at:nonce`` signed, good once (the nonce is added to the shared cache, so
  every process sees it used). It tells the spam defence that a script ran and how long the
  reader took, to the second.

The time is carried in the signed value (not by ``TimestampSigner``) so that the checks take
``now`` like the services do.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache

PAGE_SALT = "gazette.comments.page-token"
SCRIPT_SALT = "gazette.comments.script-token"
HELD_SALT = "gazette.comments.held"
PAGE_TOKEN_MAX_AGE = 7 * 24 * 3600
SCRIPT_TOKEN_MAX_AGE = 24 * 3600
HELD_NOTICE_MAX_AGE = 7 * 24 * 3600
SHARED_PAGE_TOKEN_SECONDS = 300
NONCE_PREFIX = "comments:nonce:"
# A token dated this far ahead of the clock is not ours (clocks of several hosts differ a bit).
CLOCK_SKEW = 300


@dataclass(frozen=True)
class TokenCheck:
    """``issued_at`` is set when the token is ours and for this story, even if expired."""

    valid: bool = False
    expired: bool = False
    replayed: bool = False
    issued_at: float | None = None


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def page_token(article_id: int, now: float | None = None) -> str:
    return signing.Signer(salt=PAGE_SALT).sign(f"{article_id}:{int(_now(now))}")


def shared_page_token(article_id: int) -> str:
    """The page token the cached form carries: one per story every few minutes, shared through
    the cache, so that two renders of a page are byte for byte the same (ETags, conditional
    requests). The cached page is minutes old anyway: the script's token times a reader."""
    token = cache.get_or_set(f"comments:page-token:{article_id}",
                             lambda: page_token(article_id), timeout=SHARED_PAGE_TOKEN_SECONDS)
    return str(token) if token else page_token(article_id)


def script_token(article_id: int, now: float | None = None) -> str:
    nonce = secrets.token_urlsafe(12)
    return signing.Signer(salt=SCRIPT_SALT).sign(f"{article_id}:{int(_now(now))}:{nonce}")


def _unsign(value: str, salt: str, parts: int) -> list[str] | None:
    if not value or len(value) > 200:
        return None
    try:
        fields = signing.Signer(salt=salt).unsign(value).split(":")
    except signing.BadSignature:
        return None
    if len(fields) != parts or not fields[0].isdigit() or not fields[1].isdigit():
        return None
    return fields


def _dated(issued_at: float, max_age: int, now: float) -> tuple[bool, bool]:
    """(valid, expired) for a token issued at ``issued_at``."""
    if issued_at > now + CLOCK_SKEW:
        return False, False
    if now - issued_at > max_age:
        return False, True
    return True, False


def check_page_token(value: str, article_id: int, now: float | None = None) -> TokenCheck:
    fields = _unsign(value, PAGE_SALT, 2)
    if fields is None or int(fields[0]) != article_id:
        return TokenCheck()
    issued_at = float(fields[1])
    valid, expired = _dated(issued_at, PAGE_TOKEN_MAX_AGE, _now(now))
    return TokenCheck(valid=valid, expired=expired, issued_at=issued_at)


def check_script_token(value: str, article_id: int, now: float | None = None) -> TokenCheck:
    """Checks the script's token and uses it up: a second check of the same token is a replay."""
    fields = _unsign(value, SCRIPT_SALT, 3)
    if fields is None or int(fields[0]) != article_id:
        return TokenCheck()
    issued_at = float(fields[1])
    valid, expired = _dated(issued_at, SCRIPT_TOKEN_MAX_AGE, _now(now))
    if not valid:
        return TokenCheck(expired=expired, issued_at=issued_at)
    if not cache.add(NONCE_PREFIX + fields[2], 1, timeout=SCRIPT_TOKEN_MAX_AGE + CLOCK_SKEW):
        return TokenCheck(replayed=True, issued_at=issued_at)
    return TokenCheck(valid=True, issued_at=issued_at)


def held_notice_key(comment_id: int) -> str:
    """The unguessable part of the address of a held comment's notice, for its author only."""
    return signing.TimestampSigner(salt=HELD_SALT).sign(str(comment_id))


def held_notice_comment_id(key: str) -> int | None:
    if not key or len(key) > 200:
        return None
    try:
        value = signing.TimestampSigner(salt=HELD_SALT).unsign(key, max_age=HELD_NOTICE_MAX_AGE)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None

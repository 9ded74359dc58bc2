"""The contact form's signed token, in place of Django's per-reader CSRF cookie.

The contact page is cached and shared by every anonymous reader, and the privacy page promises
readers no cookie, so the form carries no CSRF token. What stands in for it: the view accepts a
post only when the browser says it comes from this site (Origin, else Referer, as the comment
form does), and only with this token, ``page_id:issued_at`` signed: it proves the form came from
this site's page and dates it, so a copy scraped once cannot be posted for ever. The time is
rounded down to ``SHARE_SECONDS`` so that every render of the page within that window is byte
for byte the same (ETags, conditional requests).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core import signing

SALT = "gazette.trust.contact-form"
MAX_AGE_SECONDS = 7 * 24 * 3600
SHARE_SECONDS = 300
# A token dated this far ahead of the clock is not ours (clocks of several hosts differ a bit).
CLOCK_SKEW = 300


@dataclass(frozen=True)
class TokenCheck:
    valid: bool
    expired: bool = False


def form_token(page_id: int, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    return signing.Signer(salt=SALT).sign(f"{page_id}:{issued}")


def shared_form_token(page_id: int, now: float | None = None) -> str:
    now = time.time() if now is None else now
    return form_token(page_id, now - now % SHARE_SECONDS)


def form_token_check(token: str, page_id: int, now: float | None = None) -> TokenCheck:
    now = time.time() if now is None else now
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return TokenCheck(valid=False)
    page, _, issued = value.partition(":")
    if page != str(page_id) or not issued.isdigit():
        return TokenCheck(valid=False)
    age = now - int(issued)
    if age < -CLOCK_SKEW:
        return TokenCheck(valid=False)
    if age > MAX_AGE_SECONDS:
        return TokenCheck(valid=False, expired=True)
    return TokenCheck(valid=True)

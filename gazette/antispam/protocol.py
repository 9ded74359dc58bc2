"""Akismet's wire format: request parameters in, Submission out; exact response bodies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from django.http import HttpRequest, QueryDict

from .engine.types import Submission

VALID = "valid"
INVALID = "invalid"
SPAM = "true"
HAM = "false"
THANKS = "Thanks for making the web a better place."
CONNECTED = "connected"

TRUE_VALUES = frozenset({"1", "true"})
_CONTEXT_KEY = re.compile(r"^comment_context(?:\[\d*\])?$")
# How many comment_context[] values are kept: they are topic words, not content.
MAX_CONTEXT = 50


def params(request: HttpRequest) -> QueryDict:
    """The query string overlaid with the form body (the body wins), like PHP's $_REQUEST.

    Akismet clients send form bodies; some HTTP clients add a default ``api_key`` to every
    query string (how the ``akismet`` Python package's key-sites call gets its key).
    """
    if request.method != "POST":
        return request.GET
    # Usually only one of the two has anything: no copy then (WordPress posts hundreds of
    # fields, and copying them field by field cost more than the key check).
    if not request.GET:
        return request.POST
    if not request.POST:
        return request.GET
    merged = request.GET.copy()
    for name, values in request.POST.lists():
        merged.setlist(name, values)
    return merged


def flag(value: str | None) -> bool:
    """Akismet's booleans: ``true`` or ``1``; mere presence (``is_test=``) is not enough."""
    return (value or "").strip().lower() in TRUE_VALUES


def parse_gmt(value: str | None) -> datetime | None:
    """``comment_date_gmt`` and friends: ISO 8601 (``2024-05-01T10:00:00Z`` or WordPress's
    ``2024-05-01 10:00:00``), read as UTC when no offset is given."""
    value = (value or "").strip()
    if not value or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed.timestamp()
    except (OverflowError, OSError, ValueError):
        return None
    return parsed


def context_values(data: QueryDict) -> tuple[str, ...]:
    values: list[str] = []
    for name in data:
        if _CONTEXT_KEY.match(name):
            values.extend(v for v in data.getlist(name) if v.strip())
    return tuple(values[:MAX_CONTEXT])


def submission_from(data: Mapping[str, str] | QueryDict) -> Submission:
    """A Submission from Akismet's documented parameters; anything else is ignored."""
    get = data.get
    honeypot_name = (get("honeypot_field_name") or "").strip()
    honeypot = (get(honeypot_name) or "") if honeypot_name else ""
    context = context_values(data) if isinstance(data, QueryDict) else ()
    return Submission(
        content=get("comment_content") or "",
        author=get("comment_author") or "",
        author_email=get("comment_author_email") or "",
        author_url=get("comment_author_url") or "",
        user_ip=(get("user_ip") or "").strip(),
        user_agent=get("user_agent") or "",
        referrer=get("referrer") or "",
        permalink=get("permalink") or "",
        comment_type=(get("comment_type") or "").strip() or "comment",
        blog=get("blog") or "",
        blog_lang=get("blog_lang") or "",
        blog_charset=get("blog_charset") or "",
        user_role=get("user_role") or "",
        honeypot_value=honeypot,
        comment_date=parse_gmt(get("comment_date_gmt")),
        post_modified=parse_gmt(get("comment_post_modified_gmt")),
        context=context,
        recheck_reason=get("recheck_reason") or "",
    )


def header_safe(value: str, limit: int = 200) -> str:
    """Printable ASCII only: header values carry user input (a site's host)."""
    return "".join(ch if " " <= ch <= "~" else "?" for ch in value[:limit])

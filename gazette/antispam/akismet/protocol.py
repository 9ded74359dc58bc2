"""Akismet's wire format: request parameters in, Submission out; exact response bodies."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import BadRequest, TooManyFieldsSent
from django.http import HttpRequest, QueryDict

from ..engine import Submission
from . import wordpress

VALID = "valid"
INVALID = "invalid"
SPAM = "true"
HAM = "false"
THANKS = "Thanks for making the web a better place."
CONNECTED = "connected"
DEACTIVATED = "deactivated"

FORM_TYPE = "application/x-www-form-urlencoded"
TRUE_VALUES = frozenset({"1", "true"})
_CONTEXT_KEY = re.compile(r"^comment_context(?:\[\d*\])?$")
# How many comment_context[] values are kept: they are topic words, not content.
MAX_CONTEXT = 50


class FormFields:
    """A form-encoded body, read the way Django's ``QueryDict`` reads it (same splitting, same
    decoding, last value wins in ``get``) but decoding only the fields that are asked for.

    The WordPress plugin sends the whole of ``$_SERVER`` with every check, hundreds of
    fields of which Gazette reads about twenty: building a QueryDict of them all takes 514 us
    a body with more than 200 fields, against 102 us this way (bench/akismet_forms.py, 6 Dec
    2026; 179 against 52 us over all bodies). It uses no private part of Django; the risk is
    reading a body differently from Django, which test_protocol checks on generated bodies.
    ``fallback`` holds the query string's fields, which the body's override.
    """

    def __init__(self, body: str, fallback: QueryDict | None = None) -> None:
        raw: dict[str, list[str]] = {}
        for pair in body.split("&"):
            if not pair:
                continue
            name, _, value = pair.partition("=")
            if "%" in name or "+" in name:
                name = _decode(name)
            raw.setdefault(name, []).append(value)
        self._raw = raw
        self._fallback = fallback

    def getlist(self, name: str) -> list[str]:
        values = self._raw.get(name)
        if values is None:
            return self._fallback.getlist(name) if self._fallback is not None else []
        return [_decode(v) for v in values]

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self._raw.get(name)
        if values is None:
            return self._fallback.get(name, default) if self._fallback is not None else default
        return _decode(values[-1])

    def __contains__(self, name: object) -> bool:
        return name in self._raw or (self._fallback is not None and name in self._fallback)

    def __iter__(self) -> Iterator[str]:
        yield from self._raw
        if self._fallback is not None:
            yield from (name for name in self._fallback if name not in self._raw)

    def __bool__(self) -> bool:
        return bool(self._raw) or bool(self._fallback)


def _decode(value: str) -> str:
    # What urllib.parse.parse_qsl does to each name and value, as QueryDict calls it.
    if "%" not in value and "+" not in value:
        return value
    return unquote(value.replace("+", " "), encoding="utf-8", errors="replace")


Params = QueryDict | FormFields


def read_form(body: bytes, fallback: QueryDict | None = None) -> FormFields:
    """``FormFields`` of a form-encoded body, with Django's limit on the number of fields."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # As QueryDict does: some user agents send Latin-1 despite the standard.
        text = body.decode("iso-8859-1")
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if limit is not None and text.count("&") + 1 > limit:
        raise TooManyFieldsSent(
            "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."
        )
    return FormFields(text, fallback or None)


def params(request: HttpRequest) -> Params:
    """The query string overlaid with the form body (the body wins), like PHP's $_REQUEST.

    Akismet clients send form bodies; some HTTP clients add a default ``api_key`` to every
    query string (how the ``akismet`` Python package's key-sites call gets its key).
    """
    if request.method != "POST":
        return request.GET
    if request.content_type == FORM_TYPE:
        if request.encoding is not None and request.encoding.lower() != "utf-8":
            # Django refuses these too: the form encoding has no charset of its own.
            raise BadRequest("application/x-www-form-urlencoded bodies must be UTF-8.")
        return read_form(request.body, request.GET)
    # Any other body (views.endpoint refuses those that are not empty) is never parsed:
    # multipart would be read whole, files and all, before a field could be looked at.
    return request.GET


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


def context_values(data: Params) -> tuple[str, ...]:
    values: list[str] = []
    for name in data:
        if _CONTEXT_KEY.match(name):
            values.extend(v for v in data.getlist(name) if v.strip())
    return tuple(values[:MAX_CONTEXT])


def submission_from(data: Mapping[str, str] | Params, *, slashed: bool = False) -> Submission:
    """A Submission from Akismet's documented parameters and the WordPress plugin's form
    fields (``akismet/wordpress.py``); anything else is ignored.

    ``slashed``: the fields WordPress slashes come slashed (``wordpress.sent_slashed``)."""
    get = data.get

    def field(name: str) -> str:
        value = get(name) or ""
        return wordpress.unslash(value) if slashed and name in wordpress.SLASHED_FIELDS else value

    honeypot_name = (get("honeypot_field_name") or "").strip()
    honeypot = (get(honeypot_name) or "") if honeypot_name else ""
    if not honeypot.strip():
        honeypot = get(wordpress.HONEYPOT_FIELD) or ""
    context = context_values(data) if isinstance(data, QueryDict | FormFields) else ()
    return Submission(
        content=field("comment_content"),
        author=field("comment_author"),
        author_email=field("comment_author_email"),
        author_url=field("comment_author_url"),
        user_ip=(get("user_ip") or "").strip(),
        user_agent=field("user_agent"),
        referrer=field("referrer"),
        permalink=get("permalink") or "",
        comment_type=(get("comment_type") or "").strip() or "comment",
        blog=get("blog") or "",
        blog_lang=get("blog_lang") or "",
        blog_charset=get("blog_charset") or "",
        user_role=get("user_role") or "",
        honeypot_value=honeypot,
        comment_date=parse_gmt(get("comment_date_gmt")),
        post_modified=parse_gmt(get("comment_post_modified_gmt")),
        seconds_to_submit=wordpress.seconds_to_submit(get),
        context=context,
        recheck_reason=get("recheck_reason") or "",
    )


def header_safe(value: str, limit: int = 200) -> str:
    """Printable ASCII only: header values carry user input (a site's host)."""
    return "".join(ch if " " <= ch <= "~" else "?" for ch in value[:limit])

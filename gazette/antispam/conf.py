"""The spam defence's settings, read at call time so tests can change them; their defaults are
gazette/settings.py's."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings

SHARED_POOL = "shared"
LOCAL_POOL = "local"

def get(name: str) -> Any:
    """A GAZETTE_ANTISPAM_* or GAZETTE_AKISMET_* setting: gazette/settings.py holds each one
    with its default (read from the environment there), and is their only source."""
    return getattr(settings, name)


def shared_learning() -> bool:
    return bool(get("GAZETTE_ANTISPAM_SHARED_LEARNING"))


def secret_key() -> str:
    """The salt of the filter's hashes: its own setting, or one derived from SECRET_KEY.

    Derived rather than SECRET_KEY itself, so that the engine never holds the key that signs
    sessions.
    """
    explicit = get("GAZETTE_ANTISPAM_SECRET_KEY")
    if explicit:
        return str(explicit)
    return hmac.new(
        settings.SECRET_KEY.encode(), b"gazette.antispam.engine", hashlib.sha256
    ).hexdigest()


def default_pool() -> str:
    """The pool this site's own comments learn in."""
    return SHARED_POOL if shared_learning() else LOCAL_POOL


def pool_for_key(key_id: int | None) -> str:
    """The pool an API key's sites learn in."""
    if key_id is None or shared_learning():
        return default_pool()
    return f"key:{key_id}"


def rebuild_window() -> int:
    """How many decisions a batch rebuild trains on (GAZETTE_ANTISPAM_REBUILD_WINDOW); 0
    for all of them. ``state.rebuild`` raises it to what the ham budget needs."""
    return max(0, int(get("GAZETTE_ANTISPAM_REBUILD_WINDOW") or 0))


def max_body() -> int:
    """The largest request body the Akismet API reads, in bytes (GAZETTE_AKISMET_MAX_BODY)."""
    return max(0, int(get("GAZETTE_AKISMET_MAX_BODY")))

"""The floor for bench/cached_fastpath.py: a WSGI app that answers every request with one
recorded response (status, headers and body of a cached Gazette page), built once at import.

The response is read from the JSON file named by BARE_RESPONSE: {"status", "headers", "body"}.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

with open(os.environ["BARE_RESPONSE"], encoding="utf-8") as handle:
    _recorded = json.load(handle)
STATUS: str = _recorded["status"]
HEADERS: list[tuple[str, str]] = [(name, value) for name, value in _recorded["headers"]]
BODY: bytes = _recorded["body"].encode("utf-8")


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response(STATUS, HEADERS)
    return [BODY]

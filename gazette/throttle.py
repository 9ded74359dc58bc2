"""Hourly allowances per network, counted in the cache every process of the site shares.

Forms that mail someone or store a reader's text (the comments' privacy requests, the contact
page) limit how often one network may use them. The count is kept under a keyed hash of the
network (an IPv4 address, an IPv6 /64), never the address, and in the shared cache so that
every web process counts together.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


def network_key(client_address: str | None, *, purpose: bytes = b"") -> str:
    """A keyed hash of the client's network: an IPv4 address, or an IPv6 address's /64."""
    try:
        address = ipaddress.ip_address(client_address or "")
    except ValueError:
        network = "unknown"
    else:
        prefix = 64 if address.version == 6 else 32
        network = str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    digest = hmac.new(settings.SECRET_KEY.encode(), purpose + network.encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


def hourly_allow(prefix: str, key: str, limit: int, *, now: float | None = None) -> bool:
    """Count one use under ``prefix`` + ``key`` this hour; False once ``limit`` is spent
    (a limit of 0 or less means no limit). add() then incr(): atomic on Redis and on the disk
    cache, so processes count together."""
    if limit <= 0:
        return True
    window = int((time.time() if now is None else now) // WINDOW_SECONDS)
    cache_key = f"{prefix}{key}:{window}"
    cache.add(cache_key, 0, timeout=WINDOW_SECONDS + 60)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between the two calls: this is the window's first use
        cache.set(cache_key, 1, timeout=WINDOW_SECONDS + 60)
        count = 1
    return count <= limit

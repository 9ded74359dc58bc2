"""The statistics frames' tokens.

The WordPress plugin frames its statistics charts with a token it asks ``1.1/token`` for.
The token names the key by its row id (never the key itself: the frames' addresses pass
through the editor's browser) and is signed, so it cannot be made up or altered; it is
good for a day, and the key must still be active and serve the site when it is used.
"""

from __future__ import annotations

from django.core import signing

from ..keys import KeyCheck, key_authenticate
from ..models import ApiKey, site_host

# Unchanged since the tokens lived in services.py: changing it would void tokens in use.
STATS_TOKEN_SALT = "gazette.antispam.stats-frames"
STATS_TOKEN_MAX_AGE = 24 * 60 * 60


def stats_token(api_key: ApiKey) -> str:
    return signing.TimestampSigner(salt=STATS_TOKEN_SALT).sign(str(api_key.pk))


def authenticate_stats_token(token: str, blog: str) -> KeyCheck:
    """The key a statistics token stands for, checked for ``blog`` as
    :func:`~gazette.antispam.keys.key_authenticate` checks a key."""
    site = site_host(blog or "")
    try:
        pk = signing.TimestampSigner(salt=STATS_TOKEN_SALT).unsign(
            (token or "").strip(), max_age=STATS_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        return KeyCheck(None, site, "This statistics link has expired")
    except signing.BadSignature:
        return KeyCheck(None, site, "This statistics link is not valid")
    key = ApiKey.objects.filter(pk=int(pk)).values_list("key", flat=True).first()
    if key is None:
        return KeyCheck(None, site, "Unknown API key")
    return key_authenticate(key, blog)

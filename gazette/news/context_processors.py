from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .cache import GLOBAL_TAG, tags_version
from .models import SectionPage
from .routing import public_only

# The links this process read last, with the version they were read under (as the footer's
# links, gazette.trust.selectors): while it is current, a page reads no more than the version.
_last: tuple[str, list[dict[str, Any]]] | None = None


def _navigation() -> list[dict[str, Any]]:
    """The section links on every page, kept in the cache until anything site-wide changes
    (publishing a section bumps the page cache's global tag)."""
    global _last
    version = tags_version(GLOBAL_TAG)
    last = _last
    if last is not None and last[0] == version:
        return last[1]
    key = f"navigation:{version}"
    links: list[dict[str, Any]] | None = cache.get(key)
    if links is None:
        links = [
            {"title": s.title, "url": s.url}
            for s in public_only(SectionPage.objects.live()).order_by("path")
        ]
        cache.set(key, links, timeout=settings.GAZETTE_PAGE_CACHE_SECONDS)
    _last = (version, links)
    return links


def site_furniture(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_name": settings.GAZETTE_SITE_NAME,
        "base_url": settings.GAZETTE_BASE_URL,
        "navigation": SimpleLazyObject(_navigation),
    }

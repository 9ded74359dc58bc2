"""The questions asked of the trust pages: the footer's links, the staff list."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from wagtail.models import Page

from gazette.news.cache import GLOBAL_TAG, tags_version
from gazette.news.models import Author
from gazette.news.routing import public_only

# The page types the footer links, by label: the Corrections page belongs to news and may not
# exist in this version of it, so it is looked up by name rather than imported.
FOOTER_PAGE_TYPES = ("trust.StandardPage", "trust.StaffPage", "trust.ContactPage",
                     "news.CorrectionsPage", "trust.PrivacyPage")
FOOTER_KEY = "trust:footer:"


def footer_page_models() -> list[type[Page]]:
    found = []
    for label in FOOTER_PAGE_TYPES:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return found


def _footer_links_read() -> list[dict[str, str]]:
    pages = public_only(Page.objects.live().type(*footer_page_models())).order_by("path")
    links = []
    for page in pages.only("id", "title", "path", "depth", "url_path"):
        url = page.url
        if url:
            links.append({"title": page.title, "url": url})
    return links


# The last list this process read, with the version it was read under: while the version is
# the same, so is the shared entry, and one cache read (the version) is enough.
_last: tuple[str, list[dict[str, str]]] | None = None


def footer_links() -> list[dict[str, str]]:
    """The About, Contact, Corrections, Privacy, Terms and staff pages that are live, in the
    order editors gave them under the front page. Kept in the shared cache under the page
    cache's global version, which publishing, unpublishing, moving or deleting any of them
    bumps (``receivers``), like the section links of ``news.context_processors``."""
    global _last
    version = tags_version(GLOBAL_TAG)
    last = _last
    if last is not None and last[0] == version:
        return last[1]
    key = FOOTER_KEY + version
    links: list[dict[str, str]] | None = cache.get(key)
    if links is None:
        links = _footer_links_read()
        cache.set(key, links, timeout=settings.GAZETTE_PAGE_CACHE_SECONDS)
    _last = (version, links)
    return links


def staff_list() -> QuerySet[Author]:
    """Every author, by name, with the photo in the same query."""
    return Author.objects.select_related("photo").order_by("name")

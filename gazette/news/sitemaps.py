"""sitemap.xml (an index of pages, tags and authors), the Google News sitemap and robots.txt.

Built on ``django.contrib.sitemaps`` and ``wagtail.contrib.sitemaps``; every URL is made
against ``GAZETTE_BASE_URL`` so the sitemaps agree with the canonical links of the pages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.cache import cache
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Case, Max, QuerySet, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from wagtail.models import Site

from . import selectors, seo
from .cache import GLOBAL_TAG, page_cache_invalidate, page_cache_tag, tags_version
from .models import ArticleAuthor, ArticleTag
from .routing import ROUTES_TAG, public_only

NEWS_SITEMAP_HOURS = 48
NEWS_SITEMAP_LIMIT = 1000
# Django's sitemap.xml, its entries written in one pass (templatetags/sitemap_tags.py).
SITEMAP_TEMPLATE = "news/sitemap.xml"
# Publishing any story refreshes the front page's tag, and so the sitemaps.
CACHE_TAG = "home"
# How long a remembered count or maximum is kept. Each is keyed by the versions of the page-cache
# tags that every change to it refreshes, so it is never stale; this only bounds the storage.
REMEMBERED_SECONDS = 24 * 3600
# How long the tags' and authors' rows are carried over from publication to publication
# before they are worked out again (invalidate_for_publication).
MAXIMA_CARRIED_SECONDS = 3600

T = TypeVar("T")


def _remembered(name: str, tags: tuple[str, ...], compute: Callable[[], T]) -> T:
    """``compute()``, worked out once per version of ``tags`` (and the global tag) and kept in
    the shared cache: the sitemaps' counts and maxima, which grow with the archive, cost one
    pass over it after each change instead of one (or two) on every request."""
    version = tags_version(GLOBAL_TAG, *tags)
    return cast(T, cache.get_or_set(f"sitemap:{name}:{version}", compute,
                                    timeout=REMEMBERED_SECONDS))


class FromTheEndPaginator(Paginator):
    """Django's paginator over an ordered queryset with a count given (remembered), reading a
    page past the middle from the other end: the last file of the pages' sitemap skips a few
    rows instead of 100,000 (an OFFSET walks every row it skips). The same rows, in order."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count

    def page(self, number: Any) -> PaginatorPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if bottom <= self.count // 2:
            return super().page(number)
        rows = list(self.object_list.reverse()[self.count - top:self.count - bottom])
        rows.reverse()
        return PaginatorPage(rows, number, self)


class BaseUrlSitemap(DjangoSitemap):
    """Locations on GAZETTE_BASE_URL rather than on whatever host the request came to."""

    def __init__(self, request: HttpRequest | None = None):
        self.request = request

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(seo.get_base_url()).scheme or "https"

    def get_domain(self, site=None) -> str:
        parts = urlsplit(seo.get_base_url())
        return parts.netloc + parts.path


class PageSitemap(BaseUrlSitemap):
    """Every live, public page of the site (front page, sections, stories).

    A Django sitemap, not Wagtail's: Wagtail's builds locations on the Site's host by
    overriding Django's private ``_urls``, and undoing that meant overriding it back. Its items
    are plain rows (the page's URL path and its last modification, worked out by the database),
    not pages: a file of the sitemap lists up to 50,000 of them, and loading each as its specific
    page and asking it for its URL cost 0.3 ms a URL (15 s for a full file).
    """

    def _site(self) -> Site:
        site = Site.find_for_request(self.request) if self.request is not None else None
        if site is None:
            site = Site.objects.select_related("root_page").get(is_default_site=True)
        return site

    def _pages(self):
        # The pages Wagtail's sitemap lists.
        return public_only(self._site().root_page.get_descendants(inclusive=True).live())

    # What changes the list of pages or their lastmods: a publication (home, or the global tag
    # for sections and other pages), an unpublication, a move (home), a site's root (routes).
    _CHANGED_BY = ("home", ROUTES_TAG)

    def _site_key(self) -> str:
        return str(self._site().pk)

    @property
    def paginator(self) -> Paginator:
        count = _remembered(f"pages-count:{self._site_key()}", self._CHANGED_BY,
                            self._pages().count)
        return FromTheEndPaginator(self.items(), self.limit, count)

    def items(self):
        # A story's lastmod is its modified_at (its update time, else its last publication);
        # other pages' their last publication, else their last revision.
        self._root_length = len(self._site().root_page.url_path)
        lastmod = Case(
            When(articlepage__isnull=False, then=Coalesce(
                "articlepage__updated_at", "last_published_at", "first_published_at",
                "go_live_at")),
            default=Coalesce("last_published_at", "latest_revision_created_at"),
        )
        return (self._pages().order_by("path").annotate(lastmod=lastmod)
                .values_list("url_path", "lastmod"))

    def location(self, item) -> str:
        # What Page.get_url_parts answers for a page of this site, without a lookup per page.
        return reverse("wagtail_serve", args=(item[0][self._root_length:],))

    def lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        def latest():
            found = self._pages().aggregate(published=Max("last_published_at"),
                                            updated=Max("articlepage__updated_at"))
            return max((d for d in found.values() if d is not None), default=None)

        return _remembered(f"pages-latest:{self._site_key()}", self._CHANGED_BY, latest)


def _live_article_ids(pk: int | None = None):
    stories = selectors.live_articles()
    return (stories if pk is None else stories.filter(pk=pk)).values("pk")


def _tag_maxima(stories) -> QuerySet:
    return (ArticleTag.objects.filter(content_object__in=stories)
            .values("tag__slug")
            .annotate(lastmod=Max("content_object__last_published_at"))
            .order_by("tag__slug"))


def _author_maxima(stories) -> QuerySet:
    return (ArticleAuthor.objects.filter(page__in=stories)
            .values("author__slug")
            .annotate(lastmod=Max("page__last_published_at"))
            .order_by("author__slug"))


# The sitemaps whose rows are maxima over the archive: the page-cache tag whose version keys
# them, their rows for some stories, and the field that names a row.
_MAXIMA: dict[str, tuple[str, Callable[[Any], QuerySet], str]] = {
    "tags": ("tags", _tag_maxima, "tag__slug"),
    "authors": ("authors", _author_maxima, "author__slug"),
}


def _maxima_key(name: str) -> str:
    return f"sitemap:{name}-maxima:{tags_version(GLOBAL_TAG, _MAXIMA[name][0])}"


def _maxima(name: str) -> list[dict[str, Any]]:
    """The rows of the tags' or authors' sitemap: each slug with the newest publication of its
    live stories, a group-by over the archive (945 and 627 ms at 100,000 stories) worked out
    once per version of its tag. A publication carries them over to the next version
    (``invalidate_for_publication``); anything else that changes the tag works them out again."""
    _tag, maxima_of, _slug = _MAXIMA[name]

    def compute() -> dict[str, Any]:
        return {"rows": list(maxima_of(_live_article_ids())), "at": time.time()}

    kept = cache.get_or_set(_maxima_key(name), compute, timeout=REMEMBERED_SECONDS)
    return cast(list[dict[str, Any]], kept["rows"])


def invalidate_for_publication(article_id: int, tags: set[str]) -> None:
    """``page_cache_invalidate(tags)`` for the story ``article_id`` just published (after its
    commit), carrying the tags' and authors' sitemap rows kept under the versions before over to
    the new ones, with the story's tags and authors brought up to its publication: a maximum
    only grows when a story is published, so the first sitemap request after it need not
    work out every tag's again.

    Only a publication carries them. An unpublication, a move, a story's tag or author taken
    away (their rows' ``post_delete``), a tag renamed: each changes the tag's version without
    carrying, so the rows are worked out again. Rows carried are worked out again at the latest
    ``MAXIMA_CARRIED_SECONDS`` after they were: another change that invalidates the same tag
    between this function's read of the versions and its own invalidation (milliseconds) would
    be hidden until then."""
    names = [name for name, (tag, _maxima_of, _slug) in _MAXIMA.items() if tag in tags]
    before = {name: _maxima_key(name) for name in names}
    found = cache.get_many(list(before.values()))
    page_cache_invalidate(tags)
    oldest = time.time() - MAXIMA_CARRIED_SECONDS
    for name, key in before.items():
        kept = found.get(key)
        if not isinstance(kept, dict) or kept.get("at", 0) < oldest:
            continue
        _tag, maxima_of, slug = _MAXIMA[name]
        rows = {row[slug]: row for row in kept["rows"]}
        for row in maxima_of(_live_article_ids(article_id)):
            held = rows.get(row[slug])
            if held is None or held["lastmod"] is None or (
                    row["lastmod"] is not None and row["lastmod"] > held["lastmod"]):
                rows[row[slug]] = row
        # add(): rows a request worked out under the new versions meanwhile are as good.
        cache.add(_maxima_key(name), {"rows": [rows[s] for s in sorted(rows)],
                                      "at": kept["at"]}, timeout=REMEMBERED_SECONDS)


class TagSitemap(BaseUrlSitemap):
    """Tag pages that have at least one published story (the others are 404s).

    Each tag's lastmod is a maximum over all its stories, a group-by over every tag row of the
    archive (2 s at 100,000 stories), and Django's index asks for the items twice (their count,
    their latest lastmod): the rows are remembered under the ``tags`` version, which every
    publication, unpublication and move changes, as it does the tag pages' (a publication
    carries them over: ``invalidate_for_publication``).
    """

    def items(self):
        return _maxima("tags")

    def location(self, item) -> str:
        return reverse("news:tag", args=[item["tag__slug"]])

    def lastmod(self, item):
        return item["lastmod"]


class AuthorSitemap(BaseUrlSitemap):
    """Author pages of people with at least one published story (remembered as the tags' are,
    under the ``authors`` version; an author renamed changes the global one)."""

    def items(self):
        return _maxima("authors")

    def location(self, item) -> str:
        return reverse("news:author", args=[item["author__slug"]])

    def lastmod(self, item):
        return item["lastmod"]


class NewsSitemap(BaseUrlSitemap):
    """Google News: stories first published in the last 48 hours, at most 1,000."""

    limit = NEWS_SITEMAP_LIMIT

    def items(self):
        return selectors.articles_since(NEWS_SITEMAP_HOURS, NEWS_SITEMAP_LIMIT)

    def location(self, article) -> str:
        parts = article.get_url_parts(self.request)
        return parts[2] if parts else article.url_path

    def lastmod(self, article):
        return article.modified_at


SITEMAPS = {"pages": PageSitemap, "tags": TagSitemap, "authors": AuthorSitemap}


def sitemap_index(request: HttpRequest) -> HttpResponse:
    page_cache_tag(request, CACHE_TAG)
    response = sitemap_views.index(
        request,
        {name: cls(request) for name, cls in SITEMAPS.items()},
        sitemap_url_name="news:sitemap_section",
    )
    # Django names the sections on the requested host; point them at the public address.
    request_root = f"{request.scheme}://{request.get_host()}"
    for item in response.context_data["sitemaps"]:
        if item.location.startswith(request_root):
            item.location = seo.absolute_url(item.location[len(request_root):])
    return response


def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SITEMAPS:
        raise Http404("No such sitemap.")
    page_cache_tag(request, CACHE_TAG)
    return sitemap_views.sitemap(request, {section: SITEMAPS[section](request)}, section=section,
                                 template_name=SITEMAP_TEMPLATE)


def news_sitemap(request: HttpRequest) -> HttpResponse:
    page_cache_tag(request, CACHE_TAG)
    return sitemap_views.sitemap(
        request, {"news": NewsSitemap(request)}, template_name="news/news_sitemap.xml"
    )


def robots_txt(request: HttpRequest) -> HttpResponse:
    page_cache_tag(request, "robots")
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        "Disallow: /search/",
        "",
        f"Sitemap: {seo.absolute_url(reverse('news:sitemap'))}",
        f"Sitemap: {seo.absolute_url(reverse('news:news_sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")

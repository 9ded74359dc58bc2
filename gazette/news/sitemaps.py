"""sitemap.xml (an index of pages, tags and authors), the Google News sitemap and robots.txt.

Built on ``django.contrib.sitemaps`` and ``wagtail.contrib.sitemaps``; every URL is made
against ``GAZETTE_BASE_URL`` so the sitemaps agree with the canonical links of the pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.cache import cache
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Case, Max, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from wagtail.models import Site

from . import selectors, seo
from .cache import GLOBAL_TAG, page_cache_tag, tags_version
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


def _live_article_ids():
    return selectors.live_articles().values("pk")


class TagSitemap(BaseUrlSitemap):
    """Tag pages that have at least one published story (the others are 404s).

    Each tag's lastmod is a maximum over all its stories, a group-by over every tag row of the
    archive (2 s at 100,000 stories), and Django's index asks for the items twice (their count,
    their latest lastmod): the rows are remembered under the ``tags`` version, which every
    publication, unpublication and move changes, as it does the tag pages'.
    """

    def items(self):
        return _remembered("tags", ("tags",), lambda: list(
            ArticleTag.objects.filter(content_object__in=_live_article_ids())
            .values("tag__slug")
            .annotate(lastmod=Max("content_object__last_published_at"))
            .order_by("tag__slug")
        ))

    def location(self, item) -> str:
        return reverse("news:tag", args=[item["tag__slug"]])

    def lastmod(self, item):
        return item["lastmod"]


class AuthorSitemap(BaseUrlSitemap):
    """Author pages of people with at least one published story (remembered as the tags' are,
    under the ``authors`` version; an author renamed changes the global one)."""

    def items(self):
        return _remembered("authors", ("authors",), lambda: list(
            ArticleAuthor.objects.filter(page__in=_live_article_ids())
            .values("author__slug")
            .annotate(lastmod=Max("page__last_published_at"))
            .order_by("author__slug")
        ))

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

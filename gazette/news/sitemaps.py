"""sitemap.xml (an index of pages, tags and authors), the Google News sitemap and robots.txt.

Built on ``django.contrib.sitemaps`` and ``wagtail.contrib.sitemaps``; every URL is made
against ``GAZETTE_BASE_URL`` so the sitemaps agree with the canonical links of the pages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from wagtail.models import Site

from . import selectors, seo
from .cache import page_cache_tag
from .models import ArticleAuthor, ArticlePage, ArticleTag

NEWS_SITEMAP_HOURS = 48
NEWS_SITEMAP_LIMIT = 1000
# Publishing any story refreshes the front page's tag, and so the sitemaps.
CACHE_TAG = "home"


class BaseUrlSitemap(DjangoSitemap):
    """Locations on GAZETTE_BASE_URL rather than on whatever host the request came to."""

    def __init__(self, request: HttpRequest | None = None):
        self.request = request

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(seo.get_base_url()).scheme or "https"

    def get_domain(self, site=None) -> str:
        parts = urlsplit(seo.get_base_url())
        return parts.netloc + parts.path


def _page_lastmod(page):
    if isinstance(page, ArticlePage):
        return page.modified_at
    return page.last_published_at or page.latest_revision_created_at


class PageSitemap(BaseUrlSitemap):
    """Every live, public page of the site (front page, sections, stories).

    A Django sitemap, not Wagtail's: Wagtail's builds locations on the Site's host by
    overriding Django's private ``_urls``, and undoing that meant overriding it back.
    """

    def items(self):
        # The pages Wagtail's sitemap lists.
        site = Site.find_for_request(self.request) if self.request is not None else None
        if site is None:
            site = Site.objects.select_related("root_page").get(is_default_site=True)
        return (site.root_page.get_descendants(inclusive=True).live().public()
                .order_by("path").defer_streamfields().specific())

    def location(self, page) -> str:
        parts = page.get_url_parts(self.request)
        return parts[2] if parts else page.url_path

    def lastmod(self, page):
        return _page_lastmod(page)

    def get_latest_lastmod(self):
        pages = self.items().aggregate(latest=Max("last_published_at"))["latest"]
        updated = selectors.live_articles().aggregate(latest=Max("updated_at"))["latest"]
        return max((d for d in (pages, updated) if d is not None), default=None)


def _live_article_ids():
    return selectors.live_articles().values("pk")


class TagSitemap(BaseUrlSitemap):
    """Tag pages that have at least one published story (the others are 404s)."""

    def items(self):
        return (
            ArticleTag.objects.filter(content_object__in=_live_article_ids())
            .values("tag__slug")
            .annotate(lastmod=Max("content_object__last_published_at"))
            .order_by("tag__slug")
        )

    def location(self, item) -> str:
        return reverse("news:tag", args=[item["tag__slug"]])

    def lastmod(self, item):
        return item["lastmod"]


class AuthorSitemap(BaseUrlSitemap):
    """Author pages of people with at least one published story."""

    def items(self):
        return (
            ArticleAuthor.objects.filter(page__in=_live_article_ids())
            .values("author__slug")
            .annotate(lastmod=Max("page__last_published_at"))
            .order_by("author__slug")
        )

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
    return sitemap_views.sitemap(request, {section: SITEMAPS[section](request)}, section=section)


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

"""The questions asked of the publication, shared by HTML views, feeds and (later) the JSON API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from wagtail.models import Page as WagtailPage

from .models import ArticleAuthor, ArticlePage, ArticleTag
from .routing import public_only
from .search_backend import clean_query

PAGE_SIZE = 12


def live_articles() -> QuerySet[ArticlePage]:
    """Published stories, newest first, with what a story card needs fetched in bulk."""
    return (
        public_only(ArticlePage.objects.live())
        .select_related("lead_image", "agency")
        .prefetch_related(
            # Story cards show a rendition of the lead image: one query for all of them.
            "lead_image__renditions",
            Prefetch(
                "article_authors",
                queryset=ArticleAuthor.objects.select_related("author").order_by("sort_order"),
            )
        )
        .order_by("-first_published_at", "-pk")
    )


class ArchivePaginator(Paginator):
    """Django's paginator, but a page past the middle of an ordered queryset is read from the
    other end (the last page of a section of 20,000 stories skips 8 rows instead of 19,990:
    an OFFSET is a walk over every row it skips), and a page's ids are found before its rows.
    The same rows, in the same order."""

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if not isinstance(rows, QuerySet) or not rows.ordered or rows.query.is_sliced:
            return super().page(number)
        # The page's ids first, then its rows: the database sorts and skips narrow rows (the
        # keys) instead of whole stories, bodies and all.
        if bottom > self.count // 2:
            ids = list(rows.reverse().values_list("pk", flat=True)[
                self.count - top:self.count - bottom])
            ids.reverse()
        else:
            ids = list(rows.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.filter(pk__in=ids)}
        return Page([found[pk] for pk in ids if pk in found], number, self)


def paginate(request: HttpRequest, queryset, per_page: int = PAGE_SIZE) -> Page:
    paginator = ArchivePaginator(queryset, per_page)
    try:
        return paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


BREAKING_HOURS = 24


def breaking_articles(hours: int = BREAKING_HOURS) -> QuerySet[ArticlePage]:
    since = timezone.now() - timedelta(hours=hours)
    return live_articles().filter(breaking=True, first_published_at__gte=since)


def more_from_section_ids(
    section: WagtailPage, *, exclude: int, version: str, count: int = 4
) -> list[int]:
    """Which stories "More from the section" shows: the newest of the section but ``exclude``.

    The newest ``count + 1`` are kept per version of the section, so every story in the section
    shares one cached answer (and one cached fragment of cards) until the section changes.
    """
    def newest() -> list[int]:
        # Newest first without the pk tie-break: SQLite then walks the first_published_at
        # index and stops early instead of scanning every page of the section and sorting.
        return list(
            public_only(ArticlePage.objects.live()).child_of(section)
            .order_by("-first_published_at").values_list("pk", flat=True)[: count + 1]
        )

    ids = cache.get_or_set(f"section-newest:{section.pk}:{count}:{version}", newest,
                           timeout=settings.GAZETTE_PAGE_CACHE_SECONDS)
    return [pk for pk in ids if pk != exclude][:count]


def articles_in_order(ids: list[int]) -> list[ArticlePage]:
    found = {article.pk: article for article in live_articles().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def with_credits(article: ArticlePage) -> ArticlePage:
    """Fetch the authors and tags of one story in two queries, for every later use of them.

    The article page, its byline and its head (Open Graph, JSON-LD) read ``authors`` and the
    tags several times each; without this every read is one query per link.
    """
    if article.pk:
        prefetch_related_objects(
            [article],
            Prefetch(
                "article_authors",
                queryset=ArticleAuthor.objects.select_related("author").order_by("sort_order"),
            ),
            Prefetch("tagged_items", queryset=ArticleTag.objects.select_related("tag")),
        )
    return article


def section_articles(section: WagtailPage) -> QuerySet[ArticlePage]:
    """A section's stories, newest first. The range of the section's tree paths beside
    ``child_of`` (whose LIKE SQLite cannot look up in an index): the path index finds them
    instead of a scan of every page of the site."""
    last = section.path + section.alphabet[-1] * section.steplen
    return live_articles().child_of(section).filter(path__range=(section.path, last))


def articles_tagged(slug: str) -> QuerySet[ArticlePage]:
    # The ids in a sub-query rather than a join made DISTINCT: SQLite then walks the stories
    # newest first and stops at the page's last, where it sorted every story with the tag.
    tagged = ArticleTag.objects.filter(tag__slug=slug).values("content_object_id")
    return live_articles().filter(pk__in=tagged)


def articles_by_author(author_id: int) -> QuerySet[ArticlePage]:
    return live_articles().filter(article_authors__author_id=author_id).distinct()


def articles_since(hours: int, limit: int) -> list[ArticlePage]:
    since = timezone.now() - timedelta(hours=hours)
    return list(live_articles().filter(first_published_at__gte=since)[:limit])


SEARCH_ORDERS = ("newest", "relevance")


def search_articles(query: str, *, order: str = "newest"):
    """Full-text search over published stories (SQLite FTS5 or PostgreSQL full text), newest
    first (what readers of news look for) or most relevant first (ranked on SQLite by
    gazette.news.search_backend).

    Quotes, NUL and full-text operators in ``query`` are text (see ``clean_query``)."""
    query = clean_query(query)
    if not query:
        return ArticlePage.objects.none()
    if order == "relevance":
        return live_articles().search(query, operator="and")
    return live_articles().order_by("-first_published_at").search(
        query, operator="and", order_by_relevance=False
    )


def cache_tags_for(article: ArticlePage) -> set[str]:
    """The page-cache tags of every page that shows ``article``."""
    tags = {f"page:{article.pk}", "home", "tags", "authors", "feeds"}
    parent_id = article.get_parent().pk if article.depth > 1 else None
    if parent_id:
        tags.add(f"section:{parent_id}")
    return tags

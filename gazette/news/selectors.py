"""The questions asked of the publication, shared by HTML views, feeds and (later) the JSON API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from wagtail.models import Page as WagtailPage

from .cache import GLOBAL_TAG, tags_version
from .models import ArticleAuthor, ArticlePage, ArticleTag
from .routing import any_view_restrictions, public_only
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
    The same rows, in the same order.

    ``keys``, when given, is what the ids are read from: an ordered queryset of the same
    objects' ids (a ``Listing``'s, ordered on the page table alone so that SQLite can walk an
    index), ``object_list`` then only the rows of those ids. ``count``, when given, is the
    number of objects (remembered), not asked of the database."""

    def __init__(self, object_list: Any, per_page: int, orphans: int = 0, *,
                 keys: QuerySet | None = None, count: int | None = None) -> None:
        super().__init__(object_list, per_page, orphans)
        self.keys = keys
        self.known_count = count

    @property
    def count(self) -> int:
        if self.known_count is None:
            self.known_count = super().count
        return self.known_count

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        keys = self.keys if self.keys is not None else rows
        if not isinstance(keys, QuerySet) or not keys.ordered or keys.query.is_sliced:
            return super().page(number)
        # The page's ids first, then its rows: the database sorts and skips narrow rows (the
        # keys) instead of whole stories, bodies and all.
        if bottom > self.count // 2:
            ids = list(keys.reverse().values_list("pk", flat=True)[
                self.count - top:self.count - bottom])
            ids.reverse()
        else:
            ids = list(keys.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.filter(pk__in=ids)}
        return Page([found[pk] for pk in ids if pk in found], number, self)


def paginate(request: HttpRequest, queryset, per_page: int = PAGE_SIZE, *,
             keys: QuerySet | None = None, count: int | None = None) -> Page:
    paginator = ArchivePaginator(queryset, per_page, keys=keys, count=count)
    try:
        return paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


# --- Listings that stay flat as the archive grows (sections, tags, their feeds) -----------------

# A listing of at most this many stories is sorted whole (its matches found by an index: a
# section's path range, a tag's rows); a longer one is read by walking the stories newest first
# (the first_published_at index) and stopping at the page, since sorting every match grows with
# the archive. Sorting 2,000 keys costs about what walking to page 1 of a tag on one story in 50
# does on 100,000 stories.
SORT_AT_MOST = 2000
# How long a listing's remembered count is kept; it is keyed by the versions of the page-cache
# tags every change to it refreshes, so this only bounds the storage.
COUNT_SECONDS = 24 * 3600


@dataclass
class Listing:
    """The live, public stories of a section, a tag or the site, newest first.

    ``keys``: their ids, ordered by first publication then id on the page table itself (an
    order the first_published_at index holds, so SQLite walks it and stops at the page; with
    the tie-break on the article table's copy of the id it sorted every match). ``rows``: the
    stories with what a card needs, to fetch a page of ids. ``count``: how many there are,
    remembered per version of ``version_tags`` (and the global tag): the page cache's tags of
    the pages that list them, refreshed by every publication, unpublication and move."""

    keys: QuerySet
    rows: QuerySet
    count: int | None = None

    def paginate(self, request: HttpRequest, per_page: int | None = None) -> Page:
        return paginate(request, self.rows, per_page or PAGE_SIZE, keys=self.keys,
                        count=self.count)

    def newest(self, limit: int, rows: QuerySet | None = None) -> list[Any]:
        """The newest ``limit`` stories, from ``rows`` (default: ``self.rows``)."""
        ids = list(self.keys.values_list("pk", flat=True)[:limit])
        found = {row.pk: row for row in (rows if rows is not None else self.rows)
                 .filter(pk__in=ids)}
        return [found[pk] for pk in ids if pk in found]


def _story_keys(*, walked: bool = False) -> QuerySet:
    """Live, public pages that are stories (an article or a subtype), newest first.

    ``walked``: ordered on first_published_at alone, which SQLite reads from its index and
    stops at the page (asked to break ties on the id as well, it sorted every match at 100,000
    stories, though the index holds that order too: SQLite keeps an index's entries with equal
    values in rowid order, so a walk meets stories published at the same instant highest id
    first going down, lowest first going up, as ``-id`` and ``id`` would order them). Otherwise
    the tie-break is explicit, for the listings the database sorts."""
    keys = public_only(WagtailPage.objects.live()).filter(articlepage__isnull=False)
    return keys.order_by("-first_published_at") if walked else keys.order_by(
        "-first_published_at", "-id")


def remembered_count(name: str, version_tags: tuple[str, ...], count: Any) -> int:
    """``count()``, worked out once per version of ``version_tags`` and the global tag."""
    version = tags_version(GLOBAL_TAG, *version_tags)
    return cast(int, cache.get_or_set(f"listing-count:{name}:{version}", count,
                                      timeout=COUNT_SECONDS))


def section_listing(section: WagtailPage) -> Listing:
    """A section's stories (``section_articles``), walked newest first when there are many."""
    in_range = _section_range(_story_keys().child_of(section), section)
    count = remembered_count(f"section:{section.pk}", (f"section:{section.pk}",),
                             in_range.count)
    # Without the range SQLite cannot find the section's pages by an index (child_of is a LIKE
    # it does not look up), so it walks first_published_at and stops at the page.
    keys = _story_keys(walked=True).child_of(section) if count > SORT_AT_MOST else in_range
    return Listing(keys=keys, rows=live_articles(), count=count)


def tag_listing(tag_id: int, slug: str | None = None) -> Listing:
    """The stories tagged ``tag_id`` (``articles_tagged``), walked newest first when many."""
    tagged = ArticleTag.objects.filter(tag_id=tag_id)
    count = remembered_count(f"tag:{tag_id}", ("tags",), _story_keys().filter(
        pk__in=tagged.values("content_object_id")).count)
    if count > SORT_AT_MOST:
        # Each story checked for the tag by its own tag rows (an index lookup) as the walk
        # reaches it; an IN list would first gather every tagged story.
        keys = _story_keys(walked=True).filter(
            Exists(tagged.filter(content_object_id=OuterRef("pk"))))
    else:
        keys = _story_keys().filter(pk__in=tagged.values("content_object_id"))
    return Listing(keys=keys, rows=live_articles(), count=count)


def site_listing() -> Listing:
    """Every live, public story (the site's feeds)."""
    # Not counted: the site's feeds take the newest (a paginator would count if asked).
    return Listing(keys=_story_keys(walked=True), rows=live_articles())


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


def _section_range(pages: QuerySet, section: WagtailPage) -> QuerySet:
    """``pages`` within the range of the section's tree paths, beside ``child_of`` (whose LIKE
    SQLite cannot look up in an index): the path index finds them instead of a scan of every
    page of the site."""
    last = section.path + section.alphabet[-1] * section.steplen
    return pages.filter(path__range=(section.path, last))


def section_articles(section: WagtailPage) -> QuerySet[ArticlePage]:
    """A section's stories, newest first."""
    return _section_range(live_articles().child_of(section), section)


def articles_tagged(slug: str) -> QuerySet[ArticlePage]:
    # The ids in a sub-query rather than a join made DISTINCT: SQLite then walks the stories
    # newest first and stops at the page's last, where it sorted every story with the tag.
    tagged = ArticleTag.objects.filter(tag__slug=slug).values("content_object_id")
    return live_articles().filter(pk__in=tagged)


def articles_by_author(author_id: int) -> QuerySet[ArticlePage]:
    return live_articles().filter(article_authors__author_id=author_id).distinct()


def articles_since(hours: int, limit: int) -> list[ArticlePage]:
    since = timezone.now() - timedelta(hours=hours)
    # Their corrections in one query: a story's lastmod (modified_at) counts them.
    return list(live_articles().filter(first_published_at__gte=since)
                .prefetch_related("corrections")[:limit])


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


# Search for a common word: how many results are counted and listed at most. Past it the page
# says "more than 1,000 results", and lists (newest first) or ranks (most relevant first) only
# the newest 1,000 matches, read newest first from the search index kept in publication order
# (gazette.news.search_order), which stops after about 1,000 matches however large the archive.
# Without that index, the stories are walked newest first and those that match kept, which
# stops after about 1,000 / (the share of stories that match) stories. A word in fewer stories
# has them all sorted (and ranked), as before.
SEARCH_CAP = 1000
SEARCH_WALK_CHUNK = 2000


@dataclass
class SearchOutcome:
    """A page of search results; ``count`` is exact unless ``more`` (then at least ``count``)."""

    page: Page
    count: int
    more: bool = False


def search(request: HttpRequest, query: str, *, order: str = "newest") -> SearchOutcome:
    """A page of ``search_articles(query, order)``, counted and ordered within ``SEARCH_CAP``
    (see there) where the search backend can give every match in one pass (SQLite), as Wagtail
    orders and counts them everywhere else."""
    results = search_articles(query, order=order)
    compiler = getattr(results, "query_compiler", None)
    ids: list[int] | None = None
    if hasattr(compiler, "matching_entries") and not any_view_restrictions():
        config = compiler.get_config(results.backend)
        ranked = order == "relevance"
        scorable = not ranked or compiler.ranks_by_bm25()
        newest = compiler.newest_published(config, SEARCH_CAP, ranked=ranked) if scorable else None
        entries = (compiler.matching_entry_ids(config) if scorable and newest is None
                   else None)
        if newest is not None:
            # Read in publication order: the newest SEARCH_CAP, scored as they are read.
            ids, more = newest.ids, newest.more
            if ranked:
                chosen = [newest.entries[pk] for pk in ids]
                scores = compiler.boosted_scores(newest.bm25, chosen)
                ids.sort(key=lambda pk: (scores[newest.entries[pk]], -pk))
        elif entries is not None:
            ids, entry_of, more = _newest_matching(entries, compiler)
            if ranked:
                # Only the stories listed are scored (the newest SEARCH_CAP of a common word).
                chosen = [entry_of[pk] for pk in ids]
                scores = compiler.boosted_scores(compiler.bm25_of(config, chosen), chosen)
                # Best (lowest) score first; ties as Wagtail breaks them, newest pk first.
                ids.sort(key=lambda pk: (scores[entry_of[pk]], -pk))
        elif ranked and (scores := compiler.matching_scores(config)) is not None:
            # A query whose score is not one BM25 (none that the search box sends).
            ids, _, more = _newest_matching(set(scores), compiler, of_entries=False)
            ids.sort(key=lambda pk: (scores[pk], -pk))
    if ids is None:
        page = paginate(request, results)
        return SearchOutcome(page=page, count=page.paginator.count)
    paginator = Paginator(ids, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page", 1))
    return SearchOutcome(page=Page(articles_in_order(list(page.object_list)), page.number,
                                   paginator), count=len(ids), more=more)


def _newest_matching(matches: set[int], compiler: Any, *, of_entries: bool = True
                     ) -> tuple[list[int], dict[int, int], bool]:
    """The newest ``SEARCH_CAP`` live stories among ``matches``, newest first (their ids), the
    index entry of each (story id: entry id; empty unless ``of_entries``) and whether there are
    more. ``matches`` are the ids of search index entries (the backend's ``entry_ids`` maps
    stories to those), or without ``of_entries`` stories' ids. Called only when no page has
    view restrictions (every live page is public)."""
    entry_of: dict[int, int] = {}
    if len(matches) <= SEARCH_CAP:
        if of_entries:
            entry_of = {story: entry for entry, story in
                        compiler.object_ids(list(matches)).items()}
            stories = list(entry_of)
        else:
            stories = list(matches)
        return list(WagtailPage.objects.live().filter(pk__in=stories)
                    .order_by("-first_published_at", "-id").values_list("pk", flat=True)
                    ), entry_of, False
    # Every page, newest first, from the first_published_at index alone (no page is read: it
    # holds the ids), ties highest id first as in _story_keys(walked=True); the matches met are
    # then checked for being live. The first chunk gives the share of stories that match, and
    # the next is sized to reach the cap with a margin.
    newest = WagtailPage.objects.order_by("-first_published_at").values_list("pk", flat=True)
    found: list[int] = []
    start, size = 0, SEARCH_WALK_CHUNK
    while len(found) <= SEARCH_CAP:
        chunk = list(newest[start:start + size])
        if of_entries:
            entries = compiler.entry_ids(chunk)
            hit = {story: entry for entry, story in entries.items() if entry in matches}
        else:
            hit = {story: story for story in chunk if story in matches}
        matching = [pk for pk in chunk if pk in hit]
        if matching:
            published = _live_among(matching)
            found += [pk for pk in matching if pk in published]
            entry_of.update((pk, hit[pk]) for pk in matching)
        if len(chunk) < size:
            break
        start += size
        share = max(len(found), 1) / start
        size = max(SEARCH_WALK_CHUNK // 4, int((SEARCH_CAP + 1 - len(found)) / share * 1.2))
    return found[:SEARCH_CAP], entry_of, len(found) > SEARCH_CAP


def _live_among(ids: list[int]) -> set[int]:
    """Which of ``ids`` are live pages; the ids as one parameter (SQLite's json_each) where the
    database has it, since Django writes an IN list of a thousand ids slower than it is read."""
    if connection.vendor != "sqlite":
        return set(WagtailPage.objects.live().filter(pk__in=ids).values_list("pk", flat=True))
    table = connection.ops.quote_name(WagtailPage._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE live AND id IN"
                       " (SELECT value FROM json_each(%s))", [json.dumps(ids)])
        return {row[0] for row in cursor.fetchall()}


def cache_tags_for(article: ArticlePage) -> set[str]:
    """The page-cache tags of every page that shows ``article``."""
    tags = {f"page:{article.pk}", "home", "tags", "authors", "feeds"}
    parent_id = article.get_parent().pk if article.depth > 1 else None
    if parent_id:
        tags.add(f"section:{parent_id}")
    return tags

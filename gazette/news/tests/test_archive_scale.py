"""What keeps pages flat as the archive grows: the same answers as the plain ways, cheaper."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test import Client

from gazette.news import selectors
from gazette.news.models import ArticlePage
from gazette.news.testing import hours_ago, make_article, make_section

pytestmark = pytest.mark.django_db


SQLITE_ONLY = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's own plan and search path: PostgreSQL uses Wagtail's backend and planner")


@pytest.fixture
def stories(section):
    other = make_section("Economy")
    made = []
    for n in range(23):
        # Two stories share each publication time: the pk breaks the tie, in both directions.
        made.append(make_article(section if n % 3 else other, title=f"Story {n}",
                                 slug=f"story-{n}", published_at=hours_ago(n // 2 + 1),
                                 tags=["harbour"] if n % 2 else ["harbour", "ferries"]))
    return made


@pytest.mark.parametrize("per_page,orphans", [(5, 0), (4, 2), (12, 0), (1, 0)])
def test_archive_pages_are_the_plain_paginators_pages(stories, per_page, orphans):
    queryset = selectors.live_articles()
    plain, ours = Paginator(queryset, per_page, orphans), selectors.ArchivePaginator(
        queryset, per_page, orphans)
    assert ours.num_pages == plain.num_pages > 1
    for number in plain.page_range:
        theirs, mine = plain.page(number), ours.page(number)
        assert [a.pk for a in mine] == [a.pk for a in theirs], number
        assert (mine.start_index(), mine.end_index()) == (theirs.start_index(),
                                                          theirs.end_index())


def test_a_late_page_is_read_from_the_other_end(stories):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    paginator = selectors.ArchivePaginator(
        ArticlePage.objects.live().order_by("-first_published_at", "-pk"), 5)
    paginator.count  # noqa: B018  (counted first, as the page template does)
    with CaptureQueriesContext(connection) as queries:
        list(paginator.page(paginator.num_pages))
    # The page's ids, read from the other end (ascending, no OFFSET), then its rows by id.
    ids, rows = (query["sql"] for query in queries.captured_queries)
    assert "ORDER BY" in ids and " ASC" in ids and "OFFSET" not in ids
    assert '"news_articlepage"."body"' not in ids
    assert " IN (" in rows and '"news_articlepage"."body"' in rows


def test_tag_pages_list_each_tagged_story_once_newest_first(stories):
    tagged = list(selectors.articles_tagged("harbour"))
    expected = sorted(stories, key=lambda a: (a.first_published_at, a.pk), reverse=True)
    assert [a.pk for a in tagged] == [a.pk for a in expected]
    assert [a.pk for a in selectors.articles_tagged("ferries")] == [
        a.pk for a in expected if a.slug in {f"story-{n}" for n in range(0, 23, 2)}]
    last = Client().get("/tags/harbour/?page=2")
    assert last.status_code == 200
    assert "Page 2 of 2" in last.content.decode()


# --- Listings walked newest first, counts remembered ---------------------------------------------


def _pages_of(url: str) -> tuple[list[list[str]], str]:
    import re

    client, pages, number = Client(), [], 1
    while True:
        html = client.get(f"{url}?page={number}").content.decode()
        pages.append(re.findall(r'<h2[^>]*>\s*<a href="([^"]+)"', html))
        label = re.search(r"Page (\d+) of (\d+)", html)
        if label is None or label.group(1) == label.group(2):
            return pages, label.group(0) if label else ""
        number += 1


@pytest.mark.parametrize("url", ["/world/", "/tags/harbour/", "/tags/ferries/"])
def test_a_walked_listing_shows_the_pages_a_sorted_one_does(stories, url, monkeypatch):
    from gazette.news.cache import page_cache_clear

    monkeypatch.setattr(selectors, "PAGE_SIZE", 5)
    sorted_pages = _pages_of(url)
    assert len(sorted_pages[0]) > 1 and sum(map(len, sorted_pages[0])) > 5
    monkeypatch.setattr(selectors, "SORT_AT_MOST", 0)  # every listing walked
    page_cache_clear()
    assert _pages_of(url) == sorted_pages


@SQLITE_ONLY
def test_walked_listings_walk_the_publication_index(stories, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from taggit.models import Tag

    monkeypatch.setattr(selectors, "SORT_AT_MOST", 0)
    section = stories[1].get_parent()
    tag = Tag.objects.get(slug="harbour")
    for listing in (selectors.section_listing(section), selectors.tag_listing(tag.pk)):
        sql, params = listing.keys.values_list("pk", flat=True)[:12].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(row[-1] for row in cursor.fetchall())
        assert "first_published_at" in plan and "TEMP B-TREE" not in plan, plan
    client = Client()
    assert client.get("/world/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/world/?page=2")  # another page: not in the page cache
    assert "Page 2 of 2" in response.content.decode()
    assert queries.captured_queries
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(")]
    assert not counts, counts  # remembered


def test_a_listings_count_changes_with_a_publication(stories, section,
                                                     django_capture_on_commit_callbacks):
    from taggit.models import Tag

    tag = Tag.objects.get(slug="ferries")
    before = (selectors.section_listing(section).count, selectors.tag_listing(tag.pk).count)
    with django_capture_on_commit_callbacks(execute=True):
        newer = make_article(section, title="Ferry strike", slug="ferry-strike",
                             tags=["ferries"], published_at=hours_ago(0))
    assert (selectors.section_listing(section).count,
            selectors.tag_listing(tag.pk).count) == (before[0] + 1, before[1] + 1)
    with django_capture_on_commit_callbacks(execute=True):
        newer.unpublish()
    assert (selectors.section_listing(section).count,
            selectors.tag_listing(tag.pk).count) == before


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/section/world/rss/",
                                 "/feeds/tag/harbour/rss/"])
def test_feeds_walked_list_the_same_newest_stories(stories, url, monkeypatch):
    import re

    from gazette.news.cache import page_cache_clear

    def links() -> list[str]:
        return re.findall(r"<item><title>[^<]*</title><link>([^<]+)</link>",
                          Client().get(url).content.decode())

    sorted_links = links()
    assert len(sorted_links) > 5
    monkeypatch.setattr(selectors, "SORT_AT_MOST", 0)
    page_cache_clear()
    assert links() == sorted_links


# --- Search: the count capped, the newest matches listed and ranked ------------------------------


@pytest.fixture
def council(section):
    made = [make_article(section, title=f"Council meets on day {n}", slug=f"council-{n}",
                         standfirst="The council met.", published_at=hours_ago(10 + n))
            for n in range(7)]
    # One old story carries a word nothing else does.
    made.append(make_article(section, title="Council archive on the zeppelin mooring",
                             slug="zeppelin", standfirst="From the archive.",
                             published_at=hours_ago(24 * 300)))
    return made


def _results(url: str) -> tuple[list[str], str]:
    import re

    html = Client().get(url).content.decode()
    count = re.search(r"<p>([^<]*results? for[^<]*)</p>", html)
    return re.findall(r'<h2[^>]*>\s*<a href="([^"]+)"', html), count.group(1) if count else ""


@SQLITE_ONLY
def test_a_common_words_count_is_capped_and_the_newest_are_listed(council, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_CAP", 3)
    monkeypatch.setattr(selectors, "SEARCH_WALK_CHUNK", 2)
    found, count = _results("/search/?q=council")
    assert count == "More than 3 results for “council”: the newest 3 are listed."
    assert found == [a.url for a in council[:3]]
    ranked, count = _results("/search/?q=council&sort=relevance")
    assert count == "More than 3 results for “council”: the newest 3 are ranked."
    assert sorted(ranked) == sorted(a.url for a in council[:3])


def _wagtails_ranking(query: str) -> list[int]:
    return [a.pk for a in selectors.search_articles(query, order="relevance")]


@pytest.mark.parametrize("query", ["council", "council met", "zeppelin mooring", "archive"])
def test_below_the_cap_every_match_is_counted_and_ranked_as_wagtail_ranks(council, query,
                                                                          monkeypatch):
    from django.test import RequestFactory

    monkeypatch.setattr(selectors, "SEARCH_CAP", 8)
    request = RequestFactory().get("/search/", {"q": query})
    newest = selectors.search(request, query)
    expected = [a.pk for a in selectors.search_articles(query)]
    assert [a.pk for a in newest.page] == expected and newest.count == len(expected)
    assert not newest.more
    ranked = selectors.search(request, query, order="relevance")
    assert [a.pk for a in ranked.page] == _wagtails_ranking(query)


@SQLITE_ONLY
def test_past_the_cap_the_newest_are_ranked_as_wagtail_ranks_them(council, monkeypatch):
    from django.test import RequestFactory

    monkeypatch.setattr(selectors, "SEARCH_CAP", 5)
    monkeypatch.setattr(selectors, "SEARCH_WALK_CHUNK", 2)
    ranked = selectors.search(RequestFactory().get("/search/"), "council", order="relevance")
    newest_five = {a.pk for a in council[:5]}
    assert ranked.more and ranked.count == 5
    assert [a.pk for a in ranked.page] == [
        pk for pk in _wagtails_ranking("council") if pk in newest_five]


@SQLITE_ONLY
def test_the_matches_read_at_once_and_the_chosen_scored_are_as_wagtails(council):
    results = selectors.search_articles("council", order="relevance")
    compiler = results.query_compiler
    config = compiler.get_config(results.backend)
    every = compiler.matching_entries(config, ranked=True)
    chosen = sorted(every)[1::2]
    assert compiler.ranks_by_bm25() and len(every) == 8
    assert compiler.bm25_of(config, chosen) == {entry: every[entry] for entry in chosen}
    assert compiler.matching_entry_ids(config) == set(every)
    nothing = selectors.search_articles("zyzzyva").query_compiler
    assert nothing.matching_entry_ids(config) == set()


def test_a_rare_word_is_found_anywhere_in_the_archive(council, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_CAP", 3)
    monkeypatch.setattr(selectors, "SEARCH_WALK_CHUNK", 2)
    for query in ("zeppelin", "zeppelin council"):
        found, count = _results(f"/search/?q={query.replace(' ', '+')}")
        assert (found, count) == ([council[-1].url], f"1 result for “{query}”."), query

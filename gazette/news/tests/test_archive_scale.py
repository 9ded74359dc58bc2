"""What keeps pages flat as the archive grows: the same answers as the plain ways, cheaper."""

import pytest
from django.core.paginator import Paginator
from django.test import Client

from gazette.news import selectors
from gazette.news.models import ArticlePage
from gazette.news.testing import hours_ago, make_article, make_section

pytestmark = pytest.mark.django_db


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

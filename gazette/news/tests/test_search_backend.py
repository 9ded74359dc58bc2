"""Relevance ranking on SQLite: Wagtail's order, computed in one pass."""

import inspect

import pytest
from django.db import connection
from wagtail.search.backends import get_search_backend

from gazette.news import selectors
from gazette.news.testing import hours_ago, make_article, make_section

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's ranking only")


def sqlite_backends():
    # Imported here: these modules load SQLite-only models, absent on PostgreSQL.
    from modelsearch.backends.database.sqlite.sqlite import SQLiteSearchBackend

    from gazette.news.search_sqlite import RankedSQLiteSearchBackend

    return SQLiteSearchBackend, RankedSQLiteSearchBackend

QUERIES = ["harbour", "harbour barrier", "ferry", "council vote", "nothing-matches-this"]


@pytest.fixture
def newsroom(section):
    economy = make_section("Economy")
    texts = [
        ("Harbour barrier vote", "The harbour barrier passed the council vote."),
        ("Harbour news", "A short note about the harbour."),
        ("Ferry timetable", "Ferries avoid the harbour barrier works; the council agrees."),
        ("Council vote on ferries", "The vote on the ferry contract."),
        ("Bakery prices", "Flour costs doubled since the harbour strike."),
        ("Harbour, harbour, harbour", "Everything about the harbour and its barrier."),
    ]
    stories = []
    for n, (title, standfirst) in enumerate(texts * 2):
        stories.append(make_article(section if n % 2 else economy, title=f"{title} {n}",
                                    standfirst=standfirst, slug=f"story-{n}",
                                    published_at=hours_ago(n)))
    stories[-1].unpublish()  # never found, whatever its score
    return stories


@sqlite_only
def test_the_private_rank_expression_search_sqlite_reuses_is_still_there():
    """search_sqlite scores every hit in one pass with modelsearch's own BM25 expression,
    SQLiteSearchQueryCompiler._build_rank_expression (private; kept: 10 ms instead of 210 for
    the first page of 771 hits by relevance). A modelsearch upgrade that renames it, changes
    its arguments or stops scoring with it fails here; one that changes the score fails
    test_same_order_as_wagtail_in_a_fraction_of_the_queries."""
    from modelsearch.backends.database.sqlite.sqlite import SQLiteSearchQueryCompiler

    method = getattr(SQLiteSearchQueryCompiler, "_build_rank_expression", None)
    assert method is not None, "modelsearch dropped _build_rank_expression: see search_sqlite"
    assert list(inspect.signature(method).parameters) == ["self", "vectors", "config"]
    stock_search = inspect.getsource(SQLiteSearchQueryCompiler.search)
    assert "self._build_rank_expression(" in stock_search
    assert "self.get_search_vectors()" in stock_search


@sqlite_only
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("operator", ["and", "or"])
def test_same_order_as_wagtail_in_a_fraction_of_the_queries(newsroom, query, operator):
    stock, ranked = sqlite_backends()
    ours = get_search_backend()
    assert isinstance(ours, ranked)
    wagtails = stock({})
    articles = selectors.live_articles()
    expected = [a.pk for a in wagtails.search(query, articles, operator=operator)]
    results = ours.search(query, articles, operator=operator)
    assert [a.pk for a in results] == expected
    assert results.count() == len(expected)
    assert newsroom[-1].pk not in expected
    # A page of results is the same slice of the same order.
    assert [a.pk for a in ours.search(query, articles, operator=operator)[2:5]] == expected[2:5]


def test_search_page_in_relevance_order_uses_the_ranked_backend(newsroom, client):
    html = client.get("/search/", {"q": "harbour", "sort": "relevance"}).content.decode()
    expected = [a.title for a in selectors.search_articles("harbour", order="relevance")]
    positions = [html.index(title) for title in expected[:12]]
    assert positions == sorted(positions)
    if connection.vendor == "sqlite":
        assert isinstance(get_search_backend(), sqlite_backends()[1])
    else:
        assert type(get_search_backend()).__name__ == "PostgresSearchBackend"


@sqlite_only
def test_a_listing_longer_than_a_page_falls_back_to_wagtails_query(newsroom, monkeypatch):
    from gazette.news import search_sqlite

    articles = selectors.live_articles()
    expected = [a.pk for a in sqlite_backends()[0]({}).search("harbour", articles)]
    monkeypatch.setattr(search_sqlite, "MAX_IDS", 2)
    ours = get_search_backend()
    assert [a.pk for a in ours.search("harbour", articles)] == expected
    assert [a.pk for a in ours.search("harbour", articles)[1:3]] == expected[1:3]

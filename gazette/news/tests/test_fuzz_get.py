"""Whatever a reader's browser (or a scanner) sends in a public URL, the site answers below 500.

Every public GET parameter and every free-text part of a reader URL is fuzzed with hypothesis
against a small newsroom: search, pagination of sections, tags and authors, tag and author
paths, feed paths, sitemaps, the query string of a story, and the media and document paths
readers' browsers fetch. The values mix arbitrary text, bytes that are not UTF-8, NUL, quotes,
full-text operators and numbers too large for any integer column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import BytesIO
from urllib.parse import quote, quote_from_bytes

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gazette.news.models import ArticlePage
from gazette.news.testing import make_article, make_author, make_section

pytestmark = pytest.mark.django_db

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                               "QUEUES": ["default", "alerts"]}}

SPECIALS = [
    '"', 'a"b', '""', "'", "\\", "\x00", "a\x00b", "%", "%%", "%00", "NOT", "a OR b", "a AND",
    "NEAR(a b)", "NEAR", "*", "a*", "^a", "a:b", "title:harbour", "(", ")", "-a", "+a", "{a}",
    "[", "harbour", "Harbour barrier", "0", "-1", "1", "2", "-0", "+1", " 1 ", "1.5", "1e400",
    "nan", "inf", "-inf", "0x10", "１２", "٣", "99999999999999999999",
    "-99999999999999999999", str(2**63), str(-(2**63) - 1), "newest", "relevance", "../..",
    "/", "//", "\u202e", "\ufeff", "\U0001f4f0", "é", "<script>", "x" * 5000,
]

# Each value is already percent-encoded, so it can stand in a path or a query string as is.
encoded = st.one_of(
    st.text(max_size=60).map(lambda s: quote(s, safe="")),
    st.sampled_from(SPECIALS).map(lambda s: quote(s, safe="")),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    # Bytes that are not UTF-8 at all.
    st.binary(min_size=1, max_size=24).map(lambda b: quote_from_bytes(b, safe="")),
    # Unencoded text where it stays one URL component.
    st.text(st.characters(codec="ascii", exclude_characters="?#%&=+ /"), max_size=20),
)

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

ARTICLE = "/world/harbour-council-approves-new-tidal-barrier/"

# Each public URL with one place for the fuzzed value.
TARGETS: dict[str, Callable[[str], str]] = {
    "search q": lambda v: f"/search/?q={v}",
    "search q, relevance": lambda v: f"/search/?q={v}&sort=relevance",
    "search page": lambda v: f"/search/?q=harbour&page={v}",
    "search sort": lambda v: f"/search/?q=harbour&sort={v}&page=2",
    "section page": lambda v: f"/world/?page={v}",
    "tag page": lambda v: f"/tags/harbour/?page={v}",
    "author page": lambda v: f"/authors/mara-quill/?page={v}",
    "tag path": lambda v: f"/tags/{v}/",
    "author path": lambda v: f"/authors/{v}/",
    "feed path": lambda v: f"/feeds/{v}",
    "feed format": lambda v: f"/feeds/{v}/",
    "section feed": lambda v: f"/feeds/section/{v}/rss/",
    "tag feed": lambda v: f"/feeds/tag/{v}/atom/",
    "feed query": lambda v: f"/feeds/json/?page={v}&{v}={v}",
    "sitemap p": lambda v: f"/sitemap.xml?p={v}",
    "section sitemap": lambda v: f"/sitemap-{v}.xml",
    "section sitemap p": lambda v: f"/sitemap-pages.xml?p={v}",
    "news sitemap p": lambda v: f"/news-sitemap.xml?p={v}&page={v}",
    "article query": lambda v: f"{ARTICLE}?{v}={v}&page={v}",
    "article path": lambda v: f"/world/{v}/",
    "page path": lambda v: f"/{v}/",
    "front page query": lambda v: f"/?page={v}&q={v}",
    "media path": lambda v: f"/media/{v}",
    "document path": lambda v: f"/documents/1/{v}",
}


@pytest.fixture(scope="module")
def _stories(django_db_setup, django_db_blocker) -> Iterator[list[ArticlePage]]:
    # Built once for the module (the tests only read) and rolled back after its last test.
    # Tasks (the search index among them) run inline, as in every other test.
    with (django_db_blocker.unblock(), transaction.atomic(),
          override_settings(TASKS=IMMEDIATE_TASKS)):
        section = make_section("World")
        author = make_author()
        stories = [make_article(section, authors=[author], tags=["Harbour", "Climate"])]
        # Enough stories for a second page of search results, of the section and of the tag.
        stories += [make_article(section, title=f"Harbour story {n}", slug=f"harbour-{n}",
                                 tags=["Harbour"], authors=[author]) for n in range(13)]
        yield stories
        transaction.set_rollback(True)


@pytest.fixture
def newsroom(_stories, db) -> list[ArticlePage]:
    return _stories


def _check(client, url: str) -> None:
    # An exception escaping a view is a 500: the client raises it here with its traceback.
    client.raise_request_exception = True
    response = client.get(url)
    assert response.status_code < 500, (url, response.status_code)


def test_the_targets_reach_real_pages(newsroom, client):
    """The fuzzed URLs are answered by the pages they aim at, not only by 404s."""
    found = client.get(TARGETS["search q"]("harbour"))
    assert found.status_code == 200
    assert b"Harbour story 12" in found.content  # the stories are in the search index
    second = client.get(TARGETS["search page"]("2"))
    assert second.status_code == 200
    assert b"Page 2 of 2" in second.content
    assert client.get(TARGETS["section page"]("2")).status_code == 200
    assert client.get(TARGETS["tag page"]("2")).status_code == 200
    assert client.get(TARGETS["author page"]("2")).status_code == 200
    assert client.get(TARGETS["tag path"]("harbour")).status_code == 200
    assert client.get(TARGETS["author path"]("mara-quill")).status_code == 200
    assert client.get(TARGETS["feed format"]("rss")).status_code == 200
    assert client.get(TARGETS["section feed"]("world")).status_code == 200
    assert client.get(TARGETS["tag feed"]("harbour")).status_code == 200
    assert client.get(TARGETS["sitemap p"]("1")).status_code == 200
    assert client.get(TARGETS["section sitemap"]("pages")).status_code == 200
    assert client.get(TARGETS["news sitemap p"]("1")).status_code == 200
    assert client.get(TARGETS["article query"]("x")).status_code == 200


@pytest.mark.parametrize("target", list(TARGETS))
def test_no_server_error(newsroom, client, target):
    build = TARGETS[target]
    for value in SPECIALS:  # the values known to have broken search, on every target
        _check(client, build(quote(value, safe="")))
    tried: set[str] = set()

    @FUZZ
    @given(value=encoded)
    def fuzz(value: str) -> None:
        tried.add(value)
        _check(client, build(value))

    fuzz()
    assert len(tried) >= 100  # the fuzzer ran, on values that differ


@pytest.mark.parametrize("path,query", [
    ("/search/", "q=%00"),
    ("/search/", "q=a%00b&page=%00"),
    ("/search/\x00", "q=harbour"),
    ("/tags/\x00/", ""),
    ("/tags/har\xc3\xa9bour/", ""),  # UTF-8 of "harébour", as a WSGI server passes it
    ("/tags/\xff\xfe/", ""),  # not UTF-8
    ("/tags/a/b/c/", ""),
    ("/feeds/rss/\x00", ""),
    ("/feeds/rss.xml", ""),
    ("/feeds/rss/extra/", ""),
    (ARTICLE + "\x00", "%00=%00"),
])
def test_wsgi_handler_with_raw_bytes(newsroom, path, query):
    """The environ a WSGI server builds from a URL with %00 and raw bytes (latin-1 strings)."""
    handler = WSGIHandler()
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost", "wsgi.url_scheme": "http", "wsgi.input": BytesIO(),
    }
    statuses: list[str] = []
    # Closing the connection at the end of the request would end the test's transaction
    # (the test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = handler(environ, lambda status, headers, *args: statuses.append(status))
        b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert int(statuses[0].split()[0]) < 500, (path, query, statuses)

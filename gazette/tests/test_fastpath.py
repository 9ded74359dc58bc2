"""The fast path (gazette/fastpath.py) keeps every promise a cached hit makes through Django:
the miss's headers, 304 on If-None-Match, HEAD without a body, nothing cached for a session
holder or an editor, and a publish seen at once. Driven as a WSGI server drives it; the same
across real processes is in test_fastpath_processes.py."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from gazette import fastpath
from gazette.fastpath import CachedPages
from gazette.news.testing import make_article

pytestmark = pytest.mark.django_db


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body
        self.code = int(status.split()[0])

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def without(self, *names: str) -> dict[str, str]:
        skip = {name.lower() for name in names}
        return {k.lower(): v for k, v in self.headers if k.lower() not in skip}


class Server:
    """Calls the application as a WSGI server does, counting what reaches Django."""

    def __init__(self) -> None:
        self.django = WSGIHandler()
        self.reached_django = 0
        self.app = CachedPages(self._counting)

    def _counting(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.reached_django += 1
        return self.django(environ, start_response)

    def __call__(self, path: str, method: str = "GET", **headers: str) -> Answer:
        path, _, query = path.partition("?")
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
                   "SCRIPT_NAME": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
                   "HTTP_HOST": "localhost", "SERVER_PROTOCOL": "HTTP/1.1",
                   "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
                   "wsgi.errors": sys.stderr, "REMOTE_ADDR": "127.0.0.1"}
        environ.update({"HTTP_" + k.upper(): v for k, v in headers.items()})
        seen: dict[str, Any] = {}

        def start_response(status: str, response_headers: list[tuple[str, str]],
                           exc_info: object = None) -> None:
            seen.update(status=status, headers=list(response_headers))

        result = self.app(environ, start_response)
        body = b"".join(result)
        close = getattr(result, "close", None)
        if close:
            close()
        return Answer(seen["status"], seen["headers"], body)


@pytest.fixture
def server() -> Iterator[Server]:
    # As Django's test client does: requests must not close the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield Server()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.mark.parametrize("path", ["article", "/", "/feeds/rss/"])
def test_a_hit_has_exactly_the_headers_and_body_of_the_miss(server, article, path):
    url = article.url if path == "article" else path
    miss = server(url)
    assert miss.code == 200 and miss.header("X-Page-Cache") == "miss"
    assert server.reached_django == 1
    hit = server(url)
    assert server.reached_django == 1, "answered in front of Django"
    assert hit.header("X-Page-Cache") == "hit"
    assert hit.body == miss.body
    assert hit.without("X-Page-Cache") == miss.without("X-Page-Cache")
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                 "Referrer-Policy", "ETag", "Vary", "Cache-Control", "Content-Length"):
        assert hit.header(name), name


def test_if_none_match_gets_the_304_django_gives(server, article):
    etag = server(article.url).header("ETag")
    assert etag
    fast = server(article.url, if_none_match=etag)
    assert fast.code == 304 and fast.body == b""
    assert server.reached_django == 1
    for condition in (f"W/{etag}", f'"other", {etag}', "*"):
        assert server(article.url, if_none_match=condition).code == 304, condition
    assert server(article.url, if_none_match='"other"').code == 200
    assert server.reached_django == 1
    # The middleware's hit (the fast path off) answers the same 304, header for header.
    server.app.enabled = False
    slow = server(article.url, if_none_match=etag)
    assert server.reached_django == 2
    assert (slow.status, slow.without(), slow.body) == (fast.status, fast.without(), fast.body)


def test_head_has_the_get_headers_and_no_body(server, article):
    get = server(article.url)
    head = server(article.url, method="HEAD")
    assert server.reached_django == 1
    assert head.code == 200 and head.body == b""
    assert head.without("X-Page-Cache") == get.without("X-Page-Cache")
    # As Django does: a HEAD with a matching ETag is answered in full (no 304).
    assert server(article.url, method="HEAD", if_none_match=get.header("ETag")).code == 200


def test_other_conditions_go_to_django_which_still_hits_the_cache(server, article):
    server(article.url)
    answer = server(article.url, if_modified_since="Sat, 05 Dec 2026 10:00:00 GMT")
    assert server.reached_django == 2
    assert answer.header("X-Page-Cache") == "hit"


def test_a_reader_with_a_session_gets_no_cached_page(server, article):
    server(article.url)
    assert server(article.url, cookie="theme=dark").header("X-Page-Cache") == "hit"
    assert server.reached_django == 1
    held = server(article.url, cookie="theme=dark; sessionid=abc123")
    assert server.reached_django == 2
    assert held.header("X-Page-Cache") is None
    assert "private" in (held.header("Cache-Control") or "")


def test_a_signed_in_editor_gets_no_cached_page(server, article, django_user_model):
    server(article.url)
    editor = django_user_model.objects.create_superuser("ed", "ed@example.org", "pw-long-enough")
    client = Client()
    client.force_login(editor)
    session = client.cookies["sessionid"].value
    answer = server(article.url, cookie=f"sessionid={session}")
    assert server.reached_django == 2
    assert answer.header("X-Page-Cache") is None
    assert "private" in (answer.header("Cache-Control") or "")


def test_a_publish_is_seen_by_the_next_request(server, article, section, commit):
    for url in ("/", section.url):
        server(url)
        assert server(url).header("X-Page-Cache") == "hit"
    with commit():
        newer = make_article(section, title="Ferry strike called off", slug="ferry")
    for url in ("/", section.url):
        answer = server(url)
        assert answer.header("X-Page-Cache") == "miss", url
        assert newer.title.encode() in answer.body


def test_a_miss_reads_the_cache_once(server, article):
    """The stamp the fast path read travels to the middleware, which does not look again."""
    with patch.object(fastpath, "fresh_entry", wraps=fastpath.fresh_entry) as fast, \
            patch("gazette.news.cache.fresh_entry") as middleware:
        assert server(article.url).header("X-Page-Cache") == "miss"
    assert fast.call_count == 1 and middleware.call_count == 0
    assert server(article.url).header("X-Page-Cache") == "hit"


def test_what_is_not_a_cached_read_goes_to_django(server, article, settings):
    server(article.url)
    settings.GAZETTE_AKISMET_HOSTS = ["akismet.example.org"]
    server.app.api_hosts = settings.GAZETTE_AKISMET_HOSTS
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "akismet.example.org"]
    with patch.object(fastpath, "fresh_entry") as lookup:
        server(article.url, method="POST")
        server("/static/news/site.css")
        server("/admin/")
        server("/1.1/test", host="akismet.example.org")
    assert lookup.call_count == 0
    assert server.reached_django == 5


def test_a_failing_cache_leaves_the_answer_to_django(server, article):
    server(article.url)
    with patch.object(fastpath, "fresh_entry", side_effect=RuntimeError("disk gone")):
        answer = server(article.url)
    assert answer.code == 200 and server.reached_django == 2


def test_off_every_hit_goes_through_django(server, article):
    server.app.enabled = False
    server(article.url)
    assert server(article.url).header("X-Page-Cache") == "hit"
    assert server.reached_django == 2


def test_hosts_and_schemes_are_cached_apart(server, article):
    server(article.url)
    assert server(article.url).header("X-Page-Cache") == "hit"
    assert server(article.url, host="127.0.0.1").header("X-Page-Cache") == "miss"

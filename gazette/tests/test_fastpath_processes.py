"""The fast path across the real `gazette run` (two granian web workers), on the embedded
default and on Redis: a page cached by both workers is answered in front of Django with the
miss's headers, 304 and HEAD as Django would; a story published by another process is served
by every worker on the next request, never the stale copy a worker holds in memory."""

from __future__ import annotations

import http.client
import shutil
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings

from .running import Site, running_site, site_environment

pytestmark = [pytest.mark.services, pytest.mark.xdist_group("site-fastpath")]

READS = 12  # fresh connections per check: both workers answer some
SECTION = "/world/"
PAGES = ("/", SECTION, "/feeds/rss/")

MAKE_SECTION = """
from gazette.news.testing import make_section
from gazette.news.models import SectionPage
if not SectionPage.objects.filter(slug="world").exists():
    make_section("World")
"""


def fetch(site: Site, path: str, method: str = "GET",
          **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module", params=[pytest.param("disk", marks=pytest.mark.embedded), "redis"])
def site(request: pytest.FixtureRequest, site_data) -> Iterator[Site]:
    if request.param == "redis" and not (django_settings.REDIS_URL
                                         and shutil.which("redis-server")):
        pytest.skip("needs REDIS_URL (make test-services)")
    # Migrated already (a copy of the run's template): `gazette run` then starts within
    # running_site's time even on a busy machine.
    data = site_data(f"fastpath-{request.param}")
    if request.param == "redis":
        # A prefix of its own: the test process's cache shares this Redis database.
        env = site_environment(data, REDIS_URL=django_settings.REDIS_URL, GAZETTE_CACHE="redis",
                               GAZETTE_CACHE_PREFIX=f"fastpath-{uuid.uuid4().hex[:8]}")
    else:
        env = site_environment(data)
    with running_site(data, "--no-demo", env=env) as site:
        site.manage_shell(MAKE_SECTION)
        yield site


def warm(site: Site) -> None:
    for path in PAGES:
        for _ in range(READS):
            assert fetch(site, path)[0] == 200


def test_hits_are_answered_with_the_miss_headers(site):
    path = f"{SECTION}?probe={uuid.uuid4().hex}"  # a page no one has asked for yet
    status, miss_headers, miss_body = fetch(site, path)
    assert status == 200 and miss_headers["x-page-cache"] == "miss"
    answers = [fetch(site, path) for _ in range(READS)]
    per_response = ("x-page-cache", "date", "server")
    expected = {k: v for k, v in miss_headers.items() if k not in per_response}
    for status, headers, body in answers:
        assert status == 200 and headers["x-page-cache"] == "hit" and body == miss_body
        assert {k: v for k, v in headers.items() if k not in per_response} == expected
    etag = miss_headers["etag"]
    status, headers, body = fetch(site, path, **{"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["etag"] == etag
    status, headers, body = fetch(site, path, method="HEAD")
    assert status == 200 and body == b""
    assert headers["content-length"] == str(len(miss_body))


def test_a_session_cookie_is_never_served_a_cached_page(site):
    warm(site)
    for _ in range(READS):
        status, headers, _body = fetch(site, SECTION, Cookie="sessionid=not-a-real-session")
        assert status == 200 and "x-page-cache" not in headers
        assert "private" in headers["cache-control"]


def test_a_story_published_elsewhere_is_served_by_every_worker_at_once(site):
    title = f"Harbour lights relit after {uuid.uuid4().hex[:6]} years"
    warm(site)
    for path in PAGES:
        assert all(title.encode() not in fetch(site, path)[2] for _ in range(READS))
    slug = f"lights-{uuid.uuid4().hex[:8]}"
    site.manage_shell(f"""
from gazette.news.models import SectionPage
from gazette.news.testing import make_article
make_article(SectionPage.objects.get(slug="world"), title={title!r}, slug={slug!r})
""")
    for path in PAGES:
        shown = [title.encode() in fetch(site, path)[2] for _ in range(READS)]
        assert all(shown), (path, shown)
    # Every worker now holds the new page; unpublishing must not leave one serving it.
    warm(site)
    site.manage_shell(f"""
from gazette.news.models import ArticlePage
ArticlePage.objects.get(slug={slug!r}).unpublish()
""")
    for path in PAGES:
        shown = [title.encode() in fetch(site, path)[2] for _ in range(READS)]
        assert not any(shown), (path, shown)

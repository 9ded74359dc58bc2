"""End to end: one site across every process of the real `gazette run` (two web workers).

A story published by another process (an operator's shell, the scheduler) is on every page
that shows it, from every web worker, on the next request; the sign-in throttle counts across
workers. Each request goes on a connection of its own, so the two workers share the answers.
"""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from .running import Site, running_site, wait_until

pytestmark = [pytest.mark.services, pytest.mark.embedded,
              pytest.mark.xdist_group("site-one-site")]

# Enough requests that both web workers answer some of each page.
READS = 12
SECTION = "/world/"
PAGES = ("/", SECTION, "/feeds/rss/", "/news-sitemap.xml")

MAKE_SECTION = """
from gazette.news.testing import make_section
from gazette.news.models import SectionPage
if not SectionPage.objects.filter(slug="world").exists():
    make_section("World")
"""


@pytest.fixture(scope="module")
def site(site_data) -> Iterator[Site]:
    with running_site(site_data("one-site"), "--no-demo") as site:
        site.manage_shell(MAKE_SECTION)
        yield site


def shown_everywhere(site: Site, text: str) -> dict[str, int]:
    """For each page, how many of READS fresh requests showed ``text`` (all 200s)."""
    shown = {}
    for path in PAGES:
        count = 0
        for _ in range(READS):
            status, body = site.request(path)
            assert status == 200, (path, status)
            count += text in body
        shown[path] = count
    return shown


def warm(site: Site) -> None:
    """Every page cached in both workers, so that a stale copy would be served if kept."""
    for path in PAGES:
        for _ in range(READS):
            site.request(path)


def test_a_story_published_by_another_process_is_on_every_page_at_once(site):
    title = "Tide gauges record the highest water in forty years"
    warm(site)
    assert shown_everywhere(site, title) == dict.fromkeys(PAGES, 0)
    site.manage_shell(f"""
from gazette.news.models import SectionPage
from gazette.news.testing import make_article
make_article(SectionPage.objects.get(slug="world"), title={title!r}, slug="tide-gauges")
""")
    assert shown_everywhere(site, title) == dict.fromkeys(PAGES, READS)
    status, body = site.request(f"{SECTION}tide-gauges/")
    assert status == 200 and title in body

    site.manage_shell("""
from gazette.news.models import ArticlePage
ArticlePage.objects.get(slug="tide-gauges").unpublish()
""")
    assert shown_everywhere(site, title) == dict.fromkeys(PAGES, 0)
    assert site.get(f"{SECTION}tide-gauges/") == 404


def test_a_scheduled_story_is_everywhere_within_15_seconds_of_its_time(site):
    title = "Night ferry returns to the winter timetable"
    warm(site)
    out = site.manage_shell(f"""
from datetime import timedelta
from django.utils import timezone
from gazette.news.models import SectionPage
from gazette.news.testing import make_article
article = make_article(SectionPage.objects.get(slug="world"), title={title!r},
                       slug="night-ferry", publish=False)
article.go_live_at = timezone.now() + timedelta(seconds=3)
article.save_revision().publish()
print("due", article.go_live_at.timestamp())
""")
    due = float(re.search(r"due ([\d.]+)", out).group(1))
    assert title not in site.request("/")[1], "not before its time"

    def on_the_front_page() -> bool:
        return title in site.request("/")[1]

    wait_until(on_the_front_page, 40, "the scheduled story on the front page")
    late = time.time() - due
    print(f"\nscheduled story on the front page {late:.1f} s after its time")
    assert late <= 15
    assert shown_everywhere(site, title) == dict.fromkeys(PAGES, READS)


def sign_in(site: Site, username: str, password: str) -> int:
    """One attempt at the admin sign-in form, as a browser makes it: a fresh client each time."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url = f"http://127.0.0.1:{site.port}/admin/login/"
    form = opener.open(url, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username,
                                   "password": password}).encode()
    request = urllib.request.Request(url, data=data, headers={"Referer": url})
    try:
        with opener.open(request, timeout=10) as response:
            return 302 if response.url != url else response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_sign_in_throttle_holds_across_web_workers(site):
    site.manage_shell("""
from django.contrib.auth import get_user_model
get_user_model().objects.create_user("desk", password="correct horse battery")
""")
    assert sign_in(site, "desk", "correct horse battery") == 302, "the right password works"
    # Five wrong passwords are checked (and fail), whichever worker gets them.
    assert [sign_in(site, "desk", f"wrong-{n}") for n in range(5)] == [200] * 5
    # The sixth is refused without being checked, and so, for a while, is the right one.
    assert sign_in(site, "desk", "wrong-6") == 429
    assert sign_in(site, "desk", "correct horse battery") == 429

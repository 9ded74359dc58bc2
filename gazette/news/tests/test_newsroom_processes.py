"""End to end on the real `gazette run` (two web workers, the scheduler): the breaking bar
follows a story published by another process on every page from both workers, and the
scheduler keeps cached pages' "N minutes ago" true."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from gazette.tests.running import Site, running_site, wait_until

pytestmark = [pytest.mark.services, pytest.mark.embedded,
              pytest.mark.xdist_group("site-newsroom")]

READS = 10
PAGES = ("/world/", "/world/quiet-story/")

SETUP = """
from gazette.news.models import SectionPage
from gazette.news.testing import make_article, make_section
if not SectionPage.objects.filter(slug="world").exists():
    make_article(make_section("World"), title="A quiet story", slug="quiet-story")
"""


@pytest.fixture(scope="module")
def site(site_data) -> Iterator[Site]:
    # Migrated already (a copy of the run's template), so that a loaded machine's slow
    # migrations do not count against the time running_site gives the server to answer.
    with running_site(site_data("newsroom"), "--no-demo") as site:
        site.manage_shell(SETUP)
        yield site


def shown(site: Site, path: str, text: str | re.Pattern[str]) -> int:
    """How many of READS fresh requests (either worker) show ``text`` (a regex if compiled)."""
    count = 0
    for _ in range(READS):
        status, body = site.request(path)
        assert status == 200, (path, status)
        count += bool(text.search(body)) if isinstance(text, re.Pattern) else text in body
    return count


def test_the_breaking_bar_follows_another_process_on_every_page(site):
    for path in PAGES:
        assert shown(site, path, "breaking--bar") == 0, path  # and now cached in both workers
    site.manage_shell("""
from gazette.news.models import SectionPage
from gazette.news.testing import make_article
make_article(SectionPage.objects.get(slug="world"), title="Quay wall collapses",
             slug="quay-wall", breaking=True)
""")
    for path in PAGES:
        assert shown(site, path, ">Quay wall collapses</a></div></aside>") == READS, path
    site.manage_shell("""
from gazette.news.models import ArticlePage
story = ArticlePage.objects.get(slug="quay-wall")
story.breaking = False
story.save_revision().publish()
""")
    for path in PAGES:
        assert shown(site, path, "breaking--bar") == 0, path


def test_the_scheduler_refreshes_cached_minutes_ago(site):
    site.manage_shell("""
from datetime import timedelta
from django.utils import timezone
from gazette.news.models import SectionPage
from gazette.news.testing import make_article
make_article(SectionPage.objects.get(slug="world"), title="Ferry timetable changes",
             slug="ferry", published_at=timezone.now() - timedelta(minutes=5))
""")
    path = "/world/ferry/"
    assert shown(site, path, re.compile(r"· [5-7] minutes ago")) == READS
    # The story's time moves back without a publication: nothing invalidates its page but the
    # scheduler's refresh of pages that show minute-granular times (without it, the cached
    # "5 minutes ago" would stay for the cache's 10 minutes).
    site.manage_shell("""
from datetime import timedelta
from django.utils import timezone
from gazette.news.models import ArticlePage
ArticlePage.objects.filter(slug="ferry").update(
    first_published_at=timezone.now() - timedelta(minutes=40))
""")
    wait_until(lambda: shown(site, path, re.compile(r"· 4[0-2] minutes ago")) == READS, 90,
               "the cached page refreshed by the scheduler")

"""End to end: "most read" across the real `gazette run` (two web workers, a scheduler).

Reads reported to either web worker add up in the shared cache; a flush run by another process
(as the scheduler's would be) puts them in the database once, and the front page every worker
serves from its cache is refreshed with the new ranking. Each request goes on a connection of
its own, so both workers count some of the reads.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from gazette.tests.running import Site, running_site, wait_until

pytestmark = [pytest.mark.services, pytest.mark.embedded,
              pytest.mark.xdist_group("site-reads")]

MAKE_STORIES = """
from gazette.news.models import ArticlePage
from gazette.news.testing import make_article, make_section, hours_ago
world = make_section("World")
for n in range(8):
    if not ArticlePage.objects.filter(slug=f"harbour-{n}").exists():
        make_article(world, title=f"Harbour story {n}", slug=f"harbour-{n}",
                     published_at=hours_ago(n + 1))
print(ArticlePage.objects.get(slug="harbour-7").pk)
"""
READS = 20


def shell(site: Site, code: str) -> str:
    """What ``code`` printed last (Django's shell may say first what it imported)."""
    return site.manage_shell(code).strip().splitlines()[-1]


@pytest.fixture(scope="module")
def site(site_data) -> Iterator[Site]:
    with running_site(site_data("reads"), "--no-demo") as site:
        yield site


def most_read_everywhere(site: Site, title: str, requests: int = 8) -> int:
    """How many of ``requests`` fresh front pages list ``title`` under "Most read"."""
    shown = 0
    for _ in range(requests):
        status, body = site.request("/")
        assert status == 200
        zone = body.split('id="most-read-heading"', 1)
        shown += len(zone) == 2 and title in zone[1].split("</section>", 1)[0]
    return shown


def test_the_scheduler_flushes_by_itself(site):
    # The scheduler flushes every minute the minutes two minutes old: a read counted now is in
    # the database within about three minutes, with nobody asking.
    # First on the module's site: the next test flushes by hand with a clock three minutes
    # ahead, which marks its minute as added; a read in that same minute would then be
    # skipped by the scheduler (a case only such a skewed flush makes).
    shell(site, MAKE_STORIES)
    story = shell(site, """
from gazette.news.models import ArticlePage
print(ArticlePage.objects.get(slug="harbour-6").pk)
""")
    started = time.monotonic()
    assert site.request(f"/reads/{story}/", "POST")[0] == 204

    database = Path(site.env["GAZETTE_DATA_DIR"]) / "gazette.sqlite3"

    def counted() -> bool:
        # Read from the site's database file, as the sqlite3 shell would: a `gazette manage
        # shell` a question costs seconds of CPU, a question every second over minutes.
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as db:
            return db.execute("SELECT count(*) FROM news_storyreads WHERE article_id = ?",
                              (int(story),)).fetchone()[0] > 0

    # Worst case: the read's minute ends (60 s), settles (2 minutes), then waits for the
    # scheduler's next round (60 s): 240 s.
    wait_until(counted, 330, "the scheduler flushing the read")
    assert shell(site, f"""
from gazette.news.models import StoryReads
print(StoryReads.objects.filter(article_id={story}).exists())
""") == "True"
    print(f"\nflushed by the scheduler after {time.monotonic() - started:.0f} s")


def test_reads_on_both_workers_are_counted_once_and_reach_the_cached_front_page(site):
    story_id = int(shell(site, MAKE_STORIES))
    status, body = site.request("/world/harbour-7/")
    assert status == 200 and f'data-read="/reads/{story_id}/"' in body
    assert most_read_everywhere(site, "Harbour story 7") == 0  # cached in both workers now

    for _ in range(READS):
        assert site.request(f"/reads/{story_id}/", "POST")[0] == 204
    assert "set-cookie" not in site.request(f"/reads/{story_id}/")[1].lower()
    # Flushed by another process, the minutes of the reads being over (as the scheduler will
    # a couple of minutes from now); flushed twice, counted once.
    flush = """
from gazette.news.reads import reads_flush
import time
print(reads_flush(at=time.time() + 180), reads_flush(at=time.time() + 180))
"""
    assert shell(site, flush).split() == [str(READS + 1), "0"]
    total = shell(site, f"""
from gazette.news.models import StoryReads
print(sum(StoryReads.objects.filter(article_id={story_id}).values_list("views", flat=True)))
""")
    assert int(total) == READS + 1
    # The ranking changed: every worker's cached front page is refreshed at once.
    assert most_read_everywhere(site, "Harbour story 7") == 8

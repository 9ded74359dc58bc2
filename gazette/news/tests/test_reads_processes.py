"""End to end: "most read" across the real `gazette run` (two web workers, a scheduler).

Reads reported to either web worker add up in the shared cache; the scheduler's flush puts
them in the database once (a flush by yet another process, run twice, adds nothing), and the
front page every worker serves from its cache is refreshed with the new ranking. Each request
goes on a connection of its own, so both workers count some of the reads.

The site counts reads in one-second "minutes" (``GAZETTE_READS_FLUSH_SECONDS=1``, 60 s by
default), so that its scheduler flushes within seconds rather than the default's 2-4 minutes;
what is asserted is the same, on a shorter clock.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from gazette.tests.running import Site, running_site, site_environment, wait_until

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
print(ArticlePage.objects.get(slug="harbour-6").pk, ArticlePage.objects.get(slug="harbour-7").pk)
"""
READS = 20
FLUSH_SECONDS = 1  # the site's GAZETTE_READS_FLUSH_SECONDS


def shell(site: Site, code: str) -> str:
    """What ``code`` printed last (Django's shell may say first what it imported)."""
    return site.manage_shell(code).strip().splitlines()[-1]


@pytest.fixture(scope="module")
def site(site_data) -> Iterator[Site]:
    data = site_data("reads")
    env = site_environment(data, GAZETTE_READS_FLUSH_SECONDS=str(FLUSH_SECONDS))
    with running_site(data, "--no-demo", env=env) as site:
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
    # The scheduler flushes every "minute" (here a second, at its next 5-s round) the minutes
    # two minutes old: a read counted now is in the database within a few of its rounds, with
    # nobody asking.
    story = shell(site, MAKE_STORIES).split()[0]
    started = time.monotonic()
    assert site.request(f"/reads/{story}/", "POST")[0] == 204

    database = Path(site.env["GAZETTE_DATA_DIR"]) / "gazette.sqlite3"

    def counted() -> bool:
        # Read from the site's database file, as the sqlite3 shell would: a `gazette manage
        # shell` a question costs seconds of CPU, a question every second over minutes.
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as db:
            return db.execute("SELECT count(*) FROM news_storyreads WHERE article_id = ?",
                              (int(story),)).fetchone()[0] > 0

    # Worst case: the read's minute ends (1 s), settles (2 s), then waits for the scheduler's
    # next round (5 s): 8 s; with the default's 60-s minutes, 240 s. Room for a loaded machine.
    wait_until(counted, 60, "the scheduler flushing the read")
    assert shell(site, f"""
from gazette.news.models import StoryReads
print(StoryReads.objects.filter(article_id={story}).exists())
""") == "True"
    print(f"\nflushed by the scheduler after {time.monotonic() - started:.0f} s")


def test_reads_on_both_workers_are_counted_once_and_reach_the_cached_front_page(site):
    story_id = int(shell(site, MAKE_STORIES).split()[1])
    status, body = site.request("/world/harbour-7/")
    assert status == 200 and f'data-read="/reads/{story_id}/"' in body
    assert most_read_everywhere(site, "Harbour story 7") == 0  # cached in both workers now

    for _ in range(READS):
        assert site.request(f"/reads/{story_id}/", "POST")[0] == 204
    assert "set-cookie" not in site.request(f"/reads/{story_id}/")[1].lower()
    database = Path(site.env["GAZETTE_DATA_DIR"]) / "gazette.sqlite3"

    def counted() -> int:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as db:
            return db.execute("SELECT coalesce(sum(views), 0) FROM news_storyreads"
                              " WHERE article_id = ?", (story_id,)).fetchone()[0]

    # The scheduler adds the reads of both workers as their minutes settle (one or more rounds).
    wait_until(lambda: counted() >= READS + 1, 60, "the scheduler flushing the reads")
    # Flushed again by another process with its clock well past the reads' minutes (a second
    # scheduler, a retry): twice, and nothing is added; counted once.
    flush = f"""
from gazette.news.models import StoryReads
from gazette.news.reads import reads_flush
import time
print(reads_flush(at=time.time() + 180), reads_flush(at=time.time() + 180),
      sum(StoryReads.objects.filter(article_id={story_id}).values_list("views", flat=True)))
"""
    assert shell(site, flush).split() == ["0", "0", str(READS + 1)]
    # The ranking changed: every worker's cached front page is refreshed at once.
    assert most_read_everywhere(site, "Harbour story 7") == 8

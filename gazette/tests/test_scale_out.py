"""End to end on PostgreSQL + Redis: two `gazette run`s with data folders of their own, one
database and one Redis, as two hosts behind a load balancer would be.

A story published through one is on the other's pages at once; Redis stopped and started again
under reads costs no 5xx (pages come from the database meanwhile); PostgreSQL restarted gives
clean 503s at worst and the sites recover by themselves. Redis here is a server of the test's own
on a free port, so stopping it disturbs nothing else. Restarting PostgreSQL would disturb other
tests using it, so these tests are marked ``disruptive`` and `make test-services` runs them on
their own, after the rest. Run with ``-s`` for the figures.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from .running import Site, free_port, running_site, site_environment, wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.disruptive,
    pytest.mark.xdist_group("processes"),
    pytest.mark.skipif(not settings.DATABASE_URL or not shutil.which("redis-server"),
                       reason="needs DATABASE_URL and redis-server (make test-services)"),
]

DATABASE = "gazette_scale_out"
TITLE = "Harbour pilots agree a new night-shift rota"


def postgres_url(name: str) -> str:
    base = settings.DATABASE_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def psql(sql: str) -> None:
    subprocess.run(["psql", postgres_url("postgres"), "-q", "-c", sql], check=True,
                   capture_output=True)


@dataclass
class Redis:
    port: int
    folder: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    server = Redis(free_port(), tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory, redis: Redis) -> Iterator[tuple[Site, Site]]:
    psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    psql(f"CREATE DATABASE {DATABASE}")
    services = {"DATABASE_URL": postgres_url(DATABASE),
                "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"}
    first_data, second_data = (tmp_path_factory.mktemp(name) for name in ("host-a", "host-b"))
    # One after the other: the first migrates the shared database.
    with running_site(first_data, "--no-demo", workers=1,
                      env=site_environment(first_data, **services)) as first:
        first.manage_shell("from gazette.news.testing import make_section; make_section('World')")
        with running_site(second_data, "--no-demo", workers=1,
                          env=site_environment(second_data, **services)) as second:
            yield first, second
    psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


@dataclass
class Reads:
    """GETs the front page, a section and a search no cache holds, from both sites in turn,
    from a thread, bounded."""

    sites: tuple[Site, Site]
    max_seconds: float = 90
    statuses: dict[int, int] = field(default_factory=dict)
    connection_errors: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        deadline, sent = time.monotonic() + self.max_seconds, 0
        while not self._stop.is_set() and time.monotonic() < deadline and sent < 20_000:
            site = self.sites[sent % 2]
            try:
                status = site.get(("/", "/world/", f"/search/?q=pilot{sent}")[sent // 2 % 3])
            except OSError:
                self.connection_errors += 1
            else:
                self.statuses[status] = self.statuses.get(status, 0) + 1
            sent += 1
            time.sleep(0.01)

    def answered(self, status: int | None = None) -> int:
        if status is None:
            return sum(self.statuses.values())
        return self.statuses.get(status, 0)

    def server_errors(self, *, but: int | None = None) -> int:
        return sum(n for code, n in self.statuses.items() if code >= 500 and code != but)


@pytest.fixture
def reads(sites: tuple[Site, Site]) -> Iterator[Reads]:
    load = Reads(sites)
    thread = threading.Thread(target=load.run, daemon=True)
    thread.start()
    wait_until(lambda: load.answered() >= 20, 30, "the first answers")
    yield load
    load._stop.set()
    thread.join(timeout=30)


def test_published_through_one_host_is_read_through_the_other(sites):
    first, second = sites
    for _ in range(5):  # cached on the second host before the story exists
        assert TITLE not in second.request("/")[1]
    first.manage_shell(f"""
from gazette.news.models import SectionPage
from gazette.news.testing import make_article
make_article(SectionPage.objects.get(slug="world"), title={TITLE!r}, slug="pilots")
""")
    for path in ("/", "/world/", "/feeds/rss/", "/world/pilots/"):
        status, body = second.request(path)
        assert status == 200 and TITLE in body, path


def test_redis_stopped_and_started_under_reads_costs_no_5xx(sites, redis, reads):
    time.sleep(1)
    stopped_at = time.monotonic()
    redis.stop()
    time.sleep(4)
    during = reads.answered()
    redis.start()
    wait_until(lambda: all(site.get("/readyz") == 200 for site in sites), 30, "ready again")
    recovered_after = time.monotonic() - stopped_at - 4
    time.sleep(2)
    print(f"\nRedis stopped for 4 s under reads: {reads.answered()} answered "
          f"({reads.answered(200)} 200), {reads.server_errors()} 5xx, "
          f"{reads.connection_errors} connection errors, ready {recovered_after:.1f} s after "
          "Redis started again")
    assert during > 0
    assert reads.server_errors() == 0 and reads.connection_errors == 0
    # Publishing works again, across hosts, once Redis is back (it came back empty).
    first, second = sites
    first.manage_shell("""
from gazette.news.models import SectionPage
from gazette.news.testing import make_article
make_article(SectionPage.objects.get(slug="world"), title="Dredger back at work", slug="dredger")
""")
    assert "Dredger back at work" in second.request("/")[1]


def test_postgresql_restarted_gives_clean_503s_and_the_sites_recover(sites, reads):
    version = sorted(os.listdir("/etc/postgresql"))[0]
    restarting_at = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, capture_output=True)
    restarted_after = time.monotonic() - restarting_at

    def everything_answers() -> bool:
        return all(site.get(path) == 200 for site in sites
                   for path in ("/readyz", "/world/pilots/", "/search/?q=pilots"))

    wait_until(everything_answers, 60, "both hosts answering from the database again")
    recovered_after = time.monotonic() - restarting_at
    time.sleep(1)
    print(f"\nPostgreSQL restarted ({restarted_after:.1f} s) under reads: {reads.answered()} "
          f"answered ({reads.answered(200)} 200, {reads.answered(503)} 503), "
          f"{reads.server_errors(but=503)} other 5xx, {reads.connection_errors} connection "
          f"errors, recovered {recovered_after:.1f} s after the restart began")
    assert reads.server_errors(but=503) == 0, reads.statuses
    assert reads.connection_errors == 0

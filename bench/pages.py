#!/usr/bin/env python
"""CPU time and queries per page type, in-process, with and without SQLite's planner statistics.

    .venv/bin/python bench/pages.py [--articles 3000] [--data-dir DIR] [--repeat 20]

The site benchmark (site_load.py) measures article pages through the real server; this one
covers every other kind of page a reader asks for (front page, section, tag, author, search in
both orders, feeds, sitemaps) with the page cache off, so each figure is a full render. It
runs each page type in three child processes side by side: on the site as `gazette run` leaves
it (planner statistics gathered by gazette.database.database_optimize, relevance ranked by
gazette.news.search_sqlite), with Wagtail's own search backend instead (a baseline), and on a
copy of the same database without planner statistics (the other baseline: SQLite on its own).
The site is the one site_load.py prepares (``--data-dir`` reuses one, e.g.
/tmp/gz-bench-sites/site-3000).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

from site_load import URLS_FILE, base_env, prepare_site  # noqa: E402

VARIANTS = ("as shipped", "Wagtail's ranking", "no statistics")


def _measure(repeat: int, stock_search: bool) -> None:
    """Child process: print one JSON line of figures per page type."""
    import time

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    import django

    django.setup()
    from django.conf import settings

    if stock_search:
        settings.WAGTAILSEARCH_BACKENDS = {
            "default": {"BACKEND": "wagtail.search.backends.database"}}
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gazette.news.models import ArticlePage, Author, SectionPage

    site = json.loads(Path(settings.DATA_DIR, URLS_FILE).read_text())
    section = SectionPage.objects.live().order_by("path").first()
    tag = _busiest_tag()
    author = Author.objects.order_by("pk").first()
    common = "council"
    pages = {
        "front page": "/",
        "section": section.url,
        "article": site["urls"][len(site["urls"]) // 2],
        "tag": f"/tags/{tag.slug}/",
        "author": f"/authors/{author.slug}/",
        f"search '{common}', newest": f"/search/?q={common}",
        f"search '{common}', relevance": f"/search/?q={common}&sort=relevance",
        "search, no match": "/search/?q=zzyzx",
        "RSS, whole site": "/feeds/rss/",
        "sitemap.xml": "/sitemap.xml",
        "news sitemap": "/news-sitemap.xml",
    }
    client = Client()
    for name, url in pages.items():
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        query_count = len(queries)  # before the next request resets the connection's log
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(repeat):
            client.get(url)
        print(json.dumps({
            "page": name, "url": url, "queries": query_count,
            "cpu_ms": round((time.process_time() - cpu) * 1000 / repeat, 2),
            "wall_ms": round((time.perf_counter() - wall) * 1000 / repeat, 2),
            "articles": ArticlePage.objects.live().count(),
        }), flush=True)


def _busiest_tag():
    from django.db.models import Count
    from taggit.models import Tag

    return Tag.objects.annotate(n=Count("news_articletag_items")).order_by("-n", "name").first()


def run_variant(data_dir: Path, repeat: int, stock_search: bool = False) -> list[dict]:
    env = {**base_env(data_dir), "GAZETTE_PAGE_CACHE": "0"}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--repeat", str(repeat)]
    if stock_search:
        command.append("--stock-search")
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=1800)
    if result.returncode != 0:
        raise SystemExit(result.stdout[-3000:] + result.stderr[-3000:])
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def without_statistics(source: Path, target: Path) -> None:
    """A copy of the site whose database has no planner statistics."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.sqlite3-*", "server-*"))
    database = sqlite3.connect(target / "gazette.sqlite3")
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for table in ("sqlite_stat1", "sqlite_stat4"):
        if database.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
            database.execute(f"DROP TABLE {table}")
    database.commit()
    database.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--data-dir", type=Path, help="a site prepared by site_load.py")
    parser.add_argument("--repeat", type=int, default=20, help="requests per page type")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stock-search", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _measure(args.repeat, args.stock_search)
        return 0

    with tempfile.TemporaryDirectory(prefix="gazette-pages-") as scratch:
        site_dir = args.data_dir
        if site_dir is None or not (site_dir / URLS_FILE).exists():
            site_dir = site_dir or Path(scratch) / "site"
            site_dir.mkdir(parents=True, exist_ok=True)
            print(f"preparing {args.articles} articles in {site_dir} ...", flush=True)
            prepare_site(site_dir, args.articles, 500,
                         {**base_env(site_dir), "GAZETTE_PAGE_CACHE": "0"})
        else:
            # A reused site is brought to the state `gazette run` leaves it in.
            database = sqlite3.connect(site_dir / "gazette.sqlite3")
            database.execute("PRAGMA analysis_limit=1000")
            database.execute("ANALYZE")
            database.close()
        bare = Path(scratch) / "bare"
        without_statistics(site_dir, bare)
        results = {VARIANTS[0]: run_variant(site_dir, args.repeat),
                   VARIANTS[1]: run_variant(site_dir, args.repeat, stock_search=True),
                   VARIANTS[2]: run_variant(bare, args.repeat)}

    tables = {variant: {row["page"]: row for row in rows} for variant, rows in results.items()}
    shipped = tables[VARIANTS[0]]
    articles = next(iter(shipped.values()))["articles"]
    print(f"\n{articles} live articles, page cache off, {args.repeat} requests per page type; "
          "CPU ms per request (queries). Baselines: Wagtail's own search backend; the same "
          "database without planner statistics (gazette.database.database_optimize)")
    print(f"{'page':34}" + "".join(f"{variant:>20}" for variant in VARIANTS))
    for name in shipped:
        print(f"{name:34}" + "".join(
            f"{tables[v][name]['cpu_ms']:12.1f} ms ({tables[v][name]['queries']:2})"
            for v in VARIANTS))
    command = [".venv/bin/python", "bench/pages.py", "--articles", str(args.articles),
               "--repeat", str(args.repeat)]
    if args.data_dir:
        command += ["--data-dir", str(args.data_dir)]
    print(f"\nReproduce: {shlex.join(command)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

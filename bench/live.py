#!/usr/bin/env python
"""CPU time and queries per request for live coverage, in-process, beside an ordinary story.

    .venv/bin/python bench/live.py --data-dir DIR [--repeat 200]

DIR is a migrated site's data folder (``gazette manage migrate`` or any ``gazette run``'s); the
benchmark adds a section, a story and a live page with 50 entries and 4 key points if missing.
Rounds alternate between the live page and the story (the baseline), so load on the machine
falls on both alike. Figures: the uncached page (page cache off: a full render), the cached
page (a hit), and the updates an open live page polls: uncached, a cached 200, and the 304 a
poll that finds nothing new gets (If-None-Match).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup() -> tuple[str, str, str]:
    from gazette.live.models import LivePage
    from gazette.live.testing import make_entry, make_live_page
    from gazette.news.models import ArticlePage
    from gazette.news.testing import make_article, make_section

    section = make_section("Bench", slug="bench")
    story = ArticlePage.objects.filter(slug="bench-story").first() or make_article(
        section, slug="bench-story", title="An ordinary story for the benchmark")
    live = LivePage.objects.filter(slug="bench-live").first()
    if live is None:
        live = make_live_page(section, slug="bench-live", key_points=[
            "The first key point of the story", "A second one", "A third", "And a fourth"])
        for n in range(50):
            make_entry(live, f"Entry {n}: " + "A sentence of a live update, of a usual length. "
                       * 4, title=f"Update {n}" if n % 2 else "")
    return story.url, live.url, f"/live/{live.pk}/updates.json"


def measure(client, path: str, repeat: int, headers: dict[str, str] | None = None
            ) -> tuple[float, int, int]:
    """Median CPU ms per request, queries per request, status."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    status = 0
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.process_time()
            response = client.get(path, **(headers or {}))
            times.append((time.process_time() - started) * 1000)
        status, queries = response.status_code, len(captured)
    return statistics.median(times), queries, status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    os.environ["GAZETTE_DATA_DIR"] = args.data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    story, live, updates = setup()
    client = Client()
    rows: dict[str, list[tuple[float, int, int]]] = {}
    for _round in range(4):
        for label, path in (("story", story), ("live page", live), ("updates", updates)):
            settings.GAZETTE_PAGE_CACHE_ENABLED = False
            rows.setdefault(f"{label}, uncached", []).append(
                measure(client, path, args.repeat // 10))
            settings.GAZETTE_PAGE_CACHE_ENABLED = True
            client.get(path)
            rows.setdefault(f"{label}, cached", []).append(measure(client, path, args.repeat))
            if label == "updates":
                etag = client.get(path)["ETag"]
                rows.setdefault("updates, 304", []).append(
                    measure(client, path, args.repeat, {"HTTP_IF_NONE_MATCH": etag}))
    print(f"$ .venv/bin/python bench/live.py {' '.join(shlex.quote(a) for a in sys.argv[1:])}")
    print(f"load: {os.getloadavg()[0]:.1f}; median CPU ms a request, best and worst of 4 "
          "alternating rounds")
    print(f"{'request':<24}{'CPU ms':>16}{'queries':>9}{'status':>8}")
    for label, figures in rows.items():
        medians = [f[0] for f in figures]
        print(f"{label:<24}{min(medians):>8.2f}-{max(medians):<7.2f}{figures[-1][1]:>9}"
              f"{figures[-1][2]:>8}")


if __name__ == "__main__":
    main()

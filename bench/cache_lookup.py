#!/usr/bin/env python
"""What a page-cache hit asks of the cache, in one process, for each candidate mechanism.

    .venv/bin/python bench/cache_lookup.py [--lookups 4000] [--rounds 5] [--entries 500]
        [--redis redis://127.0.0.1:6379/14]

A hit of ``gazette.news.cache.PageCacheMiddleware`` used to be one ``cache.get`` of the page
entry (a dict of the page's ~12 KB of HTML, its headers and its tags' versions) and one
``get_many`` of those tags' current versions (3 for an article: everything, its section, the
story): ``versions`` below. It is now one ``get_many`` of the entry and the stamp that every
invalidation changes, the versions read only when the stamp moved on: ``stamp`` below. Both
shapes are timed against:

* ``locmem``: Django's LocMemCache (each process its own; the figure to beat);
* ``disk``: ``gazette.cache.DiskCache`` configured as gazette/settings.py does (diskcache,
  SQLite files, 8 shards), the embedded default;
* ``database``: Django's DatabaseCache on a separate SQLite file (WAL, as the site's database),
  the other way to share a cache without a server;
* ``files``: Django's FileBasedCache (a pickle file per key; its ``add`` is not atomic across
  processes, so it could not hold versions or throttles, but its reads are a fair yardstick);
* ``redis``: ``gazette.cache.ResilientRedisCache`` (with ``--redis`` or REDIS_URL; the
  database in the URL is flushed first, so give one nothing else uses).

``--entries`` entries are stored, and the lookups cycle through them, as the site benchmark's
rotation of article URLs does. Rounds alternate the order of the backends, so that a burst of
load on the machine falls on all of them; the figures are the median round's. Printed: wall
time per hit (mean, p50, p99) and the process's CPU time per hit, then the command.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

ENTRY_PREFIX = "pagecache:entry:"  # as gazette/news/cache.py names them
VERSION_PREFIX = "pagecache:tag:"
STAMP_KEY = "pagecache:stamp"
SHAPES = ("versions", "stamp")
TAGS = ("all", "section:4", "page:1234")
WORDS = ("council", "budget", "river", "school", "vote", "harbour", "minister", "storm",
         "market", "festival", "police", "station", "report", "season", "hospital", "road")


def configure(folder: Path, redis_url: str | None) -> list[str]:
    """Django settings with one cache alias per backend; the aliases to measure."""
    from django.conf import settings

    caches = {
        "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                   "LOCATION": "bench", "OPTIONS": {"MAX_ENTRIES": 5000}},
        # The embedded default, as gazette/settings.py configures it.
        "disk": {"BACKEND": "gazette.cache.DiskCache", "LOCATION": str(folder / "disk"),
                 "KEY_PREFIX": "gazette", "SHARDS": 8, "DATABASE_TIMEOUT": 0.05,
                 "OPTIONS": {"size_limit": 1024 * 1024 * 1024}},
        "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                     "LOCATION": "gazette_cache", "KEY_PREFIX": "gazette",
                     "OPTIONS": {"MAX_ENTRIES": 5000}},
        "files": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                  "LOCATION": str(folder / "files"), "KEY_PREFIX": "gazette",
                  "OPTIONS": {"MAX_ENTRIES": 5000}},
    }
    if redis_url:
        caches["redis"] = {"BACKEND": "gazette.cache.ResilientRedisCache",
                           "LOCATION": redis_url, "KEY_PREFIX": "gazette"}
    settings.configure(
        INSTALLED_APPS=[],
        USE_TZ=True,
        DATABASES={"default": {
            "ENGINE": "django.db.backends.sqlite3", "NAME": str(folder / "cache.sqlite3"),
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
            "CONN_MAX_AGE": None,
        }},
        CACHES={"default": caches["locmem"], **caches},
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("createcachetable", "gazette_cache", verbosity=0)
    return list(caches)


def page_entry(rng: random.Random, size: int) -> dict:
    """An entry shaped as PageCacheMiddleware stores one: tags' versions, headers, content."""
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < size:
        words.append(rng.choice(WORDS) + str(rng.randrange(1000)))
    content = ("<!doctype html><html><body><p>" + " ".join(words) + "</p></body></html>")
    return {
        "tags": {tag: uuid.UUID(int=rng.getrandbits(128)).hex for tag in TAGS},
        "stamp": "0" * 32,
        "headers": [("Content-Type", "text/html; charset=utf-8"), ("Vary", "Cookie"),
                    ("Cache-Control", "max-age=60, public"),
                    ("ETag", f'"{rng.getrandbits(128):032x}"'), ("Content-Language", "en"),
                    ("Last-Modified", "Sat, 05 Dec 2026 10:00:00 GMT")],
        "content": content[:size].encode(),
    }


def fill(cache, entries: list[dict]) -> list[str]:
    cache.clear()
    keys = []
    for number, entry in enumerate(entries):
        key = f"{ENTRY_PREFIX}{number:040x}"
        cache.set(key, entry, timeout=600)
        keys.append(key)
    cache.set_many({VERSION_PREFIX + tag: version
                    for tag, version in entries[0]["tags"].items()}, timeout=None)
    cache.set(STAMP_KEY, entries[0]["stamp"], timeout=None)
    return keys


def hit_versions(cache, key: str) -> bool:
    """A hit before the stamp: the entry, then its tags' versions; whether it was one."""
    entry = cache.get(key)
    if entry is None:
        return False
    versions = cache.get_many([VERSION_PREFIX + tag for tag in entry["tags"]])
    return len(versions) == len(entry["tags"])


def hit_stamp(cache, key: str) -> bool:
    """A hit now, while the stamp has not moved on: the entry and the stamp in one get_many."""
    found = cache.get_many([key, STAMP_KEY])
    entry = found.get(key)
    return entry is not None and entry["stamp"] == found.get(STAMP_KEY)


def one_round(cache, shape: str, keys: list[str], lookups: int) -> dict:
    hit = hit_stamp if shape == "stamp" else hit_versions
    times = []
    hits = 0
    cpu = time.process_time()
    for number in range(lookups):
        started = time.perf_counter_ns()
        hits += hit(cache, keys[number % len(keys)])
        times.append(time.perf_counter_ns() - started)
    cpu = time.process_time() - cpu
    times.sort()
    return {
        "mean_us": statistics.fmean(times) / 1000,
        "p50_us": times[len(times) // 2] / 1000,
        "p99_us": times[int(len(times) * 0.99)] / 1000,
        "cpu_us": cpu * 1e6 / lookups,
        "hits": hits,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lookups", type=int, default=4000, help="hits timed per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--entries", type=int, default=500, help="page entries stored")
    parser.add_argument("--size", type=int, default=12 * 1024, help="bytes of HTML per page")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL") or None,
                        help="Redis URL (its database is flushed); default REDIS_URL, else none")
    args = parser.parse_args(argv)
    command = [".venv/bin/python", "bench/cache_lookup.py", "--lookups", str(args.lookups),
               "--rounds", str(args.rounds), "--entries", str(args.entries),
               "--size", str(args.size)] + (["--redis", args.redis] if args.redis else [])
    print(f"$ {shlex.join(command)}", flush=True)

    with tempfile.TemporaryDirectory(prefix="gazette-cache-lookup-") as folder:
        aliases = configure(Path(folder), args.redis)
        from django.core.cache import caches

        rng = random.Random(14)
        entries = [page_entry(rng, args.size) for _ in range(args.entries)]
        keys = {alias: fill(caches[alias], entries) for alias in aliases}
        runs = [(alias, shape) for alias in aliases for shape in SHAPES]
        for alias, shape in runs:  # a warm-up round each: connections opened, pages in memory
            one_round(caches[alias], shape, keys[alias], min(args.lookups, 1000))
        results: dict[tuple[str, str], list[dict]] = {run: [] for run in runs}
        for number in range(args.rounds):
            for alias, shape in runs if number % 2 == 0 else runs[::-1]:
                results[alias, shape].append(
                    one_round(caches[alias], shape, keys[alias], args.lookups))
        for alias in aliases:
            caches[alias].clear()
            caches[alias].close()

    load = os.getloadavg()[0]
    print(f"\nOne page-cache hit of a {args.size / 1024:.0f} KB entry, {args.lookups} hits x "
          f"{args.rounds} rounds over {args.entries} entries, median round; versions: get + "
          f"get_many of {len(TAGS)} tag versions; stamp: get_many of the entry and the stamp. "
          f"Load average {load:.2f}\n")
    print("backend   hit         mean us    p50 us    p99 us   CPU us/hit"
          "   x locmem (same hit, p50)   hits")
    for alias, shape in runs:
        base = statistics.median(r["p50_us"] for r in results["locmem", shape])
        rounds = sorted(results[alias, shape], key=lambda r: r["mean_us"])
        median = rounds[len(rounds) // 2]
        print(f"{alias:9} {shape:9} {median['mean_us']:9.1f} {median['p50_us']:9.1f} "
              f"{median['p99_us']:9.1f} {median['cpu_us']:12.1f} "
              f"{median['p50_us'] / base:26.1f} {median['hits']:6}")
    print(f"\nReproduce: {shlex.join(command)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

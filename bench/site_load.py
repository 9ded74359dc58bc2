#!/usr/bin/env python
"""Load the demo site through the real server with wrk: article page latency and throughput,
for each cache backend side by side.

    .venv/bin/python bench/site_load.py [--articles 30,3000] [--duration 10] [--connections 16]
        [--servers gthread,sync,granian] [--workers 2] [--urls 500]
        [--caches locmem,disk,redis] [--redis redis://127.0.0.1:6379/14] [--rounds 1]

For each site size: a fresh temporary GAZETTE_DATA_DIR, migrate + collectstatic +
``demo_load()``, synthetic articles up to the size (``demo_bulk``), then every rotation URL is
rendered once in-process (lead-image renditions exist, as on a live site, and every URL is
checked to answer 200). For each server configuration, mode and cache backend the server is
started as a subprocess on 127.0.0.1 (DEBUG off, SQLite in the data dir), with the same data
and flags, the backend chosen by GAZETTE_CACHE and emptied before the start:

* ``locmem``: each process's own memory (what the site used before the shared cache; each
  worker caches separately), the figure the shared backends are held against;
* ``disk``: the embedded default (diskcache, SQLite files; a fresh folder per start);
* ``redis``: with ``--redis URL`` or REDIS_URL (the URL's database is flushed before each
  start, so give one nothing else uses, e.g. /14).

Modes:

* ``uncached``: GAZETTE_PAGE_CACHE=0, every request renders the page; measured after every
  rotation URL was requested 2 x workers times, so that each worker holds what a running site
  keeps warm for a page it has served before (its remembered route, cached fragments);
* ``cached``: the anonymous page cache on, measured after warm-up passes over the rotation
  until two passes in a row are served from the cache.

wrk (``apt-get install wrk``) cycles through the same rotation of article URLs (spread over
the whole archive) with one connection and with ``--connections``; percentiles come from
wrk's own latency histogram through a Lua ``done()`` hook. ``--rounds N`` repeats every
backend N times, alternating their order, and compares the best round of each. The figures,
the backends side by side (cached req/s against locmem's), the target verdicts and the
command that reproduces them are printed; a JSON copy goes to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The server and wrk helpers live in wrkload.py; akismet_http.py imports them from here too.
from wrkload import (  # noqa: E402, F401
    ServerFailed,
    free_port,
    latency_summary,
    lua_done,
    lua_threads,
    run_wrk,
    running_server,
    warm_cache,
    warm_every_url,
    with_server_cost,
    write_lua,
    wrk_command,
    wrk_figures,
)

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
URLS_FILE = "bench_urls.json"

TARGET_P50_MS = 20.0
TARGET_CACHED_RPS = 2000.0
TARGET_SCALING = 0.10  # 3,000 articles at most 10% slower than 30
SERVERS = ("gthread", "sync", "granian")

# Environment that would point the server somewhere else than the fresh data folder.
FOREIGN_ENV = ("DATABASE_URL", "REDIS_URL", "GAZETTE_STATIC_ROOT", "GAZETTE_MEDIA_ROOT",
               "GAZETTE_TASKS_BACKEND", "GAZETTE_ACCESS_LOG", "WEB_CONCURRENCY",
               "GAZETTE_CACHE", "GAZETTE_CACHE_DIR", "GAZETTE_CACHE_PREFIX")
CACHES = ("locmem", "disk", "redis")
TARGET_SHARED_RATIO = 0.80  # a shared cache's cached req/s at most 20% below locmem's


# --- Site preparation (runs in a child process, so settings see the fresh data folder) ------

def _setup_site(size: int, sample: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from gazette.news import demo
    from gazette.news.models import ArticlePage

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    demo.demo_load()
    live = ArticlePage.objects.live().public()
    missing = size - live.count()
    if missing > 0:
        bulk = getattr(demo, "demo_bulk", None)
        if bulk is not None:
            bulk(missing)
        else:
            _fallback_bulk(missing)
    from gazette.database import database_optimize

    database_optimize()  # as `gazette run` and its scheduler do
    count = live.count()
    loaded = time.perf_counter() - started

    pages = list(live.order_by("path"))
    step = max(1, len(pages) // sample) if sample else 1
    urls = [page.get_url() for page in pages[::step]][: sample or None]
    # Render every rotation URL once: renditions get made now rather than during the
    # measurement, and a broken page stops the benchmark here.
    client = Client()
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"setup: {url} answered {response.status_code}")
    Path(settings.DATA_DIR, URLS_FILE).write_text(json.dumps({
        "articles": count, "urls": urls, "load_seconds": round(loaded, 1),
        "render_seconds": round(time.perf_counter() - started - loaded, 1),
    }))


def _fallback_bulk(count: int) -> None:
    """Slow stand-in for demo.demo_bulk: real publications through the Wagtail API."""
    from gazette.news.testing import make_agency, make_article, make_author, make_section

    sections = [make_section(title) for title in ("World", "Business", "Science", "Sport")]
    authors = [make_author(f"Reporter {n}") for n in range(8)]
    agency = make_agency()
    for n in range(count):
        make_article(
            sections[n % len(sections)], title=f"Synthetic story number {n}",
            slug=f"synthetic-{n}", authors=[authors[n % len(authors)]],
            agency=agency if n % 3 == 0 else None, tags=[f"topic-{n % 20}"],
        )


def prepare_site(data_dir: Path, size: int, sample: int, env: dict[str, str]) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--setup-site", str(size),
               "--urls", str(sample)]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=3600)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"site setup for {size} articles failed")
    return json.loads((data_dir / URLS_FILE).read_text())


# --- Servers --------------------------------------------------------------------------------

def server_commands(port: int, workers: int, threads: int) -> dict[str, list[str]]:
    from gazette.cli import server_command

    granian = server_command("127.0.0.1", port, workers, "granian")
    granian[granian.index("--blocking-threads") + 1] = str(threads)
    gthread = server_command("127.0.0.1", port, workers, "gunicorn")
    sync = list(gthread)
    sync[sync.index("--worker-class") + 1] = "sync"
    index = sync.index("--threads")
    del sync[index:index + 2]
    return {"granian": granian, "gthread": gthread, "sync": sync}


# --- Orchestration --------------------------------------------------------------------------

def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update({
        "GAZETTE_DATA_DIR": str(data_dir), "DEBUG": "0", "DJANGO_SETTINGS_MODULE":
        "gazette.settings", "GAZETTE_BASE_URL": "http://127.0.0.1:8000", "PYTHONHASHSEED": "0",
    })
    return env


def cache_env(cache: str, data_dir: Path, redis_url: str | None) -> dict[str, str]:
    """The environment that selects ``cache``, emptied first: every backend starts cold."""
    env = {"GAZETTE_CACHE": cache}
    if cache == "disk":
        folder = data_dir / "bench-cache"
        shutil.rmtree(folder, ignore_errors=True)
        env["GAZETTE_CACHE_DIR"] = str(folder)
    elif cache == "redis":
        import redis

        client = redis.Redis.from_url(redis_url)
        client.flushdb()
        client.close()
        env["REDIS_URL"] = str(redis_url)
    return env


def bench_size(args: argparse.Namespace, size: int, workdir: Path) -> list[dict]:
    data_dir = workdir / f"site-{size}"
    data_dir.mkdir(exist_ok=True)
    env = base_env(data_dir)
    if (data_dir / URLS_FILE).exists():
        print(f"\n== {size} articles: reusing {data_dir}", flush=True)
        site = json.loads((data_dir / URLS_FILE).read_text())
    else:
        print(f"\n== {size} articles: preparing {data_dir}", flush=True)
        site = prepare_site(data_dir, size, args.urls, {**env, "GAZETTE_PAGE_CACHE": "0"})
    site["size"] = size
    urls = site["urls"]
    print(f"   {site['articles']} live articles (load {site['load_seconds']} s); "
          f"{len(urls)} article URLs in the rotation (pre-render {site['render_seconds']} s)",
          flush=True)
    plain, counting = data_dir / "rotate.lua", data_dir / "rotate_count.lua"
    write_lua(plain, urls, count_cache=False)
    write_lua(counting, urls, count_cache=True)

    rows = []
    for server in args.servers:
        for number in range(args.rounds):
            # Alternate the order, so that neither end of a round always gets the quieter minute.
            caches = args.caches if number % 2 == 0 else args.caches[::-1]
            for mode in ("uncached", "cached"):
                for cache in caches:
                    for attempt in range(3):  # a port taken meanwhile, a worker dying at start
                        try:
                            rows.extend(measure(args, site, server, mode, cache, env, data_dir,
                                                plain, counting, number + 1))
                            break
                        except ServerFailed as error:
                            print(f"   {server} {mode} {cache}: attempt {attempt + 1} failed: "
                                  f"{error}", file=sys.stderr, flush=True)
    return rows


def measure(args: argparse.Namespace, site: dict, server: str, mode: str, cache: str,
            env: dict[str, str], data_dir: Path, plain: Path, counting: Path,
            round_number: int) -> list[dict]:
    urls, size, rows = site["urls"], site["size"], []
    port = free_port()
    command = server_commands(port, args.workers, args.threads)[server]
    base = f"http://127.0.0.1:{port}"
    server_env = {**env, **cache_env(cache, data_dir, args.redis),
                  "GAZETTE_PAGE_CACHE": "0" if mode == "uncached" else "1"}
    log = data_dir / f"server-{server}.log"
    label = f"{server:8} {cache:6} {mode:8}"
    with running_server(command, server_env, base + urls[0], log) as process:
        warm: dict = {}
        # New connections per request, so that every worker process gets warmed up.
        run_wrk(base, counting, args.connections, args.warmup)
        if mode == "cached":
            warm = warm_cache(base, counting, args.connections, len(urls))
        else:
            warm = warm_every_url(base, urls, args.workers)
            print(f"   {label} warm-up: every URL {2 * args.workers}x, "
                  f"{warm['warm_requests']} requests in {warm['warm_seconds']} s "
                  f"({warm['warm_requests'] / max(warm['warm_seconds'], 0.1):.0f} req/s, "
                  f"{warm['warm_bad']} not 200)", flush=True)
        for connections in (1, args.connections):
            figures = with_server_cost(
                process.pid, run_wrk, base, plain, connections, args.duration
            )
            row = {"articles": site["articles"], "size": size, "server": server,
                   "mode": mode, "cache": cache, "round": round_number, **figures, **warm,
                   "server_command": shlex.join(command),
                   "server_env": {k: server_env[k] for k in server_env
                                  if k.startswith("GAZETTE_CACHE") or k in (
                                      "GAZETTE_PAGE_CACHE", "DEBUG", "REDIS_URL")},
                   "wrk_command": shlex.join(wrk_command(
                       base, plain, connections, args.duration))}
            rows.append(row)
            print(f"   {label} c={connections:<3} {figures['rps']:8.1f} "
                  f"req/s  p50 {figures['p50_ms']:7.2f} ms  p99 {figures['p99_ms']:7.2f} ms"
                  f"  cpu {figures['server_cpu_ms']:6.2f} ms/req  errors "
                  f"{figures['errors']}  load {figures['load1']}", flush=True)
    return rows


def find(rows: list[dict], **match) -> dict | None:
    """The best round (most req/s) among the rows that match."""
    found = [row for row in rows if all(row.get(k) == v for k, v in match.items())]
    return max(found, key=lambda row: row["rps"]) if found else None


def report(args: argparse.Namespace, rows: list[dict]) -> list[str]:
    print("\narticles  server    cache   mode      round  conns     req/s   p50 ms   p90 ms"
          "   p99 ms  cpu ms/req  errors  load")
    for row in rows:
        print(f"{row['articles']:>8}  {row['server']:8}  {row['cache']:6}  {row['mode']:8}"
              f"  {row['round']:>5}  {row['connections']:>5}"
              f"  {row['rps']:8.1f}  {row['p50_ms']:7.2f}  {row['p90_ms']:7.2f}"
              f"  {row['p99_ms']:7.2f}  {row['server_cpu_ms']:10.2f}  {row['errors']:>6}"
              f"  {row['load1']:4.1f}{'  cache not warm' if row.get('misses_last_pass') else ''}")
    print("cpu ms/req: CPU time of all server processes per response (less sensitive than\n"
          "latency to other load on the machine); load: 1-minute load average after the run.")

    verdicts = []
    sizes = sorted({row["size"] for row in rows})
    c = args.connections
    for server in args.servers:
        for size in sizes:
            articles = next(r["articles"] for r in rows if r["size"] == size)
            locmem = find(rows, size=size, server=server, mode="cached", cache="locmem",
                          connections=c)
            print(f"\nCache backends side by side: {articles} articles, {server}, best of "
                  f"{args.rounds} round(s)\n\nbackend  cached req/s c={c:<3} x locmem  "
                  f"cached CPU ms/req  uncached p50 / p99 c=1  uncached CPU ms/req")
            for cache in args.caches:
                cached = find(rows, size=size, server=server, mode="cached", cache=cache,
                              connections=c)
                single = find(rows, size=size, server=server, mode="uncached", cache=cache,
                              connections=1)
                ratio = cached["rps"] / locmem["rps"] if cached and locmem else None
                print(f"{cache:7}  {cached['rps'] if cached else 0:17,.0f}  "
                      f"{ratio or 0:7.2f}  {cached['server_cpu_ms'] if cached else 0:17.2f}  "
                      f"{single['p50_ms'] if single else 0:9.1f} / "
                      f"{single['p99_ms'] if single else 0:5.1f} ms  "
                      f"{single['server_cpu_ms'] if single else 0:19.1f}")
                name = f"{server} {cache} {size}"
                if single:
                    ok = single["p50_ms"] <= TARGET_P50_MS
                    verdicts.append(f"{'PASS' if ok else 'FAIL'} {name}: uncached p50 c=1 "
                                    f"{single['p50_ms']:.2f} ms (target <= {TARGET_P50_MS:g})")
                if cached:
                    ok = cached["rps"] >= TARGET_CACHED_RPS
                    verdicts.append(f"{'PASS' if ok else 'FAIL'} {name}: cached c={c} "
                                    f"{cached['rps']:.0f} req/s (target >= "
                                    f"{TARGET_CACHED_RPS:g})")
                if ratio is not None and cache != "locmem":
                    ok = ratio >= TARGET_SHARED_RATIO
                    verdicts.append(f"{'PASS' if ok else 'FAIL'} {name}: cached req/s "
                                    f"{ratio:.2f} x locmem's {locmem['rps']:.0f} (target >= "
                                    f"{TARGET_SHARED_RATIO:g})")
        if len(sizes) < 2:
            continue
        small, large = sizes[0], sizes[-1]
        for cache in args.caches:
            for mode in ("uncached", "cached"):
                for connections in (1, c):
                    a = find(rows, size=small, server=server, mode=mode, cache=cache,
                             connections=connections)
                    b = find(rows, size=large, server=server, mode=mode, cache=cache,
                             connections=connections)
                    if not (a and b):
                        continue
                    slower_p50 = b["p50_ms"] / a["p50_ms"] - 1
                    slower_rps = a["rps"] / b["rps"] - 1
                    ok = max(slower_p50, slower_rps) <= TARGET_SCALING
                    verdicts.append(
                        f"{'PASS' if ok else 'FAIL'} {server} {cache} {mode} c={connections}: "
                        f"{large} vs {small} articles p50 {slower_p50:+.0%}, req/s cost "
                        f"{slower_rps:+.0%} (target <= +10%; load {a['load1']:.1f} vs "
                        f"{b['load1']:.1f})")
    print("\nTargets:")
    for verdict in verdicts:
        print("  " + verdict)
    if len(args.servers) > 1:
        for mode in ("uncached", "cached"):
            candidates = [r for r in rows if r["mode"] == mode and r["size"] == sizes[-1]
                          and r["connections"] == c and r["cache"] == args.caches[-1]]
            if candidates:
                top = max(candidates, key=lambda r: r["rps"])
                print(f"Fastest server, {mode}, {top['cache']}, c={c}, {top['articles']} "
                      f"articles: {top['server']} ({top['rps']:.0f} req/s)")
    return verdicts


def reproduce_command(args: argparse.Namespace) -> str:
    return shlex.join([
        ".venv/bin/python", "bench/site_load.py",
        "--articles", ",".join(str(s) for s in args.articles),
        "--duration", f"{args.duration:g}", "--warmup", f"{args.warmup:g}",
        "--connections", str(args.connections),
        "--servers", ",".join(args.servers), "--workers", str(args.workers),
        "--threads", str(args.threads), "--urls", str(args.urls),
        "--caches", ",".join(args.caches), "--rounds", str(args.rounds),
    ] + (["--redis", args.redis] if "redis" in args.caches else []))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", default="30,3000",
                        help="comma-separated site sizes (default 30,3000)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds of warm-up per server start (then, cached: until warm)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help="granian (gazette run's default), gthread (gunicorn), sync")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (as `run`)")
    parser.add_argument("--threads", type=int, default=4, help="granian blocking threads")
    parser.add_argument("--urls", type=int, default=500,
                        help="article URLs in the rotation, spread over the archive")
    parser.add_argument("--caches", help="cache backends, of locmem,disk,redis (default "
                        "locmem,disk, and redis when there is a Redis URL)")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL") or None,
                        help="Redis URL for the redis backend; its database is flushed "
                        "(default REDIS_URL)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every backend this many times, in alternating order")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    parser.add_argument("--data-dir", help="keep the sites here and reuse them on the next run "
                        "(default: fresh temporary folders, deleted afterwards)")
    parser.add_argument("--setup-site", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.setup_site is None:
        args.articles = [int(s) for s in args.articles.split(",") if s.strip()]
        args.servers = [s for s in args.servers.split(",") if s.strip()]
        unknown = set(args.servers) - set(SERVERS)
        if unknown:
            parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
        if "granian" in args.servers and importlib.util.find_spec("granian") is None:
            print("granian is not installed (pip install granian); skipping it.")
            args.servers.remove("granian")
        if args.caches is None:
            args.caches = "locmem,disk" + (",redis" if args.redis else "")
        args.caches = [s for s in args.caches.split(",") if s.strip()]
        unknown = set(args.caches) - set(CACHES)
        if unknown:
            parser.error(f"unknown caches: {', '.join(sorted(unknown))}")
        if "redis" in args.caches and not args.redis:
            parser.error("the redis backend needs --redis URL (or REDIS_URL)")
        if args.rounds < 1:
            parser.error("--rounds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.setup_site is not None:
        _setup_site(args.setup_site, args.urls)
        return 0
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    command = reproduce_command(args)
    print(f"$ {command}\nload average at start: {os.getloadavg()[0]:.2f}", flush=True)
    if args.data_dir:
        workdir = Path(args.data_dir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="gazette-site-load-"))
    rows: list[dict] = []
    try:
        for size in args.articles:
            rows.extend(bench_size(args, size, workdir))
    finally:
        if args.keep or args.data_dir:
            print(f"Data folders kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    verdicts = report(args, rows)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS_DIR / f"site_load-{stamp}.json"
    out.write_text(json.dumps({
        "command": command, "when": stamp, "machine": {
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform()},
        "rows": rows, "verdicts": verdicts,
    }, indent=2))
    print(f"\nResults: {out.relative_to(ROOT)}\nReproduce: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Load the demo site through the real server with wrk: article page latency and throughput.

    .venv/bin/python bench/site_load.py [--articles 30,3000] [--duration 10] [--connections 16]
        [--servers gthread,sync,granian] [--workers 2] [--urls 500]

For each site size: a fresh temporary GAZETTE_DATA_DIR, migrate + collectstatic +
``demo_load()``, synthetic articles up to the size (``demo_bulk``), then every rotation URL is
rendered once in-process (lead-image renditions exist, as on a live site, and every URL is
checked to answer 200). For each server configuration and each mode the server is started as
a subprocess on 127.0.0.1 (DEBUG off, SQLite in the data dir, local-memory cache):

* ``uncached``: GAZETTE_PAGE_CACHE=0, every request renders the page; measured after every
  rotation URL was requested 2 x workers times, so that each worker holds what a running site
  keeps warm for a page it has served before (its remembered route, cached fragments);
* ``cached``: the anonymous page cache on, measured after warm-up passes over the rotation
  until two passes in a row are served from the cache (each worker has its own cache).

wrk (``apt-get install wrk``) cycles through the same rotation of article URLs (spread over
the whole archive) with one connection and with ``--connections``; percentiles come from
wrk's own latency histogram through a Lua ``done()`` hook. The figures, the target verdicts
and the command that reproduces them are printed; a JSON copy goes to bench/results/.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import importlib.util
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

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
               "GAZETTE_TASKS_BACKEND", "GAZETTE_ACCESS_LOG", "WEB_CONCURRENCY")


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


def session_cpu_seconds(session: int) -> float:
    """CPU time (user + system) used so far by every live process of a session (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp, session, ... utime (12th), stime (13th).
        if int(fields[3]) == session:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerFailed(Exception):
    pass


def _log_tail(log: Path, start: int) -> str:
    with log.open("rb") as handle:
        handle.seek(start)
        return handle.read().decode(errors="replace")[-2000:]


@contextlib.contextmanager
def running_server(command: list[str], env: dict[str, str], probe: str, log: Path):
    start = log.stat().st_size if log.exists() else 0
    with log.open("ab") as log_file:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise ServerFailed(f"server exited with {process.returncode}:\n"
                                   + _log_tail(log, start))
            try:
                with urllib.request.urlopen(probe, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise ServerFailed(f"server did not answer {probe} within 60 s:\n"
                                   + _log_tail(log, start))
            time.sleep(0.2)
        yield process
    finally:
        # The server runs in a session of its own, so this reaches its workers and no one else.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- wrk ------------------------------------------------------------------------------------

LUA_TEMPLATE = """
local paths = {%(paths)s}
%(threads)s
misses, hits, bad = 0, 0, 0

function request()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter])
end
%(response)s
%(done)s"""

def lua_threads(stride: int) -> str:
    """wrk's setup() and init() hooks: each thread starts ``stride`` items further along the
    script's list (so threads do not request the same item at once), and ``threads`` keeps
    them for :func:`lua_done`."""
    return f"""local threads = {{}}
local counter = 0

function setup(thread)
  thread:set("offset", #threads * {stride})
  table.insert(threads, thread)
end

function init(args)
  counter = offset or 0
end"""


def lua_done(counters: tuple[str, ...]) -> str:
    """wrk's done() hook: the run's figures and the scripts' own counters (globals each
    thread keeps) as one WRKJSON line, which wrk_figures() reads."""
    sums = "\n".join(f'    {name} = {name} + (t:get("{name}") or 0)' for name in counters)
    fields = "".join(f', "{name}": %d' for name in counters)
    return f"""function done(summary, latency, requests)
  local {", ".join(counters)} = {", ".join("0" for _ in counters)}
  for _, t in ipairs(threads) do
{sums}
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {{"requests": %d, "duration_us": %d, "bytes": %d, "mean_us": %.1f, '
    .. '"p50_us": %.0f, "p90_us": %.0f, "p99_us": %.0f, "max_us": %.0f, '
    .. '"errors": {{"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}'
    .. '{fields}}}\\n',
    summary.requests, summary.duration, summary.bytes, latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, {", ".join(counters)}))
end
"""


# Only for warm-up: a response() hook makes wrk parse every header, which costs throughput.
# A new connection per request spreads the warm-up over every worker process (a kept-alive
# connection stays with one worker, and each worker has its own local-memory cache).
LUA_COUNT_CACHE = """
wrk.headers["Connection"] = "close"

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
  local state = headers["X-Page-Cache"] or headers["x-page-cache"]
  if state == "hit" then hits = hits + 1 else misses = misses + 1 end
end
"""


def write_lua(path: Path, urls: list[str], count_cache: bool) -> None:
    paths = ", ".join(json.dumps(url) for url in urls)
    path.write_text(LUA_TEMPLATE % {"paths": paths, "threads": lua_threads(97),
                                     "response": LUA_COUNT_CACHE if count_cache else "",
                                     "done": lua_done(("misses", "hits", "bad"))})


def wrk_command(base: str, script: Path, connections: int, seconds: float) -> list[str]:
    return ["wrk", "--threads", "1", "--connections", str(connections),
            "--duration", f"{seconds:g}s", "--timeout", "5s", "--latency",
            "--script", str(script), base]


def wrk_figures(base: str, script: Path, connections: int, seconds: float) -> dict:
    """Run wrk with a script whose done() prints a WRKJSON line; that line's figures."""
    command = wrk_command(base, script, connections, seconds)
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    for line in result.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON "):])
    raise SystemExit(f"wrk gave no figures:\n{result.stdout}\n{result.stderr}")


def latency_summary(figures: dict, connections: int) -> dict:
    """Throughput, latency percentiles and errors of one wrk run, in milliseconds."""
    duration = figures["duration_us"] / 1e6
    return {
        "connections": connections,
        "requests": figures["requests"],
        "rps": round(figures["requests"] / duration, 1),
        "p50_ms": round(figures["p50_us"] / 1000, 2),
        "p90_ms": round(figures["p90_us"] / 1000, 2),
        "p99_ms": round(figures["p99_us"] / 1000, 2),
        "max_ms": round(figures["max_us"] / 1000, 2),
        "mean_ms": round(figures["mean_us"] / 1000, 2),
        "errors": sum(figures["errors"].values()),
    }


def run_wrk(base: str, script: Path, connections: int, seconds: float) -> dict:
    figures = wrk_figures(base, script, connections, seconds)
    return {
        **latency_summary(figures, connections),
        "kb_per_response": round(figures["bytes"] / max(1, figures["requests"]) / 1024, 1),
        "misses": figures["misses"],
        "hits": figures["hits"],
    }


def with_server_cost(session: int, run: Callable[..., dict], *args: object) -> dict:
    """``run(*args)``'s figures plus the server's CPU per response and the load average."""
    cpu_before = session_cpu_seconds(session)
    figures = run(*args)
    cpu = session_cpu_seconds(session) - cpu_before
    figures["server_cpu_ms"] = round(cpu * 1000 / max(1, figures["requests"]), 2)
    figures["load1"] = round(os.getloadavg()[0], 2)
    return figures


def warm_cache(base: str, script: Path, connections: int, urls: int) -> dict:
    """Run passes over the rotation until two in a row are answered from the cache (bounded)."""
    passes, clean, misses = 0, 0, -1
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and passes < 200:
        passes += 1
        figures = run_wrk(base, script, connections, 3)
        misses = figures["misses"]
        clean = clean + 1 if misses == 0 and figures["hits"] >= urls else 0
        if clean == 2:
            break
    return {"passes": passes, "misses_last_pass": misses}


def warm_every_url(base: str, urls: list[str], workers: int) -> dict:
    """Request every URL of the rotation a few times on new connections, so that each worker
    holds what a running site keeps warm for its pages (remembered routes, cached fragments,
    renditions); otherwise the rotation of the large site is measured cold and the small one warm.
    """
    rounds = 2 * workers
    started = time.monotonic()

    def fetch(path: str) -> int:
        with urllib.request.urlopen(base + path, timeout=30) as response:  # new connection
            response.read()
            return response.status

    with concurrent.futures.ThreadPoolExecutor(max_workers=2 * workers) as pool:
        statuses = list(pool.map(fetch, urls * rounds))
    bad = sum(1 for status in statuses if status != 200)
    return {"warm_requests": len(statuses), "warm_seconds": round(time.monotonic() - started, 1),
            "warm_bad": bad}


# --- Orchestration --------------------------------------------------------------------------

def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update({
        "GAZETTE_DATA_DIR": str(data_dir), "DEBUG": "0", "DJANGO_SETTINGS_MODULE":
        "gazette.settings", "GAZETTE_BASE_URL": "http://127.0.0.1:8000", "PYTHONHASHSEED": "0",
    })
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
        for mode in ("uncached", "cached"):
            for attempt in range(3):  # a port taken meanwhile, a worker dying at start
                try:
                    rows.extend(measure(args, site, server, mode, env, data_dir, plain,
                                        counting))
                    break
                except ServerFailed as error:
                    print(f"   {server} {mode}: attempt {attempt + 1} failed: {error}",
                          file=sys.stderr, flush=True)
    return rows


def measure(args: argparse.Namespace, site: dict, server: str, mode: str, env: dict[str, str],
            data_dir: Path, plain: Path, counting: Path) -> list[dict]:
    urls, size, rows = site["urls"], site["size"], []
    port = free_port()
    command = server_commands(port, args.workers, args.threads)[server]
    base = f"http://127.0.0.1:{port}"
    server_env = {**env, "GAZETTE_PAGE_CACHE": "0" if mode == "uncached" else "1"}
    log = data_dir / f"server-{server}.log"
    with running_server(command, server_env, base + urls[0], log) as process:
        warm: dict = {}
        # New connections per request, so that every worker process gets warmed up.
        run_wrk(base, counting, args.connections, args.warmup)
        if mode == "cached":
            warm = warm_cache(base, counting, args.connections, len(urls))
        else:
            warm = warm_every_url(base, urls, args.workers)
            print(f"   {server:8} {mode:8} warm-up: every URL {2 * args.workers}x, "
                  f"{warm['warm_requests']} requests in {warm['warm_seconds']} s "
                  f"({warm['warm_requests'] / max(warm['warm_seconds'], 0.1):.0f} req/s, "
                  f"{warm['warm_bad']} not 200)", flush=True)
        for connections in (1, args.connections):
            figures = with_server_cost(
                process.pid, run_wrk, base, plain, connections, args.duration
            )
            row = {"articles": site["articles"], "size": size, "server": server,
                   "mode": mode, **figures, **warm,
                   "server_command": shlex.join(command),
                   "server_env": {k: server_env[k] for k in ("GAZETTE_PAGE_CACHE", "DEBUG")},
                   "wrk_command": shlex.join(wrk_command(
                       base, plain, connections, args.duration))}
            rows.append(row)
            print(f"   {server:8} {mode:8} c={connections:<3} {figures['rps']:8.1f} "
                  f"req/s  p50 {figures['p50_ms']:7.2f} ms  p90 "
                  f"{figures['p90_ms']:7.2f} ms  p99 {figures['p99_ms']:7.2f} ms"
                  f"  cpu {figures['server_cpu_ms']:6.2f} ms/req  errors "
                  f"{figures['errors']}  load {figures['load1']}", flush=True)
    return rows


def find(rows: list[dict], **match) -> dict | None:
    for row in rows:
        if all(row.get(k) == v for k, v in match.items()):
            return row
    return None


def report(args: argparse.Namespace, rows: list[dict]) -> list[str]:
    print("\narticles  server    mode      conns     req/s   p50 ms   p90 ms   p99 ms"
          "  cpu ms/req  errors  load")
    for row in rows:
        print(f"{row['articles']:>8}  {row['server']:8}  {row['mode']:8}  {row['connections']:>5}"
              f"  {row['rps']:8.1f}  {row['p50_ms']:7.2f}  {row['p90_ms']:7.2f}"
              f"  {row['p99_ms']:7.2f}  {row['server_cpu_ms']:10.2f}  {row['errors']:>6}"
              f"  {row['load1']:4.1f}{'  cache not warm' if row.get('misses_last_pass') else ''}")
    print("cpu ms/req: CPU time of all server processes per response (less sensitive than\n"
          "latency to other load on the machine); load: 1-minute load average after the run.")

    print("\nCached vs uncached (the baseline), same server and connections:")
    for row in rows:
        if row["mode"] != "cached":
            continue
        base = find(rows, size=row["size"], server=row["server"], mode="uncached",
                    connections=row["connections"])
        if base:
            print(f"  {row['articles']:>5} articles {row['server']:8} c={row['connections']:<3}"
                  f" {row['rps'] / base['rps']:6.1f}x req/s, p50 {base['p50_ms']:.2f} -> "
                  f"{row['p50_ms']:.2f} ms")

    verdicts = []
    sizes = sorted({row["size"] for row in rows})
    for server in args.servers:
        for size in sizes:
            single = find(rows, size=size, server=server, mode="uncached", connections=1)
            cached = find(rows, size=size, server=server, mode="cached",
                          connections=args.connections)
            if single:
                ok = single["p50_ms"] <= TARGET_P50_MS
                verdicts.append(f"{'PASS' if ok else 'FAIL'} {server} {size}: uncached p50 "
                                f"c=1 {single['p50_ms']:.2f} ms (target <= {TARGET_P50_MS:g})")
            if cached:
                ok = cached["rps"] >= TARGET_CACHED_RPS
                verdicts.append(f"{'PASS' if ok else 'FAIL'} {server} {size}: cached "
                                f"c={args.connections} {cached['rps']:.0f} req/s "
                                f"(target >= {TARGET_CACHED_RPS:g})")
        if len(sizes) >= 2:
            small, large = sizes[0], sizes[-1]
            for mode in ("uncached", "cached"):
                for connections in (1, args.connections):
                    a = find(rows, size=small, server=server, mode=mode, connections=connections)
                    b = find(rows, size=large, server=server, mode=mode, connections=connections)
                    if not (a and b):
                        continue
                    slower_p50 = b["p50_ms"] / a["p50_ms"] - 1
                    slower_rps = a["rps"] / b["rps"] - 1
                    slower_cpu = b["server_cpu_ms"] / a["server_cpu_ms"] - 1
                    ok = max(slower_p50, slower_rps) <= TARGET_SCALING
                    verdicts.append(
                        f"{'PASS' if ok else 'FAIL'} {server} {mode} c={connections}: "
                        f"{large} vs {small} articles p50 {slower_p50:+.0%}, req/s cost "
                        f"{slower_rps:+.0%}, server CPU/req {slower_cpu:+.0%} (target <= +10%; "
                        f"load {a['load1']:.1f} vs {b['load1']:.1f})")
    print("\nTargets:")
    for verdict in verdicts:
        print("  " + verdict)

    best = {}
    for mode in ("uncached", "cached"):
        candidates = [r for r in rows if r["mode"] == mode and r["size"] == sizes[-1]
                      and r["connections"] == args.connections]
        if candidates:
            top = max(candidates, key=lambda r: r["rps"])
            best[mode] = top["server"]
            print(f"Fastest server, {mode}, c={args.connections}, {top['articles']} articles: "
                  f"{top['server']} ({top['rps']:.0f} req/s)")
    return verdicts


def reproduce_command(args: argparse.Namespace) -> str:
    return shlex.join([
        ".venv/bin/python", "bench/site_load.py",
        "--articles", ",".join(str(s) for s in args.articles),
        "--duration", f"{args.duration:g}", "--warmup", f"{args.warmup:g}",
        "--connections", str(args.connections),
        "--servers", ",".join(args.servers), "--workers", str(args.workers),
        "--threads", str(args.threads), "--urls", str(args.urls),
    ])


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
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.setup_site is not None:
        _setup_site(args.setup_site, args.urls)
        return 0
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    command = reproduce_command(args)
    print(f"$ {command}")
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

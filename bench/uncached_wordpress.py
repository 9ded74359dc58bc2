#!/usr/bin/env python
"""Uncached pages side by side with WordPress: article, front page and a section, req/s and CPU.

    .venv/bin/python bench/uncached_wordpress.py --data-dir /tmp/gz-bench-sites/site-3000 \\
        --wordpress ../shared/peers/wordpress --rounds 3

Gazette runs as ``gazette run`` serves it (granian, ``gazette.cli.server_command``, 2 workers,
the embedded shared cache) with the page cache off (``GAZETTE_PAGE_CACHE=0``): every response is
rendered. WordPress is the peer of ``../shared/peers/wordpress`` (Debian's WordPress 6.1,
PHP-FPM with OPcache, MariaDB, nginx, no page cache plugin), started beforehand with its
``start.sh``; its ``urls.env`` names the post, and its category ``world`` is the section's
counterpart. Each pair (Gazette's page, then WordPress's, the order swapped every round) is
loaded with the same wrk settings one after the other, so that the machine's other load falls
on both alike; the ratio of each round is reported, and the best and median rounds. CPU per
response counts every process of each stack (Gazette's server session; php-fpm, MariaDB and
nginx with their children, from the peer's pid files), which other load moves far less than
req/s.

The site is one prepared by site_load.py (``--data-dir``; built if missing, a few minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

from site_load import URLS_FILE, base_env, prepare_site  # noqa: E402
from wrkload import (  # noqa: E402
    free_port,
    running_server,
    session_cpu_seconds,
    warm_every_url,
    wrk_figures,
)

TARGET_ARTICLE_RATIO = 5.0
WORDPRESS_SECTION = "/category/world/"
LUA = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, '
    .. '"p50_us": %%d, "p99_us": %%d, "non2xx": %%d}\\n', summary.requests, summary.duration,
    summary.bytes, latency:percentile(50), latency:percentile(99), summary.errors.status))
end
"""


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip().strip("'\"")
    return values


def wordpress_cpu_seconds(run_dir: Path) -> float:
    """CPU seconds so far of php-fpm, MariaDB and nginx, children included (the peer's pids)."""
    ticks = os.sysconf("SC_CLK_TCK")
    masters = []
    for name in ("php-fpm", "mariadbd", "nginx"):
        pid_file = run_dir / f"{name}.pid"
        if pid_file.exists():
            masters.append(int(pid_file.read_text().strip()))
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid in masters:
            total += sum(int(value) for value in fields[11:15])  # own and reaped children
        elif ppid in masters:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def load(base: str, paths: list[str], seconds: float, connections: int, scratch: Path,
         cpu: callable) -> dict:
    script = scratch / "paths.lua"
    script.write_text(LUA % ", ".join(json.dumps(path) for path in paths))
    before = cpu()
    figures = wrk_figures(base, script, connections, seconds)
    used = cpu() - before
    requests = max(1, figures["requests"])
    return {
        "rps": round(figures["requests"] / (figures["duration_us"] / 1e6), 1),
        "p50_ms": round(figures["p50_us"] / 1000, 2),
        "p99_ms": round(figures["p99_us"] / 1000, 2),
        "cpu_ms": round(used * 1000 / requests, 2),
        "kb": round(figures["bytes"] / requests / 1024, 1),
        "non2xx": figures["non2xx"],
        "load1": round(os.getloadavg()[0], 2),
    }


def size_of(url: str) -> int:
    with urllib.request.urlopen(url, timeout=60) as response:
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
        return len(response.read())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True,
                        help="a site prepared by site_load.py (built there if missing)")
    parser.add_argument("--articles", type=int, default=3000, help="size if the site is built")
    parser.add_argument("--wordpress", type=Path, default=ROOT.parent / "shared/peers/wordpress",
                        help="the WordPress peer's folder (its urls.env)")
    parser.add_argument("--wordpress-run", type=Path,
                        default=Path(os.environ.get("WP_ANCHOR_DIR",
                                                    Path.home() / ".cache/wp_anchor")) / "run",
                        help="the peer's run folder (pid files), for its CPU time")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)

    from gazette.cli import server_command

    wordpress = read_env_file(args.wordpress / "urls.env")
    wp_base = wordpress["WPA_URL_FRONT"].rstrip("/")
    wp_post = wordpress["WPA_URL_POST0"][len(wp_base):]
    if not (args.data_dir / URLS_FILE).exists():
        args.data_dir.mkdir(parents=True, exist_ok=True)
        print(f"preparing {args.articles} articles in {args.data_dir} ...", flush=True)
        prepare_site(args.data_dir, args.articles, 500,
                     {**base_env(args.data_dir), "GAZETTE_PAGE_CACHE": "0"})
    site = json.loads((args.data_dir / URLS_FILE).read_text())
    article = site["urls"][len(site["urls"]) // 2]
    section = "/" + article.strip("/").split("/")[0] + "/"
    pairs = {
        "article": (article, wp_post),
        "front page": ("/", "/"),
        "section": (section, WORDPRESS_SECTION),
    }
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**base_env(args.data_dir), "GAZETTE_PAGE_CACHE": "0",
           "GAZETTE_CACHE_DIR": str(args.data_dir / "bench-cache-uncached")}
    command = server_command("127.0.0.1", port, args.workers, "granian")
    rows: dict[str, list[tuple[dict, dict]]] = {name: [] for name in pairs}
    with tempfile.TemporaryDirectory(prefix="gazette-wp-") as scratch_name, \
            running_server(command, env, base + "/", Path(scratch_name) / "server.log") as server:
        scratch = Path(scratch_name)
        session = os.getsid(server.pid)

        def gazette_cpu() -> float:
            return session_cpu_seconds(session)

        def wordpress_cpu() -> float:
            return wordpress_cpu_seconds(args.wordpress_run)

        sizes = {name: (size_of(base + ours), size_of(wp_base + theirs))
                 for name, (ours, theirs) in pairs.items()}
        warm_every_url(base, [ours for ours, _ in pairs.values()], args.workers)
        for ours, theirs in pairs.values():  # warm-up of both stacks
            load(base, [ours], 3, args.connections, scratch, gazette_cpu)
            load(wp_base, [theirs], 3, args.connections, scratch, wordpress_cpu)
        for number in range(args.rounds):
            for name, (ours, theirs) in pairs.items():
                sides = [("gazette", base, ours, gazette_cpu),
                         ("wordpress", wp_base, theirs, wordpress_cpu)]
                if number % 2:
                    sides.reverse()
                got = {side: load(url_base, [path], args.duration, args.connections, scratch,
                                  cpu)
                       for side, url_base, path, cpu in sides}
                rows[name].append((got["gazette"], got["wordpress"]))
                print(f"round {number + 1} {name:10} Gazette {got['gazette']['rps']:8.1f} req/s "
                      f"{got['gazette']['cpu_ms']:6.2f} ms CPU | WordPress "
                      f"{got['wordpress']['rps']:7.1f} req/s {got['wordpress']['cpu_ms']:6.2f} ms "
                      f"CPU | x{got['gazette']['rps'] / got['wordpress']['rps']:.2f} "
                      f"(load {got['gazette']['load1']})", flush=True)

    print(f"\nUncached pages, Gazette ({site['articles']} stories, granian {args.workers} workers, "
          f"page cache off) against WordPress ({wp_base}, no page cache); wrk 1 thread, "
          f"{args.connections} connections, {args.duration:g} s each, {args.rounds} rounds "
          f"alternating; load at the end {os.getloadavg()[0]:.1f}")
    print(f"{'page':11}{'KB G / WP':>14}{'Gazette req/s':>16}{'WordPress':>12}"
          f"{'ratio best/median':>20}{'CPU ms G / WP':>16}{'CPU ratio':>11}")
    verdicts = []
    for name, results in rows.items():
        ratios = [ours["rps"] / theirs["rps"] for ours, theirs in results]
        cpu_ours = statistics.median(ours["cpu_ms"] for ours, _ in results)
        cpu_theirs = statistics.median(theirs["cpu_ms"] for _, theirs in results)
        print(f"{name:11}{sizes[name][0] / 1024:6.1f} / {sizes[name][1] / 1024:5.1f}"
              f"{max(o['rps'] for o, _ in results):16.1f}{max(t['rps'] for _, t in results):12.1f}"
              f"{max(ratios):12.2f} / {statistics.median(ratios):5.2f}"
              f"{cpu_ours:9.2f} / {cpu_theirs:5.2f}{cpu_theirs / cpu_ours:10.2f}x")
        if name == "article":
            verdicts.append(f"article >= {TARGET_ARTICLE_RATIO:g}x WordPress (median round): "
                            + ("PASS" if statistics.median(ratios) >= TARGET_ARTICLE_RATIO
                               else "FAIL"))
        bad = sum(o["non2xx"] + t["non2xx"] for o, t in results)
        if bad:
            verdicts.append(f"{name}: {bad} responses were not 2xx/3xx")
    print("\n".join(verdicts))
    command = [".venv/bin/python", "bench/uncached_wordpress.py", "--data-dir",
               str(args.data_dir), "--wordpress", str(args.wordpress), "--wordpress-run",
               str(args.wordpress_run), "--duration", f"{args.duration:g}", "--connections",
               str(args.connections), "--rounds", str(args.rounds)]
    print(f"\nReproduce: {shlex.join(command)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The server and wrk machinery of the site benchmarks (site_load.py, akismet_http.py).

A server started in a session of its own (so that it and its workers, and nothing else, can
be stopped and their CPU time counted), wrk driven by generated Lua scripts whose ``done()``
hook prints the run's figures as one JSON line, and the warm-up passes of the page cache.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
    """``command`` with ``env`` as ``gazette run`` starts its processes (its malloc setting
    added: ``gazette.cli.serving_environment``), answering ``probe``; stopped afterwards."""
    from gazette.cli import serving_environment

    start = log.stat().st_size if log.exists() else 0
    with log.open("ab") as log_file:
        process = subprocess.Popen(command, env=serving_environment(env), cwd=ROOT,
                                   stdout=log_file,
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

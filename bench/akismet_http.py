#!/usr/bin/env python
"""Load the Akismet-compatible API through the real server with wrk: comment-check latency.

    .venv/bin/python bench/akismet_http.py [--duration 10] [--connections 8] [--workers 2]
        [--threads 4] [--examples 2000] [--history 3000] [--bodies 2000]
        [--database-url postgres://...] [--redis-url redis://...] [--profile 500]

The target (the issue's): comment-check over HTTP on loopback p99 <= 10 ms (Akismet's Python
client gives up after 1 s).

What it does:

1. A fresh private GAZETTE_DATA_DIR (SQLite there, or ``--database-url``, whose antispam
   tables are emptied first): ``migrate``, an API key (``keys.key_create``), the engine
   seeded with ``--examples`` synthetic labelled comments (``gazette antispam train``: batch
   training and a snapshot), then ``--history`` synthetic checks recorded in-process, so that
   the recent-activity tables hold what a busy week leaves there.
2. ``--bodies`` WordPress-like form bodies are generated (seeded, so every run posts the same):
   varied ham and spam texts (short to several paragraphs, links, floods of near duplicates),
   authors, e-mails, IPs (some networks bursting), articles, user agents, and about a third
   with the hundreds of ``$_SERVER`` fields the WordPress plugin sends.
3. The server is started exactly as ``gazette run`` serves (``gazette.cli.server_command``:
   granian, WSGI, ``--workers`` processes of ``--threads`` blocking threads), DEBUG off, on a
   private port, and loaded with wrk (Lua scripts cycling through the bodies), first with one
   connection, then with ``--connections``. Endpoints, in the same run, each after a short
   warm-up that checks every answer:

   * ``test``: ``GET /akismet/1.1/test``, the floor of the server (routing, middleware);
   * ``verify-key``: ``POST /akismet/1.1/verify-key``: + form parsing and the key lookup;
   * ``check-test``: comment-check with ``is_test=1``: + the engine and the history reads,
     no writes;
   * ``comment-check``: the real thing: + recording the activity and the counts.

4. ``--profile N``: N comment-checks in-process (Django's test Client, same data) with every
   query counted and timed, the engine's ``keys``/``check`` timed, and a cProfile listing: how
   much of a check is the engine and how much the Django side.

Percentiles come from wrk's latency histogram (``--latency``, Lua ``done()``); ``cpu ms/req``
is the CPU of every server process per response (less sensitive than latency to other load
on this 2-core machine, where wrk itself takes a share). The figures, the verdict and the
command that reproduces them are printed; a JSON copy goes to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

# The in-process profile and the WordPress-like bodies live in modules of their own
# (akismet_forms.py and antispam_record.py import BLOG, bodies and form from here).
from akismet_profile import profile_checks  # noqa: E402
from akismet_traffic import BLOG, bodies, encode, form, training_rows  # noqa: E402
from site_load import (  # noqa: E402  (the site benchmark's server helpers)
    FOREIGN_ENV,
    ServerFailed,
    free_port,
    latency_summary,
    lua_done,
    lua_threads,
    running_server,
    with_server_cost,
    wrk_command,
    wrk_figures,
)

RESULTS_DIR = BENCH_DIR / "results"
TARGET_P99_MS = 10.0
SETUP_FILE = "akismet_bench.json"
ENDPOINTS = ("test", "verify-key", "check-test", "comment-check")

# --- Preparation (in a child process, so settings see the private data folder) ---------------

def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    import django

    django.setup()


def empty_tables(*models) -> None:
    """Empty tables of a server database as a fresh one would be, storage and all."""
    from django.db import connection

    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def _setup(examples: int, history: int) -> None:
    _django()
    import csv

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from gazette.antispam import keys, models
    from gazette.antispam.akismet import protocol

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor != "sqlite":
        # A shared server database: start the antispam tables empty, as in a fresh folder.
        # TRUNCATE, not DELETE: deleted rows stay in the tables and their indexes until a
        # vacuum, and each run measured slower than the last (246,760 dead band rows after
        # a dozen runs).
        empty_tables(models.RecentBand, models.RecentSubmission, models.UsageCount,
                     models.DailyCount, models.LabelledExample, models.EngineSnapshot,
                     models.EnginePool, models.ApiKeySite, models.ApiKey)
    api_key = keys.key_create(sites=[BLOG], name="akismet_http benchmark")
    if examples:
        path = Path(settings.DATA_DIR, "seed.csv")
        rows = training_rows(examples)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        call_command("antispam", "train", str(path), "--own")  # the site's own decisions
    seeded = time.perf_counter()
    # Recent activity, as the API records it (other seeds than the measured bodies).
    rng = random.Random(3)
    for i in range(history):
        data = form(rng, api_key.key, i)
        keys.key_spam_check(api_key=api_key, site=models.site_host(BLOG),
                            submission=protocol.submission_from(data))
    Path(settings.DATA_DIR, SETUP_FILE).write_text(json.dumps({
        "key": api_key.key, "examples": examples, "history": history,
        "vendor": connection.vendor,
        "seed_seconds": round(seeded - started, 1),
        "history_seconds": round(time.perf_counter() - seeded, 1),
    }))


def prepare(data_dir: Path, env: dict[str, str], args: argparse.Namespace) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--setup",
               "--examples", str(args.examples), "--history", str(args.history)]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=3600)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit("setup failed")
    return json.loads((data_dir / SETUP_FILE).read_text())


# --- In-process profile: engine vs Django, queries --------------------------------------------

def _profile(count: int, out: Path) -> None:
    _django()
    from django.conf import settings

    setup = json.loads(Path(settings.DATA_DIR, SETUP_FILE).read_text())
    profile_checks(setup["key"], count, out)


def run_profile(env: dict[str, str], count: int, data_dir: Path) -> dict:
    out = data_dir / "profile.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--profile-child", str(count)]
    result = subprocess.run(command, env={**env, "GAZETTE_PROFILE_OUT": str(out)}, cwd=ROOT,
                            capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit("profile failed")
    return json.loads(out.read_text())


# --- wrk ------------------------------------------------------------------------------------

LUA_TEMPLATE = """
local method, path = %(method)s, %(path)s
local bodies = {%(bodies)s}
local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
%(threads)s
bad, spam, ham, other = 0, 0, 0, 0

function request()
  if #bodies == 0 then
    return wrk.format(method, path)
  end
  counter = counter %% #bodies + 1
  return wrk.format(method, path, headers, bodies[counter])
end
%(response)s
%(done)s"""

# Only for the warm-up pass: checks every answer (a response() hook makes wrk parse them all).
LUA_CHECK = """
local expected = {%(expected)s}

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1
  elseif body == "true" then spam = spam + 1
  elseif body == "false" then ham = ham + 1
  elseif not expected[body] then other = other + 1 end
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # URL-encoded bodies are ASCII: a JSON string is a Lua string


def write_lua(path: Path, method: str, url_path: str, posted: list[str],
              check: tuple[str, ...] | None) -> None:
    """``check``: the answers expected besides ``true``/``false`` (None: no checking)."""
    response = ""
    if check is not None:
        response = LUA_CHECK % {"expected": ", ".join(f"[{lua_string(w)}] = true"
                                                      for w in check)}
    path.write_text(LUA_TEMPLATE % {
        "method": lua_string(method), "path": lua_string(url_path),
        "bodies": ",\n".join(lua_string(b) for b in posted), "response": response,
        "threads": lua_threads(389), "done": lua_done(("bad", "spam", "ham", "other")),
    })


def run_wrk(base: str, script: Path, connections: int, seconds: float) -> dict:
    figures = wrk_figures(base, script, connections, seconds)
    return {
        **latency_summary(figures, connections),
        "bad": figures["bad"], "spam": figures["spam"], "ham": figures["ham"],
        "other": figures["other"],
    }


# --- Orchestration --------------------------------------------------------------------------

def base_env(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update({"GAZETTE_DATA_DIR": str(data_dir), "DEBUG": "0", "PYTHONHASHSEED": "0",
                "DJANGO_SETTINGS_MODULE": "gazette.settings",
                # This checkout's code, whatever the virtualenv has installed.
                "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get(
                    "PYTHONPATH", "")) if p)})
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def endpoint_scripts(key: str, data_dir: Path, count: int) -> dict[str, tuple[Path, Path]]:
    checks = bodies(key, count)
    tests = bodies(key, count, is_test=True)
    verify = [encode({"key": key, "blog": BLOG})]
    plans = {
        "test": ("GET", "/akismet/1.1/test", [], ("connected",)),
        "verify-key": ("POST", "/akismet/1.1/verify-key", verify, ("valid",)),
        "check-test": ("POST", "/akismet/1.1/comment-check", tests, ()),
        "comment-check": ("POST", "/akismet/1.1/comment-check", checks, ()),
    }
    scripts = {}
    for name, (method, url_path, posted, expected) in plans.items():
        plain, checked = data_dir / f"{name}.lua", data_dir / f"{name}-check.lua"
        write_lua(plain, method, url_path, posted, check=None)
        write_lua(checked, method, url_path, posted, check=expected)
        scripts[name] = (plain, checked)
    return scripts


def measure(args: argparse.Namespace, env: dict[str, str], data_dir: Path,
            scripts: dict[str, tuple[Path, Path]], setup: dict,
            variant: str = "gazette.wsgi") -> list[dict]:
    from gazette.cli import server_command

    port = args.port or free_port()
    command = server_command("127.0.0.1", port, args.workers, "granian")
    command[command.index("--blocking-threads") + 1] = str(args.threads)
    base = f"http://127.0.0.1:{port}"
    rows = []
    log = data_dir / "server.log"
    with running_server(command, env, base + "/akismet/1.1/test", log) as process:
        for name in args.endpoints:
            plain, checked = scripts[name]
            # Warm-up: every worker and thread loads its engine and opens its connection;
            # every answer is checked.
            warm = run_wrk(base, checked, args.connections, args.warmup)
            if warm["bad"] or warm["errors"] or warm["other"]:
                raise SystemExit(f"{name}: {warm['bad']} non-200 answers, {warm['errors']} "
                                 f"errors, {warm['other']} unexpected bodies in the warm-up; "
                                 f"see {log}")
            for connections in (1, args.connections):
                figures = with_server_cost(
                    process.pid, run_wrk, base, plain, connections, args.duration
                )
                row = {"endpoint": name, "variant": variant, "database": setup["vendor"],
                       **figures,
                       "warmup_spam": warm["spam"], "warmup_ham": warm["ham"],
                       "server_command": shlex.join(command),
                       "wrk_command": shlex.join(wrk_command(base, plain, connections,
                                                             args.duration))}
                rows.append(row)
                print(f"   {variant:12} {name:13} c={connections:<3} {figures['rps']:7.1f} "
                      f"req/s  p50 "
                      f"{figures['p50_ms']:6.2f}  p90 {figures['p90_ms']:6.2f}  p99 "
                      f"{figures['p99_ms']:6.2f}  max {figures['max_ms']:7.2f} ms  cpu "
                      f"{figures['server_cpu_ms']:5.2f} ms/req  errors {figures['errors']}  "
                      f"load {figures['load1']}", flush=True)
    return rows


def report(args: argparse.Namespace, rows: list[dict], profile: dict | None) -> list[str]:
    print("\nserver        endpoint       conns     req/s   p50 ms   p90 ms   p99 ms    max ms"
          "  cpu ms/req  errors  load")
    for row in rows:
        print(f"{row['variant']:12}  {row['endpoint']:13}  {row['connections']:>5}  "
              f"{row['rps']:8.1f}  {row['p50_ms']:7.2f}  {row['p90_ms']:7.2f}  "
              f"{row['p99_ms']:7.2f}  {row['max_ms']:8.2f}  {row['server_cpu_ms']:10.2f}  "
              f"{row['errors']:>6}  {row['load1']:4.1f}")
    checks = [r for r in rows if r["endpoint"] == "comment-check"]
    floor = {(r["variant"], r["connections"]): r for r in rows if r["endpoint"] == "test"}
    if floor and checks:
        print("\ncomment-check above the floor (GET /akismet/1.1/test), same server and "
              "connections:")
        for row in checks:
            base = floor.get((row["variant"], row["connections"]))
            if base:
                print(f"  {row['variant']:12} c={row['connections']:<3} p50 "
                      f"+{row['p50_ms'] - base['p50_ms']:.2f} ms, p99 "
                      f"+{row['p99_ms'] - base['p99_ms']:.2f} ms, cpu/req "
                      f"+{row['server_cpu_ms'] - base['server_cpu_ms']:.2f} ms")
    if profile:
        engine, cpu = profile["engine_ms"], profile["cpu_ms_percentiles"]
        own = engine["keys"] + engine["check"]
        rest = profile["cpu_ms_per_check"] - own - engine["near_duplicates"]
        print(f"\nIn-process, {profile['checks']} checks through Django's test Client (CPU time "
              f"of the thread): {profile['cpu_ms_per_check']:.2f} ms a check "
              f"({profile['ms_per_check']:.2f} ms wall); per check p50 "
              f"{cpu['p50']:.2f}, p90 {cpu['p90']:.2f}, p99 {cpu['p99']:.2f}, max "
              f"{cpu['max']:.2f} ms\n"
              f"  engine (keys {engine['keys']:.2f} + check {engine['check']:.2f}): "
              f"{own:.2f} ms ({own / profile['cpu_ms_per_check']:.0%})\n"
              f"  near-duplicate confirmation (the engine's count_near_duplicate_groups, called by "
              f"the history): {engine['near_duplicates']:.2f} ms\n"
              f"  Django side (request, key, history queries, recording, response): "
              f"{rest:.2f} ms ({rest / profile['cpu_ms_per_check']:.0%}), "
              f"{profile['queries_per_check']:.1f} queries a check:")
        for kind, figures in profile["queries"].items():
            print(f"    {figures['per_check']:5.2f} x {kind:36} {figures['ms_per_check']:6.3f} ms")
    verdicts = []
    for row in checks:
        ok = row["p99_ms"] <= TARGET_P99_MS
        verdicts.append(f"{'PASS' if ok else 'FAIL'} comment-check c={row['connections']}: "
                        f"p99 {row['p99_ms']:.2f} ms (target <= {TARGET_P99_MS:g} ms), "
                        f"{row['database']}, {row['variant']}, load {row['load1']:.1f}")
    print("\nTarget:")
    for verdict in verdicts:
        print("  " + verdict)
    return verdicts


def reproduce_command(args: argparse.Namespace) -> str:
    command = [".venv/bin/python", "bench/akismet_http.py",
               "--duration", f"{args.duration:g}", "--warmup", f"{args.warmup:g}",
               "--connections", str(args.connections), "--workers", str(args.workers),
               "--threads", str(args.threads), "--examples", str(args.examples),
               "--history", str(args.history), "--bodies", str(args.bodies),
               "--endpoints", ",".join(args.endpoints)]
    command += ["--profile", str(args.profile)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    if args.redis_url:
        command += ["--redis-url", args.redis_url]
    return shlex.join(command)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=3,
                        help="seconds of checked warm-up per endpoint")
    parser.add_argument("--connections", type=int, default=8,
                        help="the moderate concurrency (the first pass is always 1)")
    parser.add_argument("--workers", type=int, default=2, help="granian workers (as `run`)")
    parser.add_argument("--threads", type=int, default=4, help="granian blocking threads")
    parser.add_argument("--examples", type=int, default=2000,
                        help="synthetic labelled comments the engine is trained on")
    parser.add_argument("--history", type=int, default=3000,
                        help="checks recorded before the measurement (recent activity)")
    parser.add_argument("--bodies", type=int, default=2000,
                        help="distinct comment-check bodies in the rotation")
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS),
                        help="which of test,verify-key,check-test,comment-check to load")
    parser.add_argument("--profile", type=int, default=500,
                        help="comment-checks profiled in-process (0: none)")
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL URL (its antispam tables are emptied!)")
    parser.add_argument("--redis-url", default="", help="a Redis URL for the cache")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--data-dir", help="the private data folder (default: a fresh "
                        "temporary one, deleted afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.endpoints = [e for e in args.endpoints.split(",") if e.strip()]
    unknown = set(args.endpoints) - set(ENDPOINTS)
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.setup:
        _setup(args.examples, args.history)
        return 0
    if args.profile_child is not None:
        _profile(args.profile_child, Path(os.environ["GAZETTE_PROFILE_OUT"]))
        return 0
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    command = reproduce_command(args)
    print(f"$ {command}", flush=True)
    if args.data_dir:
        data_dir = Path(args.data_dir).resolve()
        if data_dir.exists() and any(data_dir.iterdir()):
            if not (data_dir / SETUP_FILE).exists():
                raise SystemExit(f"{data_dir} is not empty and not a folder of this benchmark")
            shutil.rmtree(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="gazette-akismet-http-"))
    env = base_env(args, data_dir)
    rows: list[dict] = []
    profile = None
    try:
        started = time.perf_counter()
        setup = prepare(data_dir, env, args)
        print(f"== {setup['vendor']}: {setup['examples']} labelled examples (trained in "
              f"{setup['seed_seconds']} s), {setup['history']} checks of recent activity "
              f"({setup['history_seconds']} s); setup {time.perf_counter() - started:.0f} s",
              flush=True)
        scripts = endpoint_scripts(setup["key"], data_dir, args.bodies)
        if args.profile:
            profile = run_profile(env, args.profile, data_dir)
        for attempt in range(3):  # a port taken meanwhile, a worker dying at start
            try:
                rows += measure(args, env, data_dir, scripts, setup)
                break
            except ServerFailed as error:
                print(f"   attempt {attempt + 1} failed: {error}", file=sys.stderr,
                      flush=True)
    finally:
        if args.keep or args.data_dir:
            print(f"Data folder kept in {data_dir}")
        else:
            with contextlib.suppress(OSError):
                shutil.rmtree(data_dir)
    verdicts = report(args, rows, profile)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS_DIR / f"akismet_http-{stamp}.json"
    out.write_text(json.dumps({
        "command": command, "when": stamp, "commit": _commit(), "machine": {
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform()},
        "setup": setup, "rows": rows, "profile": profile, "verdicts": verdicts,
    }, indent=2))
    print(f"\nResults: {out.relative_to(ROOT)}\nReproduce: {command}")
    return 0


def _commit() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10).stdout.strip()
    return ""


if __name__ == "__main__":
    sys.exit(main())

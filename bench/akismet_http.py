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
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

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
BLOG = "https://blog.example.org"
SETUP_FILE = "akismet_bench.json"
ENDPOINTS = ("test", "verify-key", "check-test", "comment-check")
TABLE_RE = re.compile(r"antispam_[a-z]+")

# --- Synthetic WordPress traffic --------------------------------------------------------------

HAM_OPENERS = [
    "Thanks for this piece.", "Interesting read.", "I live on that street and", "Good article,",
    "As a teacher in the district,", "Not sure I agree:", "Finally someone reports on this.",
    "My grandmother remembers when", "Quick correction:", "I was at the meeting and",
    "Could you follow up on this?", "Well written, but", "This matches what we saw",
]
HAM_TOPICS = [
    "the council budget", "the new cycle lane", "the harbour redevelopment", "the bus timetable",
    "the school merger", "the library opening hours", "flooding on the ring road",
    "the hospital car park", "the housing plan for the old mill", "the summer festival",
    "the recycling collection changes", "the football club's new stadium", "the tram extension",
    "the market square repairs", "the water bill increase", "the bridge closure",
]
HAM_MIDDLES = [
    "the figures quoted seem to be from last year", "nobody asked the residents first",
    "the mayor promised something different in March", "the consultation closed too early",
    "we have waited six years for this", "the map in the second paragraph is out of date",
    "it will cost more than they say", "my neighbours feel the same way",
    "the photos really show how bad it got", "the minutes of the meeting are online",
    "traffic has doubled since the works started", "our children walk that way every day",
    "I wrote to my councillor about it twice", "the opposition voted for it as well",
]
HAM_CLOSERS = [
    "Keep up the good work.", "Will you cover the next meeting?", "Thanks again.",
    "Looking forward to the follow-up.", "Who can we contact about this?", "",
    "I hope someone listens this time.", "Great photos by the way.", "Cheers.",
]
SPAM_PHRASES = [
    "buy cheap pills online", "best price guaranteed", "click here to claim your prize",
    "earn money from home fast", "free spins casino bonus", "replica watches discount",
    "lose weight in 7 days", "crypto investment doubles your money", "hot singles near you",
    "cheap followers and likes", "no prescription needed", "limited offer act now",
    "work from home 5000 dollars a week", "best seo backlinks service", "payday loans approved",
]
SPAM_DOMAINS = ["cheap-meds.example", "casino-win.example", "seo-links.example",
                "fastcash.example", "replica.example", "crypto-gain.example"]
FIRST = ["Ann", "Bob", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas",
         "Kate", "Liam", "Maria", "Noah", "Olga", "Pierre", "Quinn", "Rosa", "Sam", "Tariq"]
LAST = ["Reader", "Smith", "Okafor", "Nguyen", "Garcia", "Muller", "Rossi", "Kowalski",
        "Dubois", "Jensen", "Silva", "Brown", "Haddad", "Ito", "Novak", "Evans"]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
    "python-requests/2.31", "curl/8.5.0",
]


def ham_text(rng: random.Random) -> str:
    sentences = [f"{rng.choice(HAM_OPENERS)} {rng.choice(HAM_MIDDLES)} about "
                 f"{rng.choice(HAM_TOPICS)}."]
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 5, 8, 14))):
        sentences.append(f"{rng.choice(HAM_MIDDLES).capitalize()}, and "
                         f"{rng.choice(HAM_MIDDLES)}.")
    sentences.append(rng.choice(HAM_CLOSERS))
    return " ".join(s for s in sentences if s)


def spam_text(rng: random.Random) -> str:
    words = [rng.choice(SPAM_PHRASES) for _ in range(rng.randint(2, 12))]
    links = [f"https://{rng.choice(SPAM_DOMAINS)}/{rng.randint(1, 999)}"
             for _ in range(rng.choice((0, 1, 1, 2, 3, 6, 16)))]
    return " ".join(words).capitalize() + "! " + " ".join(links)


def person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    mail = f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@" + rng.choice(
        ("example.net", "mail.example.com", "example.org"))
    return f"{first} {last}", mail


def comment(rng: random.Random, index: int, spam: bool) -> dict[str, str]:
    """One comment as a CSV row for training: text, label, author, email, url, ip, article."""
    name, mail = person(rng)
    if spam:
        text = spam_text(rng)
        ip = f"198.51.{rng.randint(0, 3)}.{rng.randint(1, 254)}"
        url = f"https://{rng.choice(SPAM_DOMAINS)}/"
    else:
        text = ham_text(rng)
        ip = f"203.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        url = "" if rng.random() < 0.7 else f"https://{name.split()[0].lower()}.example.net/"
    return {"text": text, "label": "spam" if spam else "ham", "author": name, "email": mail,
            "url": url, "ip": ip, "article": f"{BLOG}/2026/11/story-{index % 60}/"}


def training_rows(count: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [comment(rng, i, spam=rng.random() < 0.4) for i in range(count)]


def form(rng: random.Random, key: str, index: int) -> dict[str, str | list[str]]:
    """A comment-check form as the WordPress Akismet plugin posts it."""
    kind = rng.random()
    row = comment(rng, index, spam=kind < 0.35)
    if 0.35 <= kind < 0.42:
        # A flood: one of a few spam texts, lightly varied, on many articles from one network.
        row["text"] = f"{SPAM_PHRASES[index % 3]} now, visit https://flood.example/{index % 5} "
        row["text"] += f"offer {rng.randint(1, 9)}"
        row["ip"] = f"192.0.2.{rng.randint(1, 254)}"
    data: dict[str, str | list[str]] = {
        "api_key": key, "blog": BLOG, "user_ip": row["ip"],
        "user_agent": rng.choice(AGENTS), "referrer": row["article"],
        "permalink": row["article"], "comment_type": rng.choice(("comment", "comment", "reply")),
        "comment_author": row["author"], "comment_author_email": row["email"],
        "comment_author_url": row["url"], "comment_content": row["text"],
        "blog_lang": "en_US", "blog_charset": "UTF-8",
        "comment_date_gmt": f"2026-11-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:"
                            f"{rng.randint(0, 59):02d}:00",
        "comment_post_modified_gmt": "2026-11-01 08:00:00",
        "user_role": "", "honeypot_field_name": "ak_hp_textarea", "ak_hp_textarea": "",
        "comment_context[]": rng.sample(["council", "harbour", "transport", "schools", "sport",
                                         "culture", "weather"], 2),
    }
    if rng.random() < 0.33:
        # The whole $_SERVER and $_POST, as the plugin sends them.
        data.update({"comment_post_ID": str(rng.randint(1000, 99999)), "comment_parent": "0",
                     "akismet_comment_nonce": "passed", "POST_comment": row["text"],
                     "SERVER_REQUEST_METHOD": "POST", "SERVER_HTTP_HOST": "blog.example.org",
                     "SERVER_REMOTE_ADDR": row["ip"], "SERVER_HTTP_USER_AGENT": data["user_agent"]})
        for i in range(rng.randint(40, 300)):
            data[f"SERVER_HTTP_X_HEADER_{i}"] = f"value-{rng.randint(0, 10**6)}"
    return data


def encode(data: dict[str, str | list[str]]) -> str:
    return urllib.parse.urlencode(data, doseq=True)


def bodies(key: str, count: int, seed: int = 11, is_test: bool = False) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        data = form(rng, key, i)
        if is_test:
            data["is_test"] = "1"
        out.append(encode(data))
    return out


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
    import cProfile
    import io
    import pstats
    from collections import Counter, defaultdict

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from gazette.antispam import activity as history
    from gazette.antispam.engine.engine import Engine

    setup = json.loads(Path(settings.DATA_DIR, SETUP_FILE).read_text())
    posted = bodies(setup["key"], count, seed=23)
    # CPU time of this thread (not wall time): the machine may be shared.
    clock = time.thread_time
    engine_time = {"keys": 0.0, "check": 0.0, "near_duplicates": 0.0}
    targets = {"keys": (Engine, "keys"), "check": (Engine, "check"),
               "near_duplicates": (history, "count_near_duplicate_groups")}
    original = {name: getattr(owner, attr) for name, (owner, attr) in targets.items()}

    def timed(name):
        def wrapper(*a, **kw):
            t0 = clock()
            try:
                return original[name](*a, **kw)
            finally:
                engine_time[name] += clock() - t0
        return wrapper

    queries: Counter[str] = Counter()
    query_time: defaultdict[str, float] = defaultdict(float)

    def watch(execute, sql, params, many, context):
        t0 = clock()
        try:
            return execute(sql, params, many, context)
        finally:
            verb = sql.split(None, 1)[0].upper()
            table = TABLE_RE.search(sql)
            kind = f"{verb} {table.group(0)}" if table else " ".join(sql.split()[:3])
            queries[kind] += 1
            query_time[kind] += clock() - t0

    client = Client()
    url = "/akismet/1.1/comment-check"
    ctype = "application/x-www-form-urlencoded"
    for body in bodies(setup["key"], 50, seed=22):  # warm: engine loaded, connection open
        client.post(url, body, content_type=ctype)
    # 1. Plain: what a check costs. 2. The same again with the engine and the queries timed.
    # 3. cProfile. Each pass posts other comments, so none is an exact repeat of the last.
    started, cpu_started = time.perf_counter(), clock()
    each: list[float] = []
    for body in posted:
        t0 = clock()
        response = client.post(url, body, content_type=ctype)
        each.append((clock() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    total, cpu = time.perf_counter() - started, clock() - cpu_started
    each.sort()
    for name, (owner, attr) in targets.items():
        setattr(owner, attr, timed(name))
    try:
        with connection.execute_wrapper(watch):
            for body in bodies(setup["key"], count, seed=24):
                client.post(url, body, content_type=ctype)
    finally:
        for name, (owner, attr) in targets.items():
            setattr(owner, attr, original[name])
    profiler = cProfile.Profile()
    profiler.enable()
    for body in bodies(setup["key"], count, seed=25):
        client.post(url, body, content_type=ctype)
    profiler.disable()
    listing = io.StringIO()
    pstats.Stats(profiler, stream=listing).sort_stats("cumulative").print_stats(40)
    per = 1000 / count
    out.write_text(json.dumps({
        "checks": count,
        "ms_per_check": round(total * per, 3),
        "cpu_ms_per_check": round(cpu * per, 3),
        # Per check, the CPU time of the thread: what one request costs on an idle core.
        "cpu_ms_percentiles": {f"p{q}": round(each[min(len(each) - 1, len(each) * q // 100)], 3)
                               for q in (50, 90, 99)} | {"max": round(each[-1], 3)},
        "engine_ms": {name: round(seconds * per, 3) for name, seconds in engine_time.items()},
        "queries_per_check": round(sum(queries.values()) / count, 2),
        "queries": {kind: {"per_check": round(n / count, 2),
                           "ms_per_check": round(query_time[kind] * per, 3)}
                    for kind, n in queries.most_common()},
        "cprofile": listing.getvalue(),
    }, indent=2))


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

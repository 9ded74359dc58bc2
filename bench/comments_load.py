#!/usr/bin/env python
"""Many concurrent comment posters against the real server; afterwards, nothing lost and
nothing doubled.

    .venv/bin/python bench/comments_load.py [--duration 60] [--concurrency 16]
        [--database-url postgres://postgres@127.0.0.1:5432/test] [--rounds 1]

For each database (SQLite in a fresh GAZETTE_DATA_DIR; and PostgreSQL when ``--database-url``
or DATABASE_URL is given: a database created for the run on that server and dropped after it)
the demo newsroom plus synthetic stories is prepared and ``gazette run`` serves it with its two
web processes (granian workers), task worker and scheduler.

``--concurrency`` posters then post for ``--duration`` seconds as readers without script
would, through the plain form: the story's form token (from the article page, read once per
story), the script's per-view token (one GET of ``/comments/token/<id>/`` for every post, used
``--token-age`` seconds later, so the pipeline sees a person's timing rather than a bot's),
Origin of the site, every post from a loopback address and an email of its own (the 15-second
flood rule is per address and per email), a text carrying a unique marker.

Afterwards the database is read: every post answered 303 must be stored exactly once, every
post answered anything else (an error status, or no answer) not at all. Printed: posts/s (303s
a second), the answers' status counts, POST latency, the check's result and the command.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import itertools
import json
import os
import platform
import random
import shlex
import shutil
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments_common import (  # noqa: E402
    BROWSERS,
    FORM_HEADERS,
    RESULTS_DIR,
    ROOT,
    corpus_texts,
    form_body,
    http_request,
    js_token,
    load_average,
    page_form,
    postgres_database,
    prepare_site,
    reader_address,
    running_gazette,
    setup_site,
    site_env,
    tree_cpu_seconds,
)

SCRIPT = Path(__file__).resolve()


@dataclass
class Sent:
    number: int
    marker: str
    status: int
    seconds: float
    error: str = ""


def marker_of(run: str, number: int) -> str:
    return f"[bench {run} #{number}]"


def count_markers(run: str) -> None:
    """Child process: how many stored comments carry each marker of ``run`` (JSON)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    django.setup()
    from gazette.comments.models import Comment

    counts: collections.Counter[str] = collections.Counter()
    for text in Comment.objects.filter(text__contains=f"[bench {run} #").values_list(
            "text", flat=True).iterator():
        start = text.index(f"[bench {run} #")
        counts[text[start:text.index("]", start) + 1]] += 1
    print(json.dumps(counts))


def stored_markers(env: dict[str, str], run: str) -> dict[str, int]:
    import subprocess

    done = subprocess.run([sys.executable, str(SCRIPT), "--count-markers", run], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit("counting the stored comments failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def story_forms(port: int, stories: list[dict]) -> list[tuple[dict, str, dict[str, str]]]:
    """(story, form action, form fields) of every story, from its article page."""
    forms = []
    for story in stories:
        page = http_request(port, "GET", story["url"])
        form = page_form(page.body) if page.status == 200 else None
        if form is None:
            raise SystemExit(f"{story['url']}: no comment form (HTTP {page.status})")
        forms.append((story, form.action, form.fields))
    return forms


def post_for(args: argparse.Namespace, port: int, base: str, forms: list, texts: list[str],
             run: str, deadline: float, numbers: itertools.count, lock: threading.Lock,
             sent: list[Sent]) -> None:
    """One poster: a token fetched now, a post with the token fetched ``token_age`` ago."""
    rng = random.Random(f"{run}-{threading.get_ident()}")
    waiting: collections.deque = collections.deque()
    while time.monotonic() < deadline:
        with lock:
            number = next(numbers)
        story, action, fields = forms[number % len(forms)]
        source = reader_address(number % 63000)
        referer = base + story["url"]
        token = js_token(http_request(port, "GET", f"/comments/token/{story['id']}/",
                                      source=source, headers={"Referer": referer}))
        waiting.append((time.monotonic(), number, action, fields, token, source, referer))
        if waiting[0][0] > time.monotonic() - args.token_age:
            continue
        _, number, action, fields, token, source, referer = waiting.popleft()
        marker = marker_of(run, number)
        body = {**fields, "comment": f"{rng.choice(texts)}\n\n{marker}",
                "author": f"Poster {number}", "email": f"poster.{run}.{number}@example.net",
                "url": "", "parent": "", "js_token": token, "subject": ""}
        answer = http_request(port, "POST", action, body=form_body(body), source=source,
                              headers={**FORM_HEADERS, "Origin": base, "Referer": referer,
                                       "User-Agent": BROWSERS[number % len(BROWSERS)]})
        with lock:
            sent.append(Sent(number, marker, answer.status, answer.seconds, answer.error))


def measure(args: argparse.Namespace, database: str, env: dict[str, str], data_dir: Path,
            stories: list[dict], texts: list[str], round_number: int) -> dict:
    run = uuid.uuid4().hex[:8]
    with running_gazette(env, data_dir, args.workers, name=f"load-{database}") as server:
        forms = story_forms(server.port, stories[: args.stories])
        numbers, lock, sent = itertools.count(), threading.Lock(), []
        cpu_before = tree_cpu_seconds(server.process.pid)
        started = time.monotonic()
        deadline = started + args.duration + args.token_age
        threads = [threading.Thread(target=post_for, args=(
            args, server.port, server.base, forms, texts, run, deadline, numbers, lock, sent))
            for _ in range(args.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Posts start after the first tokens have aged: that first stretch is not counted.
        seconds = time.monotonic() - started - args.token_age
        cpu = tree_cpu_seconds(server.process.pid) - cpu_before
    stored = stored_markers(env, run)
    statuses = collections.Counter(s.status for s in sent)
    accepted = [s for s in sent if s.status == 303]
    refused = [s for s in sent if s.status != 303]
    lost = [s for s in accepted if stored.get(s.marker, 0) == 0]
    doubled = [s for s in accepted if stored.get(s.marker, 0) > 1]
    stored_refused = [s for s in refused if stored.get(s.marker, 0) > 0]
    latencies = sorted(s.seconds * 1000 for s in sent)

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0

    ok = bool(accepted) and not (lost or doubled or stored_refused)
    row = {
        "database": database, "round": round_number, "run": run, "seconds": round(seconds, 1),
        "posts": len(sent), "posts_per_s": round(len(accepted) / seconds, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": dict(collections.Counter(s.error for s in sent if s.error)),
        "p50_ms": round(pct(0.5), 1), "p99_ms": round(pct(0.99), 1),
        "server_cpu_ms_per_post": round(1000 * cpu / max(1, len(sent)), 1),
        "stored": sum(stored.values()), "lost": len(lost), "doubled": len(doubled),
        "stored_refused": len(stored_refused), "check": "PASS" if ok else "FAIL",
        "load1": load_average(),
    }
    print(f"   {database:10} round {round_number}: {row['posts_per_s']:6.1f} posts/s "
          f"({len(accepted)} x 303 in {seconds:.0f} s)  statuses {row['statuses']}  "
          f"POST p50 {row['p50_ms']} ms p99 {row['p99_ms']} ms  server CPU "
          f"{row['server_cpu_ms_per_post']} ms/post (tokens included)  stored {row['stored']}, "
          f"lost {row['lost']}, doubled {row['doubled']}, stored though refused "
          f"{row['stored_refused']}: {row['check']}  load {row['load1']}", flush=True)
    return row


def reproduce_command(args: argparse.Namespace) -> str:
    command = [".venv/bin/python", "bench/comments_load.py", "--duration", f"{args.duration:g}",
               "--concurrency", str(args.concurrency), "--token-age", f"{args.token_age:g}",
               "--articles", str(args.articles), "--stories", str(args.stories),
               "--workers", str(args.workers), "--rounds", str(args.rounds)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    return shlex.join(command)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="seconds of posting")
    parser.add_argument("--concurrency", type=int, default=16, help="posters at once")
    parser.add_argument("--token-age", type=float, default=4.0,
                        help="seconds between fetching the script's token and posting")
    parser.add_argument("--articles", type=int, default=100, help="stories on the site")
    parser.add_argument("--stories", type=int, default=50, help="stories posted to")
    parser.add_argument("--workers", type=int, default=2, help="web processes (as `run`)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each database this many times, alternating")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or None,
                        help="a PostgreSQL server's URL: also measure on a fresh database "
                        "created there (and dropped afterwards); default DATABASE_URL")
    parser.add_argument("--keep", action="store_true", help="keep the data folders")
    parser.add_argument("--setup-site", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--moderation", default="first_time", help=argparse.SUPPRESS)
    parser.add_argument("--link-limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--surge", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count-markers", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.setup_site is not None:
        setup_site(args.setup_site, args.moderation, args.link_limit, args.surge)
        return 0
    if args.count_markers:
        count_markers(args.count_markers)
        return 0
    command = reproduce_command(args)
    print(f"$ {command}\nload average at start: {load_average()}", flush=True)
    texts = corpus_texts("ham")
    workdir = Path(tempfile.mkdtemp(prefix="gazette-comments-load-"))
    rows: list[dict] = []
    database_name = f"gz_bench_comments_{os.getpid()}"
    try:
        with postgres_database(args.database_url, database_name) as pg_url:
            sites = {}
            for database in ["sqlite"] + (["postgresql"] if pg_url else []):
                data_dir = workdir / database
                data_dir.mkdir()
                env = site_env(data_dir, pg_url if database == "postgresql" else None)
                site = prepare_site(SCRIPT, data_dir, env, args.articles, args.moderation)
                print(f"   {database}: {site['articles']} stories ({site['database']}), "
                      f"{len(site['stories'])} open", flush=True)
                sites[database] = (env, data_dir, site["stories"])
            order = list(sites)
            for number in range(args.rounds):
                for database in order if number % 2 == 0 else order[::-1]:
                    env, data_dir, stories = sites[database]
                    rows.append(measure(args, database, env, data_dir, stories, texts,
                                        number + 1))
    finally:
        if args.keep:
            print(f"Data folders kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\ndatabase    round  posts/s  posts  statuses                      p50 ms  p99 ms"
          "  stored  lost  doubled  stored-refused  check")
    for row in rows:
        print(f"{row['database']:10}  {row['round']:>5}  {row['posts_per_s']:7.1f}  "
              f"{row['posts']:5}  {json.dumps(row['statuses']):28}  {row['p50_ms']:6.1f}  "
              f"{row['p99_ms']:6.1f}  {row['stored']:6}  {row['lost']:4}  {row['doubled']:7}"
              f"  {row['stored_refused']:14}  {row['check']}")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS_DIR / f"comments_load-{stamp}.json"
    out.write_text(json.dumps({"command": command, "when": stamp, "machine": {
        "cpus": os.cpu_count(), "python": platform.python_version()}, "rows": rows}, indent=2))
    print(f"\nResults: {out.relative_to(ROOT)}\nReproduce: {command}")
    return 0 if rows and all(row["check"] == "PASS" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

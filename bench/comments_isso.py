#!/usr/bin/env python
"""Our comments side by side with Isso 0.14 (the Python comment server), same machine, one run.

    .venv/bin/python bench/comments_isso.py [--duration 20] [--concurrency 8] [--rounds 2]
        [--isso-venv /tmp/isso-venv]

Isso runs from a virtualenv of its own (created with ``pip install isso==0.14.0 gunicorn`` when
missing; never part of the project), as the shared peer does (``/work/shared/peers/isso``):
gunicorn with 2 sync workers and ``--preload``, SQLite, ``[moderation] enabled = false`` and
``[guard] enabled = false`` (its rate limit would refuse a benchmark). Ours is ``gazette run``
(granian, 2 web processes) on a fresh GAZETTE_DATA_DIR with the demo newsroom, SQLite,
moderation mode ``none`` and a discussion page size of 200 (so the whole thread is on the
article page, as Isso returns the whole thread).

(a) **Posting throughput**, same concurrency, same duration, in alternating rounds. Ours: the
plain form POST to ``/comments/post/<id>/`` through the whole pipeline (flood, duplicate, words,
the spam engine's check and its recording, links, pre-moderation, surge, the write, the page
cache invalidation) answered 303, each from a loopback address and email of its own, with the
story's form token and a script token fetched before the timed window (``--token-age`` seconds
earlier: a person's timing, not a bot's). Isso: JSON ``POST /new?uri=...`` with a title, answered
201. A new connection for every request on both sides. Stories / threads: ``--stories`` of them.

(b) **A 200-comment discussion**: ours the whole article page (HTML, comments and form
included) from the anonymous page cache and uncached (a second server with
GAZETTE_PAGE_CACHE=0 on the same data); Isso's ``GET /?uri=...`` returning the same 200
comments as JSON. Sequential requests, one at a time (``--requests`` each, in alternating
rounds), median and p90. The 200 comments are posted through each server's own door; ours are
then approved (those the pipeline held) through the moderation service, as a moderator would.

Targets (issue 16): our posting throughput >= 2 x Isso's; our article page <= 1/5 of Isso's
thread time.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import functools
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
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
    prepare_site,
    reader_address,
    running_gazette,
    setup_site,
    site_env,
    tree_cpu_seconds,
)
from comments_profile import profile_posts  # noqa: E402
from isso_peer import Isso, isso_ready  # noqa: E402

SCRIPT = Path(__file__).resolve()
THREAD_SIZE = 200
TARGET_POST_RATIO = 2.0
TARGET_PAGE_RATIO = 0.2


# --- Ours -----------------------------------------------------------------------------------

class Form:
    """A story's form as the page gives it, and script tokens fetched ahead."""

    def __init__(self, port: int, base: str, story: dict) -> None:
        self.port, self.base, self.story = port, base, story
        page = http_request(port, "GET", story["url"])
        form = page_form(page.body) if page.status == 200 else None
        if form is None:
            raise SystemExit(f"{story['url']}: no comment form (HTTP {page.status})")
        self.action, self.fields = form.action, form.fields

    def token(self, source: str) -> str:
        return js_token(http_request(
            self.port, "GET", f"/comments/token/{self.story['id']}/", source=source,
            headers={"Referer": self.base + self.story["url"]}))

    def post(self, token: str, text: str, author: str, email: str, source: str) -> int:
        body = {**self.fields, "comment": text, "author": author, "email": email, "url": "",
                "parent": "", "js_token": token, "subject": ""}
        return http_request(self.port, "POST", self.action, body=form_body(body), source=source,
                            headers={**FORM_HEADERS, "Origin": self.base,
                                     "Referer": self.base + self.story["url"],
                                     "User-Agent": BROWSERS[0]}).status


class Numbers:
    """Post numbers unique across the run (addresses and emails never repeat)."""

    def __init__(self) -> None:
        self._next, self._lock = 0, threading.Lock()

    def take(self, count: int = 1) -> range:
        with self._lock:
            start, self._next = self._next, self._next + count
        return range(start, start + count)


def timed_posts(jobs: list, concurrency: int, duration: float) -> tuple[int, Counter, float]:
    """Run the ``jobs`` (callables returning an HTTP status) with ``concurrency`` threads until
    they run out or ``duration`` passes; (posts, statuses, seconds)."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    queue = iter(jobs)
    started = time.monotonic()
    deadline = started + duration

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                job = next(queue, None)
            if job is None:
                return
            status = job()
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(statuses.values()), statuses, time.monotonic() - started


def post_round_ours(args, forms: list[Form], texts: list[str], numbers: Numbers,
                    rng: random.Random, pid: int) -> dict:
    count = int(args.duration * args.expect_rate)
    posts = numbers.take(count)

    def fetch(number: int) -> tuple[int, str]:
        return number, forms[number % len(forms)].token(reader_address(number % 63000))

    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        tokens = list(pool.map(fetch, posts))
    if not all(token for _, token in tokens):
        raise SystemExit("no script token from /comments/token/<id>/")
    time.sleep(args.token_age)
    jobs = [
        functools.partial(forms[number % len(forms)].post, token,
                          f"{rng.choice(texts)} ({number})", f"Reader {number}",
                          f"reader.{number}@example.net", reader_address(number % 63000))
        for number, token in tokens
    ]
    cpu = tree_cpu_seconds(pid)
    done, statuses, seconds = timed_posts(jobs, args.concurrency, args.duration)
    cpu = tree_cpu_seconds(pid) - cpu
    if done == len(jobs):
        print(f"   (ours ran out of prefetched tokens after {seconds:.1f} s: raise "
              f"--expect-rate)", flush=True)
    return {"side": "ours", "posts": done, "ok": statuses.get(303, 0), "seconds": seconds,
            "statuses": dict(statuses), "cpu_ms": 1000 * cpu / max(1, done)}


def post_round_isso(args, isso: Isso, texts: list[str], numbers: Numbers,
                    rng: random.Random) -> dict:
    posts = numbers.take(int(args.duration * args.expect_rate))
    jobs = [
        functools.partial(isso.post, f"/bench/story-{n % args.stories}/",
                          f"{rng.choice(texts)} ({n})", f"Reader {n}", f"reader.{n}@example.net",
                          reader_address(n % 63000))
        for n in posts
    ]
    cpu = tree_cpu_seconds(isso.process.pid)
    done, statuses, seconds = timed_posts(jobs, args.concurrency, args.duration)
    cpu = tree_cpu_seconds(isso.process.pid) - cpu
    return {"side": "isso", "posts": done, "ok": statuses.get(201, 0), "seconds": seconds,
            "statuses": dict(statuses), "cpu_ms": 1000 * cpu / max(1, done)}


# --- The 200-comment discussion ---------------------------------------------------------------

def approve_story(story_id: int) -> None:
    """Child process: approve what the pipeline held on one story, as a moderator would."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    from gazette.comments import services
    from gazette.comments.models import Comment, Status

    held = Comment.objects.filter(article_id=story_id).exclude(status=Status.APPROVED)
    moderate = getattr(services, "comment_moderate", None)
    if moderate is None:
        raise SystemExit("services.comment_moderate is not there yet")
    moderator = get_user_model().objects.filter(is_superuser=True).first()
    changed = moderate(comments=held, action="approve", by=moderator, reason="benchmark")
    approved = Comment.objects.filter(article_id=story_id, status=Status.APPROVED).count()
    print(json.dumps({"approved_now": changed, "approved": approved}))


def fill_discussions(args, env: dict[str, str], form: Form, isso: Isso,
                     texts: list[str], numbers: Numbers, rng: random.Random) -> None:
    texts = [text for text in texts if len(text) >= 20]  # Isso refuses very short ones
    posts = numbers.take(THREAD_SIZE)
    tokens = [(n, form.token(reader_address(n % 63000))) for n in posts]
    time.sleep(args.token_age)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        ours = list(pool.map(lambda item: form.post(
            item[1], rng.choice(texts), f"Reader {item[0]}", f"reader.{item[0]}@example.net",
            reader_address(item[0] % 63000)), tokens))
        theirs = list(pool.map(lambda n: isso.post(
            "/bench/thread/", rng.choice(texts), f"Reader {n}", f"reader.{n}@example.net",
            reader_address(n % 63000)), posts))
    # Isso answers an occasional 500 when its SQLite file is busy (four posters at once):
    # those comments are posted again, one at a time, so that its thread has them all too.
    for index, status in enumerate(theirs):
        for _ in range(3):
            if status == 201:
                break
            n = posts[index]
            status = isso.post("/bench/thread/", rng.choice(texts), f"Reader {n}",
                               f"reader.{n}@example.net", reader_address(n % 63000))
        theirs[index] = status
    if Counter(ours) != Counter({303: THREAD_SIZE}) or Counter(theirs) != Counter(
            {201: THREAD_SIZE}):
        raise SystemExit(f"filling the 200-comment discussions: ours {Counter(ours)}, "
                         f"Isso {Counter(theirs)}")
    done = subprocess.run([sys.executable, str(SCRIPT), "--approve-story",
                           str(form.story["id"])], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit("approving the story's comments failed:\n" + done.stderr[-3000:])
    print(f"   200-comment discussions ready: ours {done.stdout.strip()}", flush=True)


def get_times(port: int, path: str, count: int) -> tuple[list[float], bytes]:
    times, body = [], b""
    for _ in range(count):
        answer = http_request(port, "GET", path)
        if answer.status != 200:
            raise SystemExit(f"GET {path}: HTTP {answer.status} {answer.error}")
        times.append(answer.seconds * 1000)
        body = answer.body
    return times, body


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 2),
            "mean_ms": round(statistics.fmean(ordered), 2), "n": len(ordered)}


# --- Orchestration --------------------------------------------------------------------------

def run(args: argparse.Namespace, workdir: Path) -> dict:
    venv = isso_ready(Path(args.isso_venv))
    ham = corpus_texts("ham")
    rng = random.Random(args.seed)
    data_dir = workdir / "gazette"
    data_dir.mkdir()
    env = site_env(data_dir)
    site = prepare_site(SCRIPT, data_dir, env, args.articles, "none", page_size=THREAD_SIZE)
    # The last story carries the 200-comment discussion and nothing else.
    stories = site["stories"][: args.stories] + [site["stories"][args.stories]]
    print(f"   our site: {site['articles']} stories, posting to {len(stories) - 1}", flush=True)
    numbers = Numbers()
    isso = Isso(venv, workdir, args.workers)
    rounds: list[dict] = []
    pages: list[dict] = []
    try:
        with running_gazette(env, data_dir, args.workers, name="cached") as cached:
            forms = [Form(cached.port, cached.base, story) for story in stories]
            thread_form, forms = forms[-1], forms[:-1]
            # (a) posting, alternating which side goes first
            for number in range(args.rounds):
                sides = ("ours", "isso") if number % 2 == 0 else ("isso", "ours")
                for side in sides:
                    if side == "ours":
                        row = post_round_ours(args, forms, ham, numbers, rng,
                                              cached.process.pid)
                    else:
                        row = post_round_isso(args, isso, ham, numbers, rng)
                    row.update(round=number + 1, rate=row["ok"] / row["seconds"],
                               load1=load_average())
                    rounds.append(row)
                    print(f"   posting round {number + 1} {side:4}: {row['rate']:7.1f} "
                          f"posts/s ({row['ok']} of {row['posts']} in {row['seconds']:.1f} s, "
                          f"{row['statuses']}; server CPU {row['cpu_ms']:.1f} ms/post)  load "
                          f"{row['load1']}", flush=True)
            # (b) the 200-comment discussion
            fill_discussions(args, env, thread_form, isso, ham, numbers, rng)
            story_url = thread_form.story["url"]
            with running_gazette(env, data_dir, args.workers, name="uncached",
                                 extra_env={"GAZETTE_PAGE_CACHE": "0"}) as uncached:
                targets = {
                    "ours cached": (cached.port, story_url, cached.process.pid),
                    "ours uncached": (uncached.port, story_url, uncached.process.pid),
                    "isso thread": (isso.port, "/?uri=/bench/thread/", isso.process.pid),
                }
                checked = set()
                for name, (port, path, _) in targets.items():  # warm every worker
                    _, body = get_times(port, path, 4 * args.workers)
                    checked.add(check_thread(name, body))
                for number in range(args.rounds):
                    names = list(targets) if number % 2 == 0 else list(targets)[::-1]
                    for name in names:
                        port, path, pid = targets[name]
                        cpu = tree_cpu_seconds(pid)
                        times, _ = get_times(port, path, args.requests)
                        cpu = 1000 * (tree_cpu_seconds(pid) - cpu) / len(times)
                        pages.append({"side": name, "round": number + 1, **summary(times),
                                      "cpu_ms": round(cpu, 2), "load1": load_average()})
                        print(f"   200 comments, round {number + 1}, {name:13}: p50 "
                              f"{pages[-1]['p50_ms']:7.2f} ms  p90 {pages[-1]['p90_ms']:7.2f} "
                              f"ms  server CPU {cpu:6.2f} ms  load {pages[-1]['load1']}",
                              flush=True)
    finally:
        isso.stop()
    return {"posting": rounds, "pages": pages, "isso_command": shlex.join(isso.command)}



def check_thread(name: str, body: bytes) -> str:
    """The response holds the 200 comments (else the comparison would be unfair)."""
    if name.startswith("isso"):
        replies = json.loads(body).get("replies", [])
        count = len(replies)
    else:
        count = len(set(re.findall(rb'id="comment-(\d+)"', body)))
    if count < THREAD_SIZE:
        raise SystemExit(f"{name}: {count} comments in the response, not {THREAD_SIZE}")
    print(f"   {name}: {count} comments in the response ({len(body) / 1024:.0f} KiB)",
          flush=True)
    return name


def report(args: argparse.Namespace, figures: dict) -> list[str]:
    def best(rows: list[dict], side: str, key: str, pick) -> float:
        return pick(row[key] for row in rows if row["side"] == side)

    ours = best(figures["posting"], "ours", "rate", max)
    isso = best(figures["posting"], "isso", "rate", max)
    our_cpu = best(figures["posting"], "ours", "cpu_ms", min)
    isso_cpu = best(figures["posting"], "isso", "cpu_ms", min)
    cached = best(figures["pages"], "ours cached", "p50_ms", min)
    uncached = best(figures["pages"], "ours uncached", "p50_ms", min)
    thread = best(figures["pages"], "isso thread", "p50_ms", min)
    cpu = {side: best(figures["pages"], side, "cpu_ms", min)
           for side in ("ours cached", "ours uncached", "isso thread")}
    print(f"\nBest of {args.rounds} round(s), c={args.concurrency}, {args.workers} server "
          f"processes each")
    print(f"  posting: ours {ours:.1f} posts/s ({our_cpu:.1f} ms server CPU a post), Isso "
          f"{isso:.1f} posts/s ({isso_cpu:.1f} ms): {ours / isso:.2f} x")
    print(f"  200 comments: our article page {cached:.2f} ms cached, {uncached:.2f} ms "
          f"uncached; Isso's thread {thread:.2f} ms: {cached / thread:.3f} x and "
          f"{uncached / thread:.3f} x")
    print(f"  server CPU a request: ours cached {cpu['ours cached']:.2f} ms, uncached "
          f"{cpu['ours uncached']:.2f} ms; Isso's thread {cpu['isso thread']:.2f} ms")
    verdicts = [
        f"{'PASS' if ours >= TARGET_POST_RATIO * isso else 'FAIL'} posting throughput "
        f"{ours / isso:.2f} x Isso's (target >= {TARGET_POST_RATIO:g} x)",
        f"{'PASS' if cached <= TARGET_PAGE_RATIO * thread else 'FAIL'} article page, cached: "
        f"{cached / thread:.3f} x Isso's thread time (target <= {TARGET_PAGE_RATIO:g})",
        f"{'PASS' if uncached <= TARGET_PAGE_RATIO * thread else 'FAIL'} article page, uncached: "
        f"{uncached / thread:.3f} x Isso's thread time (target <= {TARGET_PAGE_RATIO:g})",
    ]
    print("\nTargets:")
    for verdict in verdicts:
        print("  " + verdict)
    return verdicts


def run_profile(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="gazette-comments-profile-"))
    try:
        env = site_env(workdir)
        prepare_site(SCRIPT, workdir, env, args.articles, "none", page_size=THREAD_SIZE)
        subprocess.run([sys.executable, str(SCRIPT), "--profile-child", str(args.profile),
                        "--stories", str(args.stories)], env={**env, "GAZETTE_PAGE_CACHE": "0"},
                       cwd=ROOT, check=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def reproduce_command(args: argparse.Namespace) -> str:
    return shlex.join([
        ".venv/bin/python", "bench/comments_isso.py", "--duration", f"{args.duration:g}",
        "--concurrency", str(args.concurrency), "--rounds", str(args.rounds), "--requests",
        str(args.requests), "--stories", str(args.stories), "--articles", str(args.articles),
        "--workers", str(args.workers), "--token-age", f"{args.token_age:g}",
        "--expect-rate", f"{args.expect_rate:g}", "--isso-venv", args.isso_venv,
    ])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20, help="seconds of each posting "
                        "round")
    parser.add_argument("--concurrency", type=int, default=8, help="posters at once, both sides")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of each")
    parser.add_argument("--requests", type=int, default=200,
                        help="sequential GETs of the 200-comment discussion a round")
    parser.add_argument("--stories", type=int, default=20, help="stories / threads posted to")
    parser.add_argument("--articles", type=int, default=40, help="stories on our site")
    parser.add_argument("--workers", type=int, default=2, help="server processes, both sides")
    parser.add_argument("--token-age", type=float, default=4.0,
                        help="seconds between fetching our script tokens and posting")
    parser.add_argument("--expect-rate", type=float, default=250,
                        help="posts/s to prepare tokens for (a round ends early if used up)")
    parser.add_argument("--isso-venv", default="/tmp/isso-venv")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    parser.add_argument("--setup-site", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--moderation", default="none", help=argparse.SUPPRESS)
    parser.add_argument("--page-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--approve-story", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=int, metavar="POSTS",
                        help="instead: profile this many posts in-process on a fresh site")
    parser.add_argument("--profile-child", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.setup_site is not None:
        setup_site(args.setup_site, args.moderation, page_size=args.page_size)
        return 0
    if args.approve_story is not None:
        approve_story(args.approve_story)
        return 0
    if args.profile_child is not None:
        profile_posts(args.profile_child, args.stories, THREAD_SIZE)
        return 0
    if args.profile is not None:
        return run_profile(args)
    command = reproduce_command(args)
    print(f"$ {command}\nload average at start: {load_average()}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="gazette-comments-isso-"))
    try:
        figures = run(args, workdir)
    finally:
        if args.keep:
            print(f"Data kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    verdicts = report(args, figures)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS_DIR / f"comments_isso-{stamp}.json"
    out.write_text(json.dumps({"command": command, "when": stamp, "machine": {
        "cpus": os.cpu_count(), "python": platform.python_version()}, **figures,
        "verdicts": verdicts}, indent=2))
    print(f"\nResults: {out.relative_to(ROOT)}\nReproduce: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

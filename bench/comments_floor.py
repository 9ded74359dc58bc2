#!/usr/bin/env python
"""The floor under a comment post: what any pipeline on this server setup must spend.

    .venv/bin/python bench/comments_floor.py [--duration 15] [--concurrency 8] [--rounds 2]

Three servers on one fresh site (the demo newsroom, SQLite, moderation ``none``), each served
as ``gazette run`` serves (granian, ``--workers`` processes, the full middleware stack), one
at a time, in alternating rounds, by the same posters as ``comments_isso.py`` (8 threads, a
new connection a request, the same form body from a loopback address of its own):

* ``empty``: a POST view that parses the form and answers 303, nothing else;
* ``insert``: the same, plus one ORM INSERT of a comment (one transaction, one commit);
* ``checked``: ``insert`` plus the least the issue's pipeline must add to it: the spam
  engine's check of the text in memory (``Engine.keys`` and ``Engine.check`` with empty history
  counts: no history read, no record written) before the INSERT, and after the commit the
  invalidation a published comment needs (the story's page and comment feeds);
* ``ours``: the real ``/comments/post/<id>/`` through the whole pipeline (script tokens
  fetched before the timed window, as comments_isso.py does).

With ``--isso-venv``, Isso 0.14 (as comments_isso.py runs it) takes a round too, so that
each server's posts a second compare with Isso's in one run. Posts a second and server CPU a
post for each: ``empty`` is the ceiling no Django view
behind this middleware can pass here, ``insert`` the ceiling of any pipeline that stores
the comment, ``checked`` the ceiling of any pipeline that also checks it for spam and
shows it at once. The first three are views of this benchmark only (this module is their WSGI
application), never mounted on the site.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments_common import (  # noqa: E402
    BROWSERS,
    FORM_HEADERS,
    RESULTS_DIR,
    ROOT,
    corpus_texts,
    form_body,
    free_port,
    http_request,
    load_average,
    prepare_site,
    reader_address,
    running_gazette,
    site_env,
    stop_session,
    tree_cpu_seconds,
    wait_answering,
)

ISSO_SCRIPT = Path(__file__).resolve().parent / "comments_isso.py"


def _floor_application() -> Any:
    """The WSGI application of the floor servers: the site's own, with two views in front."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    django.setup()
    from django.db import transaction
    from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
    from django.urls import clear_url_caches, path
    from django.utils import timezone
    from django.views.decorators.csrf import csrf_exempt

    from gazette import urls
    from gazette.comments.models import Comment, Status

    @csrf_exempt
    def empty(request: HttpRequest) -> HttpResponse:
        request.POST.get("comment")
        return HttpResponseRedirect("/#comment-0", status=303)

    @csrf_exempt
    def insert(request: HttpRequest, article_id: int) -> HttpResponse:
        text = request.POST.get("comment", "")
        with transaction.atomic():
            comment = Comment(article_id=article_id, author_name=request.POST.get("author", ""),
                              author_email=request.POST.get("email", ""), text=text,
                              html=text, status=Status.TRASH, created_at=timezone.now(),
                              ip_address=request.META.get("REMOTE_ADDR"))
            comment.save(force_insert=True)
        return HttpResponseRedirect(f"/#comment-{comment.pk}", status=303)

    @csrf_exempt
    def checked(request: HttpRequest, article_id: int) -> HttpResponse:
        from gazette.antispam import conf, state
        from gazette.antispam.engine import HistoryStats, Submission
        from gazette.comments.effects import discussion_tags
        from gazette.news.cache import page_cache_invalidate

        text = request.POST.get("comment", "")
        submission = Submission(content=text, author=request.POST.get("author", ""),
                                author_email=request.POST.get("email", ""),
                                user_ip=request.META.get("REMOTE_ADDR", ""),
                                user_agent=request.META.get("HTTP_USER_AGENT", ""))
        with state.engine_for(conf.default_pool()) as engine:
            verdict = engine.check(submission, HistoryStats(), keys=engine.keys(submission))
        with transaction.atomic():
            comment = Comment(article_id=article_id, author_name=request.POST.get("author", ""),
                              author_email=request.POST.get("email", ""), text=text,
                              html=text, status=Status.TRASH, created_at=timezone.now(),
                              ip_address=request.META.get("REMOTE_ADDR"),
                              spam_score=verdict.score)
            comment.save(force_insert=True)
        page_cache_invalidate(discussion_tags(article_id))
        return HttpResponseRedirect(f"/#comment-{comment.pk}", status=303)

    urls.urlpatterns[:0] = [path("bench-floor/empty/", empty),
                            path("bench-floor/insert/<int:article_id>/", insert),
                            path("bench-floor/checked/<int:article_id>/", checked)]
    clear_url_caches()
    from gazette.wsgi import application

    return application


def __getattr__(name: str) -> Any:  # granian asks for ``comments_floor:application``
    if name == "application":
        return _floor_application()
    raise AttributeError(name)


@contextmanager
def floor_server(env: dict[str, str], workdir: Path, workers: int) -> Iterator[tuple[int, int]]:
    from gazette.cli import server_command

    port = free_port()
    command = server_command("127.0.0.1", port, workers)[:-1] + ["comments_floor:application"]
    log = workdir / f"floor-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent)},
            cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_answering(f"http://127.0.0.1:{port}/healthz", process, log, 180)
        yield port, process.pid
    finally:
        stop_session(process)


def timed(jobs: list, concurrency: int, duration: float, pid: int) -> dict:
    from comments_isso import timed_posts

    cpu = tree_cpu_seconds(pid)
    done, statuses, seconds = timed_posts(jobs, concurrency, duration)
    cpu = tree_cpu_seconds(pid) - cpu
    return {"posts": done, "per_second": done / seconds, "statuses": dict(statuses),
            "cpu_ms": 1000 * cpu / max(1, done), "ok": statuses.get(303, 0)}


def floor_jobs(port: int, target: str, stories: list[dict], texts: list[str], start: int,
               count: int, rng: random.Random) -> list:
    def post(number: int) -> int:
        story = stories[number % len(stories)]
        path = ("/bench-floor/empty/" if target == "empty"
                else f"/bench-floor/{target}/{story['id']}/")
        body = {"comment": f"{rng.choice(texts)} ({number})", "author": f"Reader {number}",
                "email": f"reader.{number}@example.net", "url": "", "parent": "", "subject": "",
                "token": "x" * 60, "js_token": "y" * 80}
        return http_request(port, "POST", path, body=form_body(body),
                            source=reader_address(number % 63000),
                            headers={**FORM_HEADERS, "Origin": f"http://127.0.0.1:{port}",
                                     "User-Agent": BROWSERS[0]}).status

    return [functools.partial(post, n) for n in range(start, start + count)]


def run(args: argparse.Namespace, workdir: Path) -> dict:
    from comments_isso import Form, Numbers, post_round_isso, post_round_ours
    from isso_peer import Isso, isso_ready

    env = site_env(workdir)
    site = prepare_site(ISSO_SCRIPT, workdir, env, args.articles, "none")
    stories = site["stories"][: args.stories]
    texts = [t for t in corpus_texts("ham") if len(t) >= 20]
    rng = random.Random(1)
    numbers = Numbers()
    rounds: list[dict] = []
    order = ["empty", "insert", "checked", "ours"] + (["isso"] if args.isso_venv else [])
    for number in range(args.rounds):
        for target in (order if number % 2 == 0 else order[::-1]):
            print(f"round {number + 1}: {target} (load {load_average()})", flush=True)
            if target == "isso":
                isso = Isso(isso_ready(Path(args.isso_venv)), workdir, args.workers)
                try:
                    args.stories = len(stories)
                    row = post_round_isso(args, isso, texts, numbers, rng)
                finally:
                    isso.stop()
                row["per_second"] = row["posts"] / row["seconds"]
            elif target == "ours":
                with running_gazette(env, workdir, args.workers) as server:
                    forms = [Form(server.port, server.base, story) for story in stories]
                    row = post_round_ours(args, forms, texts, numbers, rng, server.process.pid)
                    row["per_second"] = row["posts"] / row["seconds"]
            else:
                with floor_server(env, workdir, args.workers) as (port, pid):
                    posts = numbers.take(int(args.duration * args.expect_rate))
                    jobs = floor_jobs(port, target, stories, texts, posts.start, len(posts), rng)
                    row = timed(jobs, args.concurrency, args.duration, pid)
            row.update({"target": target, "round": number + 1, "load": load_average()})
            print(f"   {row['per_second']:.1f} posts/s, {row['cpu_ms']:.2f} ms server CPU a "
                  f"post, {row['statuses']}", flush=True)
            rounds.append(row)
    return {"rounds": rounds}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--stories", type=int, default=20)
    parser.add_argument("--token-age", type=float, default=4)
    parser.add_argument("--isso-venv", default="",
                        help="Isso 0.14's virtualenv (comments_isso.py): adds an Isso round")
    parser.add_argument("--expect-rate", type=float, default=600,
                        help="posts a second prepared per round (more than are sent)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="gazette-comments-floor-"))
    started = time.strftime("%Y-%m-%d %H:%M")
    try:
        figures = run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("\nbest of the rounds (posts/s; server CPU a post):")
    isso_rows = [r for r in figures["rounds"] if r["target"] == "isso"]
    isso_best = max((r["per_second"] for r in isso_rows), default=0.0)
    for target in ("empty", "insert", "checked", "ours", "isso"):
        rows = [r for r in figures["rounds"] if r["target"] == target]
        if not rows:
            continue
        best = max(rows, key=lambda r: r["per_second"])
        print(f"  {target:>6}: {best['per_second']:.1f} posts/s, "
              f"{min(r['cpu_ms'] for r in rows):.2f} ms CPU a post"
              + (f", {best['per_second'] / isso_best:.2f} x Isso's" if isso_best else ""))
    command = " ".join([".venv/bin/python", "bench/comments_floor.py", "--duration",
                        f"{args.duration:g}", "--concurrency", str(args.concurrency),
                        "--rounds", str(args.rounds), "--workers", str(args.workers)]
                       + (["--isso-venv", args.isso_venv] if args.isso_venv else []))
    print(f"command: {command}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"comments_floor-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"started": started, "command": command, **figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python
"""The work of one comment post, ours against Isso 0.14's, in instructions: a figure that the
machine's load does not move.

    .venv/bin/python bench/comments_instructions.py [--posts 40] [--isso-venv /tmp/isso-venv]

Throughput on this shared two-core machine moves with whatever else runs (bench/README.md:
the same posting benchmark gave 0.60-1.00 x Isso at loads 1-22). Instructions do not:
valgrind's callgrind counts them, the same for the same code, data and inputs (two runs
agree within 0.1%). Each side runs in one process, its application called in-process through
its framework's test client (no HTTP server, no other process), under callgrind with counting
switched on only around the timed posts:

- ours: Django's test client posting the plain form to ``/comments/post/<id>/`` through the
  whole middleware stack and pipeline (the spam engine's check and record, the write, the
  page-cache invalidation), on a site prepared as ``comments_isso.py`` prepares it (moderation
  ``none``, 40 stories, posts spread over 20), after 200 posts of warm-up and history;
- Isso: werkzeug's test client posting JSON to ``/new?uri=...`` with a title, Isso's app as
  its ``isso.run`` builds it, ``[guard]`` and moderation off, after the same 200 posts.

Both post the same texts (the shared corpora's ham), each from an address and email of its
own. Fewer instructions a post is less CPU a post at any load; the server's own cost
(granian, gunicorn) and the contention between its threads are not in this figure:
``comments_isso.py`` measures those.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SCRIPT = Path(__file__).resolve()
WARM_POSTS = 200
STORIES = 20
FIRST_TIMED = 10_000  # numbers of the timed posts: none repeats a warm-up's address or email


def _counting(on: bool) -> None:
    """Switch callgrind's counting for this process (nothing outside valgrind)."""
    if os.environ.get("GAZETTE_CALLGRIND"):
        subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
                       capture_output=True, check=False)


def _address(number: int) -> str:
    return f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"


def _timed(post, posts: int) -> Counter:
    for number in range(WARM_POSTS):
        post(number)
    _counting(True)
    statuses = Counter(post(FIRST_TIMED + number) for number in range(posts))
    _counting(False)
    return statuses


def child_ours(posts: int, texts_file: Path) -> None:
    """In the prepared site's environment: our posts through Django's test client."""
    import urllib.parse

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    django.setup()
    from django.test import Client

    from gazette.comments import tokens
    from gazette.news.models import ArticlePage

    texts = json.loads(texts_file.read_text())
    stories = list(ArticlePage.objects.live().filter(comments_open=True)[:STORIES])
    client = Client(HTTP_ORIGIN="http://127.0.0.1:8000", HTTP_HOST="127.0.0.1:8000")
    then = time.time() - 30  # a person's timing, as comments_isso.py's posters have

    def post(number: int) -> int:
        story = stories[number % len(stories)]
        return client.post(f"/comments/post/{story.pk}/", urllib.parse.urlencode({
            "comment": f"{texts[number % len(texts)]} ({number})",
            "author": f"Reader {number}", "email": f"reader.{number}@example.net", "url": "",
            "parent": "", "subject": "", "token": tokens.page_token(story.pk, then),
            "js_token": tokens.script_token(story.pk, then),
        }), content_type="application/x-www-form-urlencoded", REMOTE_ADDR=_address(number),
            HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Firefox/140.0"
        ).status_code

    print(json.dumps(_timed(post, posts)))


def child_isso(posts: int, texts_file: Path, workdir: Path) -> None:
    """In Isso's virtualenv: Isso's posts through werkzeug's test client."""
    sys.path.insert(0, str(BENCH_DIR))  # the benchmark's modules need only the standard library
    from isso_peer import ISSO_CONFIG

    config = workdir / "isso.cfg"
    config.write_text(ISSO_CONFIG.format(db=workdir / "isso.db", port=8080))
    os.environ["ISSO_SETTINGS"] = str(config)
    from isso.run import application  # type: ignore[import-not-found]
    from werkzeug.test import Client

    texts = json.loads(texts_file.read_text())
    client = Client(application)

    def post(number: int) -> int:
        body = json.dumps({"text": f"{texts[number % len(texts)]} ({number})",
                           "author": f"Reader {number}", "email": f"reader.{number}@example.net",
                           "title": "Bench story"})
        return client.post(f"/new?uri=/bench/story-{number % STORIES}/", data=body,
                           content_type="application/json",
                           environ_base={"REMOTE_ADDR": _address(number)}).status_code

    print(json.dumps(_timed(post, posts)))


def counted(command: list[str], env: dict[str, str], out: Path, posts: int,
            ok: int) -> float:
    """Millions of instructions a post of ``command`` under callgrind."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
         *command], env={**env, "GAZETTE_CALLGRIND": "1", "PYTHONHASHSEED": "0"},
        capture_output=True, text=True, timeout=3600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"{command[0]} failed under callgrind")
    statuses = {int(k): v for k, v in json.loads(lines[-1]).items()}
    if statuses.get(ok) != posts:
        raise SystemExit(f"{command[0]}: expected {posts} x HTTP {ok}, got {statuses}")
    summary = subprocess.run(["callgrind_annotate", str(out)], capture_output=True, text=True,
                             check=True).stdout
    for line in summary.splitlines():
        if "PROGRAM TOTALS" in line:
            return int(line.split()[0].replace(",", "")) / posts / 1e6
    raise SystemExit(f"no totals in {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=40, help="counted posts on each side")
    parser.add_argument("--isso-venv", default="/tmp/isso-venv")
    parser.add_argument("--child-ours", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-isso", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_ours is not None:
        child_ours(args.child_ours, args.texts)
        return 0
    if args.child_isso is not None:
        child_isso(args.child_isso, args.texts, args.workdir)
        return 0

    sys.path.insert(0, str(BENCH_DIR))
    from comments_common import corpus_texts, prepare_site, site_env
    from comments_isso import SCRIPT as ISSO_BENCH
    from isso_peer import isso_ready

    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    venv = isso_ready(Path(args.isso_venv))
    command_line = shlex.join([sys.executable, *sys.argv])
    with tempfile.TemporaryDirectory(prefix="gazette-instructions-") as tmp:
        workdir = Path(tmp)
        texts = workdir / "texts.json"
        texts.write_text(json.dumps([t for t in corpus_texts("ham") if len(t) >= 20]))
        data_dir = workdir / "gazette"
        data_dir.mkdir()
        env = site_env(data_dir)
        print("   preparing our site (40 stories, moderation none)", flush=True)
        prepare_site(ISSO_BENCH, data_dir, env, 40, "none")
        (workdir / "isso").mkdir()
        print(f"   counting {args.posts} posts on each side under callgrind", flush=True)
        ours = counted([sys.executable, str(SCRIPT), "--child-ours", str(args.posts),
                        "--texts", str(texts)], env, workdir / "ours.cg", args.posts, 303)
        isso = counted([str(venv / "bin" / "python"), str(SCRIPT), "--child-isso",
                        str(args.posts), "--texts", str(texts), "--workdir",
                        str(workdir / "isso")], dict(os.environ), workdir / "isso.cg",
                       args.posts, 201)
    print(f"\n{command_line}\n")
    print("| application, in-process | M instructions a post | x Isso's |")
    print("|---|--:|--:|")
    print(f"| Isso 0.14, JSON POST /new | {isso:.2f} | 1.00 |")
    print(f"| ours, form POST through the pipeline | {ours:.2f} | {ours / isso:.2f} |")
    print(f"\nOur post costs {ours / isso:.2f} x the instructions of Isso's (the HTTP servers' "
          f"own cost aside: bench/comments_isso.py measures those)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python
"""Bot attack on the comment form from a cold start with no labels, against the real server.

    .venv/bin/python bench/comments_bots.py [--bots 1000] [--readers 300] [--articles 100]
        [--moderation none] [--reader-concurrency 100] [--bot-concurrency 8]

A fresh GAZETTE_DATA_DIR (SQLite), the demo newsroom plus synthetic stories, and ``gazette
run`` serving it: a spam engine that has never seen a label (nothing is seeded, no moderator
decides anything during the run). Then bots and readers post at the same time:

* **bots** post as bots do: no script ever runs (no ``js_token``), the form is sent at once,
  from a botnet's few /24 networks. ``blind`` bots post straight to the form's address without
  loading the page (no form token, WordPress's field names); ``scraper`` bots load the article
  page, fill every field they find (the honeypot ``subject`` too, for half of them) and send it
  within a second. Their texts: spam from the shared corpora as it is, spam stuffed with 3-12
  links, a reader's text copied (from the corpora's ham, none of it used by the readers) with a
  link, or one of ten campaign texts posted onto many stories;
* **readers** post as people do: the corpora's ham, each from an address and network of their
  own with an email of their own, in a browser (the article page, then the script's token from
  ``/comments/token/<id>/``), then they really wait while "typing" (``--think`` seconds plus
  the text's length at ``--cps`` characters a second, at most ``--max-wait``) before posting
  with the script (``Accept: application/json``, Origin and Referer of the site). Many readers
  wait in parallel, so a few minutes hold hundreds of honest human timings.

Moderation mode ``none`` by default: with the site's default (``first_time``) every comment of
a cold start is held by pre-moderation, bots' and readers' alike, and the figure would say
nothing about the checks. ``--moderation first_time`` runs the default rules.

Afterwards the comments are read from the database (status, the step that decided it, the spam
engine's verdict from the trail). Targets (issue 16): at least 99% of bot posts never
published; no reader's comment sent to spam or trash.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments_common import (  # noqa: E402
    BROWSERS,
    FORM_HEADERS,
    RESULTS_DIR,
    ROOT,
    botnet_address,
    corpus_texts,
    form_body,
    http_request,
    inspect_comments,
    js_token,
    load_average,
    page_form,
    prepare_site,
    reader_address,
    running_gazette,
    setup_site,
    site_env,
    stored_comments,
)

SCRIPT = Path(__file__).resolve()
TARGET_BOTS_UNPUBLISHED = 0.99

BOT_AGENTS = ("python-requests/2.31.0", "curl/8.5.0", "", BROWSERS[0],
              "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)")
SPAM_DOMAINS = ("cheap-pills.example", "best-casino.example", "crypto-gains.example",
                "seo-boost.example", "free-followers.example", "bit.ly", "tinyurl.com")
MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "gmx.de", "icloud.com",
                "hotmail.co.uk", "web.de", "orange.fr", "fastmail.com")
BOT_MAIL_DOMAINS = ("mail.ru", "yopmail.com", "gmail.com", "outlook.com", "10minutemail.com",
                    "yandex.ru", "hotmail.com")
FIRST = ("Anna", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jon",
         "Kate", "Luis", "Maya", "Nils", "Olga", "Paul", "Rosa", "Sam", "Tara", "Yusuf")
LAST = ("Smith", "Moreau", "Kowalski", "Nguyen", "Okafor", "Berg", "Rossi", "Patel", "Silva",
        "Novak", "Fischer", "Haddad", "Jensen", "Lopez", "Murphy", "Tanaka")


@dataclass
class Post:
    number: int
    who: str  # "bot" | "reader"
    kind: str  # bots: blind | scraper; readers: reader
    text_kind: str  # bots: spam | links | copied | campaign; readers: ham
    story: dict
    author: str
    email: str
    url: str
    text: str
    source: str
    agent: str
    honeypot: bool = False
    start: float = 0.0  # seconds after the start
    wait: float = 0.0  # readers: seconds between the page and the post
    status: int = 0
    outcome: str = ""  # JSON "status" (readers) or where the redirect leads (bots)
    error: str = ""
    stored: dict = field(default_factory=dict)


def stuffed(text: str, rng: random.Random) -> str:
    links = [f"https://{rng.choice(SPAM_DOMAINS)}/{rng.randrange(10**6)}"
             for _ in range(rng.randint(3, 12))]
    return text + "\n" + " ".join(links)


def plan(args: argparse.Namespace, stories: list[dict]) -> list[Post]:
    rng = random.Random(args.seed)
    spam, ham = corpus_texts("spam"), corpus_texts("ham")
    rng.shuffle(spam)
    rng.shuffle(ham)
    copied_pool, ham = ham[: len(ham) // 4], ham[len(ham) // 4:]
    campaign = spam[:10]
    posts: list[Post] = []
    for n in range(args.readers):
        text = ham[n % len(ham)]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        wait = min(args.max_wait, args.think + len(text) / args.cps) * rng.uniform(0.8, 1.25)
        posts.append(Post(
            n, "reader", "reader", "ham", rng.choice(stories), f"{first} {last}",
            f"{first.lower()}.{last.lower()}.{n}@{rng.choice(MAIL_DOMAINS)}",
            f"https://{first.lower()}{n}.blog.example" if rng.random() < 0.15 else "",
            text, reader_address(n), rng.choice(BROWSERS), wait=wait,
        ))
    # Bots are spread over the time the readers take, so that both arrive together.
    span = max(10.0, sum(p.wait for p in posts) / max(1, args.reader_concurrency))
    for n in range(args.bots):
        roll = rng.random()
        if roll < 0.4:
            text_kind, text = "spam", spam[10 + n % (len(spam) - 10)]
        elif roll < 0.65:
            text_kind, text = "links", stuffed(spam[10 + n % (len(spam) - 10)], rng)
        elif roll < 0.85:
            text_kind = "copied"
            text = rng.choice(copied_pool) + (
                f" https://{rng.choice(SPAM_DOMAINS)}/" if rng.random() < 0.5 else "")
        else:
            text_kind, text = "campaign", rng.choice(campaign)
        name = rng.choice(("Best Deals", "Crypto King", "Jessica", "SEO Expert", "Mike",
                           f"{rng.choice(FIRST)} {rng.choice(LAST)}"))
        posts.append(Post(
            args.readers + n, "bot", "blind" if rng.random() < 0.3 else "scraper", text_kind,
            rng.choice(stories), name,
            f"{name.split()[0].lower()}{rng.randrange(10**6)}.{n}@{rng.choice(BOT_MAIL_DOMAINS)}",
            f"https://{rng.choice(SPAM_DOMAINS)}/" if rng.random() < 0.7 else "",
            text, botnet_address(rng.randrange(args.botnet), rng.randrange(250)),
            rng.choice(BOT_AGENTS), honeypot=rng.random() < 0.5, start=rng.uniform(0, span),
        ))
    return posts


def run_reader(port: int, base: str, post: Post) -> None:
    headers = {"User-Agent": post.agent, "Accept-Language": "en-GB,en;q=0.8"}
    page = http_request(port, "GET", post.story["url"], source=post.source,
                        headers={**headers, "Accept": "text/html"})
    form = page_form(page.body) if page.status == 200 else None
    if form is None:
        post.status, post.error = page.status, page.error or "no comment form on the page"
        return
    referer = base + post.story["url"]
    token = js_token(http_request(
        port, "GET", f"/comments/token/{post.story['id']}/", source=post.source,
        headers={**headers, "Accept": "application/json", "Referer": referer}))
    if not token:
        post.error = "no script token"
    time.sleep(post.wait)  # reading, then typing: real seconds
    fields = {**form.fields, "comment": post.text, "author": post.author, "email": post.email,
              "url": post.url, "parent": "", "js_token": token, "subject": ""}
    answer = http_request(port, "POST", form.action, body=form_body(fields), source=post.source,
                          headers={**headers, **FORM_HEADERS, "Accept": "application/json",
                                   "Origin": base, "Referer": referer})
    post.status, post.error = answer.status, post.error or answer.error
    post.outcome = str(answer.json().get("status", ""))


def run_bot(port: int, base: str, post: Post, started: float) -> None:
    time.sleep(max(0.0, started + post.start - time.monotonic()))
    headers = {"User-Agent": post.agent} if post.agent else {}
    fields = {"comment": post.text, "author": post.author, "email": post.email,
              "url": post.url}
    action = f"/comments/post/{post.story['id']}/"
    if post.kind == "scraper":
        page = http_request(port, "GET", post.story["url"], source=post.source, headers=headers)
        form = page_form(page.body) if page.status == 200 else None
        if form is not None:
            action = form.action
            # Every field found gets a value: hidden ones keep theirs, the honeypot is filled
            # by half of the bots (the other half skip fields that people cannot see).
            fields = {**form.fields, **fields, "subject": "", "js_token": ""}
            headers["Referer"] = base + post.story["url"]
        time.sleep(random.uniform(0.05, 0.8))
    if post.honeypot:
        fields["subject"] = "Great post"
    answer = http_request(port, "POST", action, body=form_body(fields), source=post.source,
                          headers={**headers, **FORM_HEADERS})
    post.status, post.error = answer.status, answer.error
    if answer.status == 303:
        post.outcome = "held notice" if "/comments/held/" in answer.location else "published"


def attack(args: argparse.Namespace, port: int, base: str, posts: list[Post]) -> float:
    readers = [p for p in posts if p.who == "reader"]
    bots = sorted((p for p in posts if p.who == "bot"), key=lambda p: p.start)
    started = time.monotonic()
    done = {"reader": 0, "bot": 0}
    lock = threading.Lock()

    def finished(kind: str) -> None:
        with lock:
            done[kind] += 1
            total = done["reader"] + done["bot"]
        if total % 100 == 0:
            print(f"   {time.monotonic() - started:5.0f} s: {done['reader']}/{len(readers)} "
                  f"readers, {done['bot']}/{len(bots)} bots", flush=True)

    def reader(post: Post) -> None:
        run_reader(port, base, post)
        finished("reader")

    def bot(post: Post) -> None:
        run_bot(port, base, post, started)
        finished("bot")

    with concurrent.futures.ThreadPoolExecutor(args.reader_concurrency) as people, \
            concurrent.futures.ThreadPoolExecutor(args.bot_concurrency) as botnet:
        futures = [people.submit(reader, p) for p in readers]
        futures += [botnet.submit(bot, p) for p in bots]
        for future in futures:
            future.result()
    return time.monotonic() - started


def caught_by(post: Post) -> str:
    """The step that stopped a post: the pipeline's ``held_by`` when stored, else the door's
    refusal (HTTP status)."""
    if post.stored:
        return f"{post.stored['held_by'] or '?'} -> {post.stored['status']}"
    if post.status == 0:
        return f"no answer ({post.error})"
    names = {400: "form/token refused (400)", 403: "origin or closed (403)",
             409: "duplicate (409)", 429: "flood (429)"}
    if post.status == 303:
        return f"303 {post.outcome}, nothing stored"
    return names.get(post.status, f"HTTP {post.status}")


def report(args: argparse.Namespace, posts: list[Post], seconds: float) -> dict:
    bots = [p for p in posts if p.who == "bot"]
    readers = [p for p in posts if p.who == "reader"]
    published_bots = [p for p in bots if p.stored.get("status") == "approved"]
    unpublished = 1 - len(published_bots) / max(1, len(bots))
    binned_readers = [p for p in readers if p.stored.get("status") in ("spam", "trash")]
    refused_readers = [p for p in readers if not p.stored]

    print(f"\n{len(bots)} bot posts and {len(readers)} reader posts in {seconds:.0f} s "
          f"(moderation mode {args.moderation}; load {load_average()})")
    print("\nBots: what stopped them (first the door's refusals, then the pipeline's step "
          "-> status)")
    for name, count in Counter(caught_by(p) for p in bots).most_common():
        print(f"  {count:6}  {name}")
    print("\nBots by kind and text (never published / posts)")
    for kind in ("blind", "scraper"):
        for text_kind in ("spam", "links", "copied", "campaign"):
            group = [p for p in bots if p.kind == kind and p.text_kind == text_kind]
            for honeypot in (True, False):
                part = [p for p in group if p.honeypot == honeypot]
                if part:
                    ok = sum(p.stored.get("status") != "approved" for p in part)
                    print(f"  {kind:8} {text_kind:9} honeypot {'filled' if honeypot else 'empty '}"
                          f"  {ok:5} / {len(part):<5}")
    print("\nSpam engine verdicts (from the trail) of stored comments")
    for who, group in (("bots", bots), ("readers", readers)):
        verdicts = Counter(str(p.stored.get("verdict")) for p in group if p.stored)
        print(f"  {who:8} " + ", ".join(f"{k}: {v}" for k, v in verdicts.most_common()))
    print("\nReaders: outcome (the pipeline's step -> status)")
    for name, count in Counter(caught_by(p) for p in readers).most_common():
        print(f"  {count:6}  {name}")
    waits = sorted(p.wait for p in readers)
    if waits:
        print(f"  readers waited {waits[0]:.1f}-{waits[-1]:.1f} s (median "
              f"{waits[len(waits) // 2]:.1f} s) between the page and the post")
    for post in binned_readers[:10]:
        print(f"  BINNED reader #{post.number}: {post.stored.get('status')} by "
              f"{post.stored.get('held_by')} score {post.stored.get('score')} reasons "
              f"{post.stored.get('reasons')}")
    for post in refused_readers[:5]:
        print(f"  REFUSED reader #{post.number}: HTTP {post.status} {post.error}")

    verdicts = [
        f"{'PASS' if unpublished >= TARGET_BOTS_UNPUBLISHED else 'FAIL'} bots never published: "
        f"{unpublished:.2%} ({len(bots) - len(published_bots)} of {len(bots)}; target >= 99%)",
        f"{'PASS' if not binned_readers else 'FAIL'} readers' comments sent to spam or trash: "
        f"{len(binned_readers)} of {len(readers)} (target 0)",
    ]
    if refused_readers:
        verdicts.append(f"NOTE readers refused or unanswered (nothing stored): "
                        f"{len(refused_readers)}")
    print("\nTargets:")
    for verdict in verdicts:
        print("  " + verdict)
    for post in published_bots[:5]:
        print(f"  published bot #{post.number} ({post.kind}, {post.text_kind}): "
              f"{post.stored.get('reasons')} {post.text[:80]!r}")
    return {
        "bots": len(bots), "readers": len(readers), "seconds": round(seconds, 1),
        "bots_unpublished": unpublished, "readers_binned": len(binned_readers),
        "readers_refused": len(refused_readers),
        "bots_caught_by": Counter(caught_by(p) for p in bots),
        "readers_outcome": Counter(caught_by(p) for p in readers), "verdicts": verdicts,
    }


def reproduce_command(args: argparse.Namespace) -> str:
    return shlex.join([
        ".venv/bin/python", "bench/comments_bots.py", "--bots", str(args.bots), "--readers",
        str(args.readers), "--articles", str(args.articles), "--moderation", args.moderation,
        "--reader-concurrency", str(args.reader_concurrency), "--bot-concurrency",
        str(args.bot_concurrency), "--botnet", str(args.botnet), "--think", f"{args.think:g}",
        "--cps", f"{args.cps:g}", "--max-wait", f"{args.max_wait:g}", "--seed", str(args.seed),
    ])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bots", type=int, default=1000, help="bot posts")
    parser.add_argument("--readers", type=int, default=300, help="reader posts (one each)")
    parser.add_argument("--articles", type=int, default=100,
                        help="stories on the site (demo plus synthetic ones)")
    parser.add_argument("--moderation", default="none", choices=("none", "first_time", "all"),
                        help="the site's moderation mode (default none: see above)")
    parser.add_argument("--reader-concurrency", type=int, default=100,
                        help="readers writing at the same time")
    parser.add_argument("--bot-concurrency", type=int, default=8)
    parser.add_argument("--botnet", type=int, default=40, help="/24 networks of the bots")
    parser.add_argument("--think", type=float, default=5.0,
                        help="seconds a reader spends before typing")
    parser.add_argument("--cps", type=float, default=6.0, help="readers' characters a second")
    parser.add_argument("--max-wait", type=float, default=40.0,
                        help="at most this many seconds from page to post")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="web workers (as `run`)")
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    parser.add_argument("--setup-site", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--link-limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--surge", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--inspect", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.setup_site is not None:
        setup_site(args.setup_site, args.moderation, args.link_limit, args.surge)
        return 0
    if args.inspect:
        inspect_comments(Path(args.inspect))
        return 0
    command = reproduce_command(args)
    print(f"$ {command}\nload average at start: {load_average()}", flush=True)
    data_dir = Path(tempfile.mkdtemp(prefix="gazette-comments-bots-"))
    env = site_env(data_dir)
    try:
        started = time.monotonic()
        site = prepare_site(SCRIPT, data_dir, env, args.articles, args.moderation)
        print(f"   fresh site in {data_dir}: {site['articles']} stories, "
              f"{len(site['stories'])} open for comments ({time.monotonic() - started:.0f} s)",
              flush=True)
        posts = plan(args, site["stories"])
        with running_gazette(env, data_dir, args.workers) as server:
            print(f"   gazette run on {server.base}; attack starts", flush=True)
            seconds = attack(args, server.port, server.base, posts)
        by_email = {row["email"]: row for row in stored_comments(
            SCRIPT, env, [p.email for p in posts], data_dir)}
        for post in posts:
            post.stored = by_email.get(post.email, {})
        figures = report(args, posts, seconds)
    finally:
        if args.keep:
            print(f"Data folder kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS_DIR / f"comments_bots-{stamp}.json"
    out.write_text(json.dumps({"command": command, "when": stamp, "machine": {
        "cpus": os.cpu_count(), "python": platform.python_version()},
        **figures}, indent=2, default=str))
    print(f"\nResults: {out.relative_to(ROOT)}\nReproduce: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

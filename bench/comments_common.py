"""What the comment benchmarks share (comments_bots.py, comments_load.py, comments_isso.py).

* a fresh site: its own GAZETTE_DATA_DIR (and, given a PostgreSQL URL, a database created for
  the run and dropped after it), the demo newsroom plus synthetic stories, the discussion rules
  the benchmark asks for; prepared in a child process so that settings see the fresh folder;
* the real server: ``gazette run`` (granian with its web workers, the task worker and the
  scheduler) in a session of its own, stopped with everything it started;
* an HTTP client that posts from a chosen loopback address. The site trusts no
  ``X-Forwarded-For`` (there is no trusted-proxy setting), so the address a comment comes from
  is the connection's: Linux routes all of 127.0.0.0/8 to the loopback interface, and a client
  socket bound to 127.a.b.c reaches the server as coming from 127.a.b.c. Readers get an address
  (and a /24 network) of their own, bots share a botnet's few networks;
* the form as a browser sees it: the page's form fields parsed from the article page, the
  script's per-view token from ``/comments/token/<id>/``;
* the shared corpora (``../shared/corpora``), read in place.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
SITE_FILE = "bench_comments_site.json"

# Environment that would point the server somewhere else than the fresh data folder.
FOREIGN_ENV = ("DATABASE_URL", "REDIS_URL", "GAZETTE_STATIC_ROOT", "GAZETTE_MEDIA_ROOT",
               "GAZETTE_TASKS_BACKEND", "GAZETTE_ACCESS_LOG", "WEB_CONCURRENCY", "PORT",
               "GAZETTE_CACHE", "GAZETTE_CACHE_DIR", "GAZETTE_CACHE_PREFIX", "GAZETTE_BASE_URL",
               "GAZETTE_SERVER", "EMAIL_HOST", "EMAIL_BACKEND", "PYTEST_XDIST_WORKER")

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1")
BROWSERS = (CHROME, FIREFOX, SAFARI)


# --- Addresses --------------------------------------------------------------------------------

def reader_address(number: int) -> str:
    """A loopback address in a /24 network of its own (number < 63,000)."""
    return f"127.{1 + number // 256}.{number % 256}.{1 + (number * 37) % 250}"


def botnet_address(network: int, host: int) -> str:
    """An address in one of the botnet's /24 networks (127.250.x.y and up)."""
    return f"127.{250 + network // 256}.{network % 256}.{1 + host % 250}"


# --- The site -------------------------------------------------------------------------------

def site_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update({"GAZETTE_DATA_DIR": str(data_dir), "DEBUG": "0",
                "DJANGO_SETTINGS_MODULE": "gazette.settings", "PYTHONHASHSEED": "0"})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextlib.contextmanager
def postgres_database(url: str | None, name: str) -> Iterator[str | None]:
    """A database ``name`` created on the server of ``url`` for the run, dropped after it;
    yields its URL (None without ``url``: SQLite in the data folder)."""
    if not url:
        yield None
        return
    import psycopg

    parts = urllib.parse.urlsplit(url)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_site(articles: int, moderation: str, link_limit: int | None = None,
               surge: int | None = None, page_size: int | None = None) -> None:
    """Child process: migrate, demo, stories up to ``articles``, the discussion rules; writes
    the open stories' ids and URLs to SITE_FILE in the data folder."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from wagtail.models import Site

    from gazette.comments.models import DiscussionSettings
    from gazette.comments.rules import rules_for
    from gazette.database import database_optimize
    from gazette.news import demo
    from gazette.news.models import ArticlePage

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    demo.demo_load()
    live = ArticlePage.objects.live().public()
    missing = articles - live.count()
    if missing > 0:
        demo.demo_bulk(missing)
    site = Site.objects.get(is_default_site=True)
    rules = DiscussionSettings.for_site(site)
    rules.moderation_mode = moderation
    if link_limit is not None:
        rules.link_limit = link_limit
    if surge is not None:
        rules.surge_threshold = surge
    if page_size is not None:
        rules.page_size = page_size
    rules.save()
    database_optimize()
    stories = [{"id": page.pk, "url": page.get_url()} for page in live.order_by("path")
               if not rules_for(page).is_closed(page)]
    Path(settings.DATA_DIR, SITE_FILE).write_text(json.dumps({
        "stories": stories, "moderation": moderation,
        "articles": live.count(), "database": settings.DATABASES["default"]["ENGINE"],
    }))


def prepare_site(script: Path, data_dir: Path, env: dict[str, str], articles: int,
                 moderation: str, link_limit: int | None = None,
                 surge: int | None = None, page_size: int | None = None) -> dict:
    command = [sys.executable, str(script), "--setup-site", str(articles), "--moderation",
               moderation]
    if page_size is not None:
        command += ["--page-size", str(page_size)]
    if link_limit is not None:
        command += ["--link-limit", str(link_limit)]
    if surge is not None:
        command += ["--surge", str(surge)]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=1800)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit("site setup failed")
    # Publishing the stories queued their tasks (image renditions, the reference index): run
    # them now, or the first server's worker runs them inside the timed window, on its CPU.
    drained = subprocess.run([sys.executable, "-m", "gazette.cli", "manage", "db_worker",
                              "--batch", "--queue-name", "*"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=1800)
    if drained.returncode != 0:
        sys.stderr.write(drained.stdout[-4000:] + drained.stderr[-4000:])
        raise SystemExit("running the site's queued tasks failed")
    return json.loads((data_dir / SITE_FILE).read_text())


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_gazette(env: dict[str, str], data_dir: Path, workers: int = 2,
                    extra_env: dict[str, str] | None = None,
                    name: str = "gazette") -> Iterator[Server]:
    """``gazette run --no-demo`` (the site is prepared already) on a free port: web workers,
    task worker and scheduler, stopped together afterwards."""
    port = free_port()
    log = data_dir / f"{name}-{port}.log"
    server_env = {**env, **(extra_env or {}), "GAZETTE_BASE_URL": f"http://127.0.0.1:{port}"}
    command = [sys.executable, "-m", "gazette.cli", "run", "--no-demo", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=server_env, cwd=ROOT, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, port, log)
    try:
        wait_answering(server.base + "/healthz", process, log, 180)
        yield server
    finally:
        stop_session(process)


def wait_answering(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}:\n"
                             + log.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {timeout:g} s:\n"
                             + log.read_text(errors="replace")[-3000:])
        time.sleep(0.3)


def stop_session(process: subprocess.Popen) -> None:
    """Stop a server started with ``start_new_session``: it and its children, nobody else."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process and every live descendant (Linux):
    ``gazette run``'s supervisor starts each child in a session of its own."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, ..., utime (12th), stime (13th).
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = int(fields[11]) + int(fields[12])
    total = 0
    for pid in cpu:
        walker = pid
        while walker and walker != root:
            walker = parents.get(walker, 0)
        if walker == root:
            total += cpu[pid]
    return total / ticks


# --- HTTP -----------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    error: str = ""

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def json(self) -> dict:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


def http_request(port: int, method: str, path: str, *, body: bytes | None = None,
                 headers: dict[str, str] | None = None, source: str | None = None,
                 timeout: float = 60) -> Answer:
    """One request on a connection of its own from ``source`` (a loopback address); never
    raises: a failure is status 0 with ``error``."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout,
        source_address=(source, 0) if source else None)
    try:
        connection.request(method, path, body=body, headers={"Connection": "close",
                                                             **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data,
                      time.perf_counter() - started)
    except (OSError, http.client.HTTPException) as error:
        return Answer(0, {}, b"", time.perf_counter() - started, f"{type(error).__name__}")
    finally:
        connection.close()


def form_body(fields: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(fields).encode()


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


class _FormFields(HTMLParser):
    """The inputs (name -> value) and the action of the first form posting to /comments/."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.textareas: list[str] = []
        self._inside = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if self._done:
            return
        if tag == "form" and "/comments/post/" in values.get("action", ""):
            self._inside, self.action = True, values["action"]
        elif self._inside and tag in ("input", "select") and values.get("name"):
            if values.get("type") in ("checkbox", "radio") and "checked" not in values:
                self.fields.setdefault(values["name"], "")
            else:
                self.fields[values["name"]] = values.get("value", "")
        elif self._inside and tag == "textarea" and values.get("name"):
            self.textareas.append(values["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._inside:
            self._inside, self._done = False, True


@dataclass
class PageForm:
    action: str
    fields: dict[str, str] = field(default_factory=dict)


def page_form(page: bytes) -> PageForm | None:
    parser = _FormFields()
    parser.feed(page.decode("utf-8", "replace"))
    if not parser.action:
        return None
    return PageForm(html.unescape(parser.action), parser.fields)


def js_token(answer: Answer) -> str:
    """The script's token from ``/comments/token/<id>/``: JSON (``js_token`` or ``token``)
    or the plain body."""
    if answer.status != 200:
        return ""
    value = answer.json()
    for key in ("js_token", "token"):
        if isinstance(value.get(key), str):
            return value[key]
    text = answer.body.decode("utf-8", "replace").strip()
    return text if text and not text.startswith("{") and len(text) < 500 else ""


def comment_id_from_location(location: str) -> int | None:
    found = re.search(r"#comment-(\d+)$", location)
    return int(found.group(1)) if found else None


# --- Corpora --------------------------------------------------------------------------------

def corpus_texts(label: str) -> list[str]:
    """Texts of one label from both shared corpora, read in place, exact repeats dropped,
    YouTube's <br /> as line breaks."""
    sys.path.insert(0, str(ROOT))
    from gazette.antispam.engine import corpora

    root = Path(os.environ.get("GAZETTE_CORPORA") or corpora.DEFAULT_ROOT)
    if not corpora.available(root):
        raise SystemExit(f"the shared corpora are not in {root} (set GAZETTE_CORPORA)")
    seen: set[str] = set()
    texts = []
    for row in corpora.youtube_rows(root) + corpora.sms_rows(root):
        text = re.sub(r"<br\s*/?>", "\n", row["text"]).strip()
        if row["label"] == label and text and text not in seen:
            seen.add(text)
            texts.append(text)
    return texts


# --- Reading the database afterwards (child process) ----------------------------------------

def inspect_comments(emails_file: Path) -> None:
    """Child process: every comment of the given emails as JSON lines on stdout."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    django.setup()
    from gazette.comments.models import Comment

    emails = json.loads(emails_file.read_text())
    for start in range(0, len(emails), 500):
        for row in Comment.objects.filter(author_email__in=emails[start:start + 500]).values(
            "id", "author_email", "status", "held_by", "spam_score", "trail", "text",
        ):
            spam = [step for step in row["trail"] if step.get("step") == "spam_defence"]
            print(json.dumps({
                "id": row["id"], "email": row["author_email"], "status": row["status"],
                "held_by": row["held_by"], "score": row["spam_score"],
                "verdict": (spam[0].get("engine") or spam[0].get("outcome")) if spam else None,
                "reasons": spam[0].get("reasons") if spam else None,
                "text": row["text"],
            }))


def stored_comments(script: Path, env: dict[str, str], emails: list[str],
                    data_dir: Path) -> list[dict]:
    emails_file = data_dir / "bench_emails.json"
    emails_file.write_text(json.dumps(emails))
    done = subprocess.run([sys.executable, str(script), "--inspect", str(emails_file)],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit("reading the stored comments failed")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def load_average() -> float:
    return round(os.getloadavg()[0], 2)

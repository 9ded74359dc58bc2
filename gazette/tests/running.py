"""Start the real `gazette run` for end-to-end tests, and look at its processes from /proc.

Each test module that starts a site marks itself with an xdist group of its own
(``xdist_group("site-<name>")``): its tests share the module's site on one xdist worker, while
other modules' sites run on other workers at the same time (under ``--dist loadgroup``), rather
than every site one after another on a single worker. A site's data folder is a copy of one
migrated template per pytest run (the ``site_data`` fixture, gazette/conftest.py).
"""

from __future__ import annotations

import fcntl
import http.client
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

# Variables that would point the site at shared services or another address.
NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "GAZETTE_TASKS_BACKEND", "PORT", "WEB_CONCURRENCY",
                 "GAZETTE_BASE_URL", "GAZETTE_SERVER", "GAZETTE_CACHE", "GAZETTE_CACHE_DIR",
                 "PYTEST_XDIST_WORKER")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every live process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            after_name = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if after_name[0] != "Z":
            table[int(entry.name)] = (int(after_name[1]), cmdline)
    return table


def children_of(pid: int) -> dict[int, str]:
    return {child: cmd for child, (parent, cmd) in process_table().items() if parent == pid}


def role(cmdline: str) -> str:
    for name, marker in (("web", "granian"), ("worker", "gazette.cli worker"),
                         ("scheduler", "gazette.cli scheduler")):
        if marker in cmdline:
            return name
    return "other"


def alive(pid: int) -> bool:
    return pid in process_table()


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


@dataclass
class Site:
    process: subprocess.Popen
    port: int
    log: Path
    env: dict[str, str]

    def child(self, name: str) -> int | None:
        found = [pid for pid, cmd in children_of(self.process.pid).items() if role(cmd) == name]
        return found[0] if len(found) == 1 else None

    def web_workers(self) -> set[int]:
        master = self.child("web")
        return set(children_of(master)) if master else set()

    def request(self, path: str, method: str = "GET") -> tuple[int, str]:
        """One request on a connection of its own, so successive ones reach either worker."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def get(self, path: str) -> int:
        return self.request(path)[0]

    def manage_shell(self, code: str) -> str:
        """Run Python in a process of its own, as an operator's `gazette manage shell` would."""
        done = subprocess.run(
            [sys.executable, "-m", "gazette.cli", "manage", "shell", "-c", code],
            env=self.env, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


def site_environment(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env["GAZETTE_DATA_DIR"] = str(data)
    env.update(extra)
    return env


# What a fresh data folder holds once migrated and its static files collected (the rest, such
# as the secret key and the cache folder, each site makes for itself).
PREPARED = ("gazette.sqlite3", "static")


def _manage(env: dict[str, str], *command: str) -> None:
    done = subprocess.run([sys.executable, "-m", "gazette.cli", "manage", *command, "-v", "0"],
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"gazette manage {' '.join(command)}:\n{done.stderr}"


def site_template(root: Path) -> Path:
    """A data folder migrated and with static files collected, built once under ``root`` (the
    pytest run's temporary folder, shared by its xdist workers, who take turns on a lock).

    Migrating a fresh SQLite database costs about 20 s of CPU; each test site copies this
    folder instead (prepared_data), and `gazette run` then finds nothing left to migrate.
    Without its ".ready" mark (a build that failed half-way) it is built again.
    """
    template, ready = root / "site-template", root / "site-template" / ".ready"
    with (root / "site-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            shutil.rmtree(template, ignore_errors=True)
            template.mkdir()
            env = site_environment(template)
            _manage(env, "migrate", "--no-input")
            _manage(env, "collectstatic", "--no-input")
            # Everything in the database file itself, so that copying that one file is enough.
            with closing(sqlite3.connect(template / "gazette.sqlite3")) as database:
                database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            ready.touch()
    return template


def prepared_data(data: Path, template: Path) -> Path:
    """``data`` holding a copy of the template's database and static files; returns ``data``."""
    for name in PREPARED:
        source = template / name
        if source.is_dir():
            shutil.copytree(source, data / name, dirs_exist_ok=True)
        else:
            shutil.copy2(source, data / name)
    return data


@contextmanager
def running_site(data: Path, *args: str, env: dict[str, str] | None = None,
                 workers: int = 2) -> Iterator[Site]:
    """`gazette run` on a free port, answering with all its children, stopped afterwards."""
    env = env or site_environment(data)
    port, log = free_port(), data / "run.log"
    started = time.monotonic()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gazette.cli", "run", "--port", str(port),
             "--workers", str(workers), *args],
            env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    site = Site(process, port, log, env)

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"gazette run exited early:\n{log.read_text()}")
        try:
            return site.get("/healthz") == 200 and len(site.web_workers()) == workers
        except OSError:
            return False

    try:
        wait_until(answers, 120, "gazette run answering")
        print(f"\ngazette run {' '.join(args)} answered after {time.monotonic() - started:.1f} s")
        wait_until(lambda: site.child("worker") and site.child("scheduler"), 30, "all children")
        yield site
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

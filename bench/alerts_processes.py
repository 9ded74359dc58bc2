"""The processes of the alerts benchmark (alerts_fanout.py, alerts_parts.py): their CPU, read
from /proc for a process and its descendants; stopping them; the push sink, a process of its
own; a site's environment, Django code run in a child process, and the task workers' command.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Environment that would point the site somewhere else than the run's own folder and services.
FOREIGN_ENV = ("DATABASE_URL", "REDIS_URL", "GAZETTE_TASKS_BACKEND", "GAZETTE_CACHE",
               "GAZETTE_CACHE_DIR", "GAZETTE_CACHE_PREFIX", "PYTEST_XDIST_WORKER",
               "DJANGO_SETTINGS_MODULE", "GAZETTE_ALERTS_BATCH")


# --- Processes and their CPU ----------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and its reaped children)."""
    try:
        after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    utime, stime, cutime, cstime = (int(v) for v in after_name[11:15])
    return int(after_name[1]), (utime + stime + cutime + cstime) / CLOCK_TICKS


def tree_cpu(root_pids: list[int]) -> float:
    """CPU seconds used so far by these processes and all their descendants (RQ forks a work
    horse per job: its time lands in its parent's reaped-children count)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found:
                table[int(entry.name)] = found
    total, frontier = 0.0, list(root_pids)
    seen: set[int] = set()
    while frontier:
        pid = frontier.pop()
        if pid in seen or pid not in table:
            continue
        seen.add(pid)
        total += table[pid][1]
        frontier += [child for child, (parent, _) in table.items() if parent == pid]
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- The sink -------------------------------------------------------------------------------


@dataclass
class Sink:
    keys: Path
    verify_every: int
    process: subprocess.Popen[bytes] | None = None
    url: str = ""

    def start(self) -> None:
        self.process = subprocess.Popen(
            [PYTHON, "-c", "from gazette.alerts.testing.push_service import main; main()",
             "--keys", str(self.keys),
             "--verify-every", str(self.verify_every)],
            cwd=ROOT, stdout=subprocess.PIPE, start_new_session=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        if not line.startswith("listening "):
            raise SystemExit(f"the push sink did not start: {line!r}")
        self.url = line.split()[1]

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/stats", timeout=30) as response:
            return dict(json.load(response))

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/reset", method="POST"),
                               timeout=30).read()

    def stop(self) -> None:
        if self.process:
            stop([self.process])


# --- The site -------------------------------------------------------------------------------


def site_env(folder: Path, *, redis_url: str = "", batch: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update(GAZETTE_DATA_DIR=str(folder), GAZETTE_PUSH_ALLOW_INSECURE="1",
               GAZETTE_ALERTS_BATCH=str(batch), DJANGO_SETTINGS_MODULE="gazette.settings",
               PYTHONPATH=str(ROOT))
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def django_run(env: dict[str, str], code: str) -> str:
    """Python with Django set up, in a process of its own (settings read the run's folder)."""
    program = "import django; django.setup()\n" + code
    done = subprocess.run([PYTHON, "-c", program], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def worker_command(kind: str) -> list[str]:
    if kind == "db":
        return [PYTHON, "-m", "gazette.cli", "worker"]
    command = [PYTHON, "-m", "gazette.cli", "manage", "rqworker",
               "--job-class", "django_tasks_rq.backend.Job"]
    if kind == "rq-simple":  # no fork per job: the process keeps its connections
        command += ["--worker-class", "rq.worker.SimpleWorker"]
    return command + ["alerts"]


"""Isso 0.14, the peer of the comment benchmarks (comments_isso.py, comments_floor.py,
comments_instructions.py): its virtualenv, its configuration, and the server under gunicorn.

Isso runs from a virtualenv of its own (created with ``pip install isso==0.14.0 gunicorn`` when
missing; never part of the project), as the shared peer does (``/work/shared/peers/isso``):
gunicorn with ``--preload``, SQLite, ``[moderation] enabled = false`` and ``[guard] enabled =
false`` (its rate limit would refuse a benchmark).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments_common import free_port, http_request, stop_session, wait_answering  # noqa: E402

ISSO_CONFIG = """[general]
dbpath = {db}
host = http://127.0.0.1:8000/
notify = stdout
max-age = 15m
latest-enabled = true

[server]
listen = http://127.0.0.1:{port}/
public-endpoint = http://127.0.0.1:{port}

[moderation]
enabled = false

[guard]
enabled = false

[admin]
enabled = false
"""


def isso_ready(venv: Path) -> Path:
    if not (venv / "bin" / "gunicorn").exists() or not (venv / "bin" / "isso").exists():
        print(f"   creating {venv}: pip install isso==0.14.0 gunicorn", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "isso==0.14.0",
                        "gunicorn"], check=True)
    version = subprocess.run([str(venv / "bin" / "python"), "-c",
                              "import importlib.metadata as m; print(m.version('isso'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version != "0.14.0":
        raise SystemExit(f"{venv} holds isso {version}, not 0.14.0")
    return venv


class Isso:
    def __init__(self, venv: Path, workdir: Path, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = workdir / "isso.cfg"
        config.write_text(ISSO_CONFIG.format(db=workdir / "isso.db", port=self.port))
        self.log = workdir / "isso.log"
        self.command = [str(venv / "bin" / "gunicorn"), "-b", f"127.0.0.1:{self.port}", "-w",
                        str(workers), "--preload", "isso.run"]
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                self.command, env={**os.environ, "ISSO_SETTINGS": str(config)}, cwd=workdir,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        wait_answering(self.base + "/info", self.process, self.log, 60)

    def post(self, uri: str, text: str, author: str, email: str, source: str) -> int:
        body = json.dumps({"text": text, "author": author, "email": email,
                           "title": "Bench story"}).encode()
        return http_request(self.port, "POST", f"/new?uri={uri}", body=body, source=source,
                            headers={"Content-Type": "application/json"}).status

    def stop(self) -> None:
        stop_session(self.process)

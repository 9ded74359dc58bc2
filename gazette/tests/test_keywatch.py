"""A value kept in memory is never one that another process changed: gazette/keywatch.py
against a real Redis of the test's own (whoever writes, however: write, flush, restart), and
the disk cache's watched keys (gazette/cache.py) across processes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import pytest
import redis as redis_py

from gazette.cache import DiskCache
from gazette.keywatch import KeyWatch

from .running import free_port, wait_until

needs_redis = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


class Server:
    def __init__(self, folder: Path) -> None:
        self.port, self.folder = free_port(), folder
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, 10, "redis-server answering")

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis_py.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self) -> redis_py.Redis:
        return redis_py.Redis(port=self.port)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/3"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    running.start()
    yield running
    running.stop()




@needs_redis
def test_the_value_is_kept_until_redis_reports_a_change(server):
    key = f"site:1:stamp:{uuid.uuid4().hex}"
    writer = server.client()
    writer.set(key, "one")
    watch = KeyWatch(server.url, key)
    client = server.client()
    assert watch.get(lambda: client.get(key)) == b"one"
    calls = []
    assert [watch.get(lambda: calls.append(1)) for _ in range(50)] == [b"one"] * 50
    assert calls == [], "kept: Redis was not asked again"
    writer.set(key + "-other-prefix-is-also-the-prefix", "x")  # BCAST prefix: counts as a change
    writer.set("elsewhere", "x")
    assert watch.get(lambda: client.get(key)) == b"one"


@needs_redis
def test_a_write_by_anyone_is_seen_by_the_very_next_read(server):
    key = f"site:1:stamp:{uuid.uuid4().hex}"
    writer = server.client()
    client = server.client()
    watch = KeyWatch(server.url, key)
    for n in range(300):
        writer.set(key, f"v{n}")
        assert watch.get(lambda: client.get(key)) == f"v{n}".encode()
        assert watch.get(lambda: client.get(key)) == f"v{n}".encode()
    writer.delete(key)
    assert watch.get(lambda: client.get(key)) is None
    writer.set(key, "back", px=50)
    assert watch.get(lambda: client.get(key)) == b"back"
    time.sleep(0.2)
    client.get(key)  # expiry is noticed (and pushed) when the key is next touched
    assert watch.get(lambda: client.get(key)) is None


@needs_redis
def test_a_flush_or_a_restart_is_a_change(server):
    key = f"site:1:stamp:{uuid.uuid4().hex}"
    writer = server.client()
    writer.set(key, "one")
    client = server.client()
    watch = KeyWatch(server.url, key)
    assert watch.get(lambda: client.get(key)) == b"one"
    writer.flushall()
    assert watch.get(lambda: client.get(key)) is None
    writer.set(key, "two")
    assert watch.get(lambda: client.get(key)) == b"two"
    server.stop()
    assert watch.get(lambda: "read while down") == "read while down"
    server.start()
    server.client().set(key, "three")
    time.sleep(1.1)  # the watch reconnects at most once a second
    fresh = server.client()
    assert watch.get(lambda: fresh.get(key)) == b"three"
    assert watch.get(lambda: "not asked") == b"three"
    server.client().set(key, "four")
    assert watch.get(lambda: fresh.get(key)) == b"four"


@needs_redis
def test_without_tracking_every_read_goes_to_redis(server):
    watch = KeyWatch(f"rediss://127.0.0.1:{server.port}/0", "k")
    assert [watch.get(lambda n=n: n) for n in range(3)] == [0, 1, 2]


# --- The disk cache's watched keys (gazette/cache.py) ----------------------------------------

WRITE_ELSEWHERE = """
import sys
from gazette.cache import DiskCache
cache = DiskCache(sys.argv[1], {})
cache.set("stamp", sys.argv[2], timeout=None)
cache.watched_changed()
"""


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[DiskCache]:
    cache = DiskCache(str(tmp_path / "cache"), {})
    yield cache
    cache.close_for_real()


def test_disk_keeps_a_watched_value_until_a_writer_says_it_changed(disk):
    disk.set("stamp", "one", timeout=None)
    assert disk.get_watched("stamp") == "one"
    with patch.object(disk, "get") as get:
        assert [disk.get_watched("stamp") for _ in range(20)] == ["one"] * 20
    assert get.call_count == 0
    disk.set("stamp", "two", timeout=None)
    disk.watched_changed()
    assert disk.get_watched("stamp") == "two"
    disk.clear()
    assert disk.get_watched("stamp") is None


def test_disk_sees_a_change_written_by_another_process_at_once(disk):
    disk.set("stamp", "one", timeout=None)
    assert disk.get_watched("stamp") == "one"
    for value in ("two", "three"):
        done = subprocess.run([sys.executable, "-c", WRITE_ELSEWHERE, disk.directory, value],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert disk.get_watched("stamp") == value

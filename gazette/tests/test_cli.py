import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gazette import cli
from gazette.health import selectors
from gazette.supervisor import Supervisor


@pytest.mark.django_db
def test_ensure_admin_generates_once_and_keeps_the_password(settings, tmp_path, monkeypatch):
    from django.contrib.auth import get_user_model

    settings.DATA_DIR = tmp_path
    monkeypatch.delenv("GAZETTE_ADMIN_PASSWORD", raising=False)
    name, password = cli.ensure_admin()
    user = get_user_model().objects.get(username=name)
    assert user.is_superuser and user.check_password(password)
    assert (tmp_path / "admin_password").read_text() == password
    assert cli.ensure_admin() == ("admin", password)
    assert get_user_model().objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_ensure_admin_takes_the_password_from_the_environment(settings, tmp_path, monkeypatch):
    from django.contrib.auth import get_user_model

    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("GAZETTE_ADMIN_PASSWORD", "chosen-by-the-installer")
    cli.ensure_admin()
    assert get_user_model().objects.get(username="admin").check_password("chosen-by-the-installer")
    monkeypatch.setenv("GAZETTE_ADMIN_PASSWORD", "changed-later-on")
    cli.ensure_admin()
    assert get_user_model().objects.get(username="admin").check_password("changed-later-on")


def test_parser_knows_every_command():
    parser = cli.build_parser()
    assert parser.parse_args(["run", "--port", "9000"]).port == 9000
    assert parser.parse_args(["scheduler", "--interval", "5"]).interval == 5
    assert parser.parse_args(["demo", "--bulk", "10"]).bulk == 10
    assert parser.parse_args(["status", "--json"]).json is True


def test_served_processes_keep_freed_memory_unless_the_operator_says_otherwise():
    assert cli.serving_environment({"PATH": "/bin"}) == {
        "PATH": "/bin", "MALLOC_TOP_PAD_": str(32 * 1024 * 1024)}
    assert cli.serving_environment({"MALLOC_TOP_PAD_": "0"})["MALLOC_TOP_PAD_"] == "0"


def test_granian_replaces_a_worker_that_dies():
    command = cli.server_command("127.0.0.1", 9000, 2)
    assert "--respawn-failed-workers" in command


# --- gazette status ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_status_exits_0_when_ready(capsys):
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ready")
    assert "database" in out and "cache" in out and "tasks" in out


@pytest.mark.django_db
def test_status_exits_1_and_names_what_fails(capsys, monkeypatch):
    def broken() -> dict:
        raise ConnectionError("no route to the cache")

    monkeypatch.setitem(selectors.CHECKS, "cache", broken)
    assert cli.main(["status"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NOT READY: cache failing")
    # Operators at the shell see the message the public /readyz keeps to itself.
    assert "no route to the cache" in out


@pytest.mark.django_db
def test_status_json_is_the_readyz_document(capsys, monkeypatch):
    assert cli.main(["status", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["status"] == "ok" and set(document["checks"]) == {"database", "cache", "tasks"}
    monkeypatch.setitem(selectors.CHECKS, "database", lambda: 1 / 0)
    assert cli.main(["status", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["failing"] == ["database"]


# --- the supervisor, with tiny child commands and a clock the test moves ----------------------

EXIT_AT_ONCE = [sys.executable, "-c", "pass"]
SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_supervisor(children: dict[str, list[str]], **options) -> tuple[Supervisor, Clock, list]:
    clock, log = Clock(), []
    options = {"backoff": 1, "max_backoff": 8, "stable_after": 60, "grace": 5, **options}
    return Supervisor(children, clock=clock, log=log.append, **options), clock, log


def test_a_child_that_keeps_dying_waits_twice_as_long_each_time_up_to_the_cap():
    supervisor, clock, log = make_supervisor({"flaky": EXIT_AT_ONCE})
    child = supervisor.children[0]
    delays = []
    supervisor.start()
    try:
        for _ in range(6):
            child.process.wait(timeout=30)
            supervisor.poll()
            delays.append(child.restart_at - clock.now)
            clock.now = child.restart_at - 0.1
            supervisor.poll()
            assert child.restart_at is not None, "not restarted before its wait is over"
            clock.now += 0.1
            supervisor.poll()
            assert child.restart_at is None
    finally:
        supervisor.stop()
    assert delays == [1, 2, 4, 8, 8, 8]
    assert child.restarts == 6
    assert log[0].startswith("flaky (pid ") and "exited with code 0" in log[0]
    assert "restarting in 1 s" in log[0]
    assert "restarted as pid" in log[1] and "(restart 1)" in log[1]


def test_the_wait_starts_again_from_one_second_after_a_long_run():
    supervisor, clock, log = make_supervisor({"flaky": EXIT_AT_ONCE})
    child = supervisor.children[0]
    supervisor.start()
    try:
        for _ in range(3):  # waits of 1, 2 and 4 s
            child.process.wait(timeout=30)
            supervisor.poll()
            clock.now = child.restart_at
            supervisor.poll()
        child.process.wait(timeout=30)
        clock.now += 61  # it stayed up longer than stable_after before dying
        supervisor.poll()
        assert child.restart_at - clock.now == 1
    finally:
        supervisor.stop()


def test_a_killed_child_is_logged_by_signal_and_the_others_keep_running():
    supervisor, clock, log = make_supervisor({"worker": SLEEP, "scheduler": SLEEP})
    supervisor.start()
    worker, scheduler = supervisor.children
    try:
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait(timeout=30)
        supervisor.poll()
        assert "was killed by SIGKILL" in log[0]
        assert scheduler.running
        first_pid = worker.process.pid
        clock.now = worker.restart_at
        supervisor.poll()
        assert worker.running and worker.process.pid != first_pid
    finally:
        supervisor.stop()
    assert not worker.running and not scheduler.running


def wait_for_file(path: Path, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.02)
    raise AssertionError(f"{path} never written")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_what_a_dead_child_left_behind_is_stopped_after_the_handover(tmp_path):
    # A parent that starts a grandchild and dies, as a killed granian master leaves its workers.
    script = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "open(sys.argv[1], 'w').write(str(child.pid))\n"
    )
    supervisor, clock, log = make_supervisor(
        {"web": [sys.executable, "-c", script, str(tmp_path / "pid")]}, handover=5, grace=5
    )
    supervisor.start()
    try:
        supervisor.children[0].process.wait(timeout=30)
        orphan = int(wait_for_file(tmp_path / "pid"))
        supervisor.poll()
        assert len(supervisor.leftovers) == 1
        clock.now = 1 + 5 - 0.1  # restarted at 1 s; the orphan still serves during the handover
        supervisor.poll()
        assert alive(orphan)
        clock.now = 1 + 5
        supervisor.poll()
        deadline = time.monotonic() + 20
        while alive(orphan) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(orphan)
        assert any("left behind" in line for line in log)
    finally:
        supervisor.stop()


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path):
    ready = tmp_path / "ready"
    stubborn = [sys.executable, "-c",
                "import signal, sys, time\n"
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                "open(sys.argv[1], 'w').write('ready')\n"
                "time.sleep(60)\n", str(ready)]
    supervisor, clock, log = make_supervisor({"stubborn": stubborn}, grace=0.5)
    supervisor.start()
    wait_for_file(ready)
    supervisor.stop()
    assert supervisor.children[0].process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_supervise_stops_every_child_and_exits_0_on_a_signal(tmp_path, sig):
    child = ("import os, sys, time\n"
             "open(sys.argv[1], 'w').write(str(os.getpid()))\n"
             "time.sleep(60)\n")
    children = {name: [sys.executable, "-c", child, str(tmp_path / name)] for name in ("a", "b")}
    program = ("import sys, json\n"
               "from gazette.supervisor import supervise\n"
               "sys.exit(supervise(json.loads(sys.argv[1])))\n")
    process = subprocess.Popen([sys.executable, "-c", program, json.dumps(children)])
    try:
        pids = [int(wait_for_file(tmp_path / name)) for name in children]
        process.send_signal(sig)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert not any(alive(pid) for pid in pids)

"""Keep `gazette run`'s children alive: restart one that dies, with backoff; stop all cleanly.

Each child runs in a process group of its own, so that what it leaves behind can be found: when
the granian master is killed its workers live on, orphaned, still serving on the shared port.
They are left to answer until the replacement master has had ``handover`` seconds to start,
then asked to stop (SIGTERM) and killed after the grace period; readers see no gap.

Plain objects driven by a clock that tests may replace; no threads.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PR_SET_PDEATHSIG = 1


def _log(message: str) -> None:
    print(f"gazette run: {message}", file=sys.stderr, flush=True)


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def _parent_death_signal() -> Callable[[], None] | None:
    """Ask Linux to SIGTERM each child if the supervisor itself dies (even by SIGKILL), so no
    server is left holding the port. libc is loaded here, in the parent: nothing is loaded
    between fork and exec."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None

    def set_signal() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)

    return set_signal


def signal_group(group: int, sig: int) -> bool:
    """Send ``sig`` to a process group; False when no process is left in it."""
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        return False
    except PermissionError:  # the group id was reused by someone else's process
        return False
    return True


@dataclass
class Child:
    """One supervised command: its current process and when to start it again."""

    name: str
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    delay: float = 0.0
    restart_at: float | None = None

    @property
    def started(self) -> subprocess.Popen[bytes]:
        """The current process; only asked of a child that was started."""
        assert self.process is not None, f"{self.name} was never started"
        return self.process

    def start(self, now: float, preexec: Callable[[], None] | None) -> None:
        self.process = subprocess.Popen(
            self.command, start_new_session=True, preexec_fn=preexec
        )
        self.started_at = now
        self.restart_at = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Leftover:
    """Processes a dead child left in its group (a killed granian master's workers)."""

    group: int
    name: str
    terminate_at: float
    terminated: bool = field(default=False)


class Supervisor:
    def __init__(
        self,
        children: dict[str, list[str]],
        *,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        stable_after: float = 60.0,
        grace: float = 15.0,
        handover: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str], None] = _log,
    ) -> None:
        self.children = [Child(name, list(command)) for name, command in children.items()]
        self.backoff, self.max_backoff, self.stable_after = backoff, max_backoff, stable_after
        self.grace, self.handover = grace, handover
        self.clock, self.log = clock, log
        self.leftovers: list[Leftover] = []
        self._preexec = _parent_death_signal()

    def start(self) -> None:
        for child in self.children:
            child.start(self.clock(), self._preexec)

    def poll(self) -> None:
        """Notice children that died, start those whose backoff is over, clear leftovers."""
        now = self.clock()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    child.start(now, self._preexec)
                    self.log(f"{child.name} restarted as pid {child.started.pid} "
                             f"(restart {child.restarts})")
                continue
            returncode = child.started.poll()
            if returncode is not None:
                self._schedule_restart(child, returncode, now)
        self._clear_leftovers(now)

    def _schedule_restart(self, child: Child, returncode: int, now: float) -> None:
        uptime = now - child.started_at
        # A child that stayed up a while had a one-off accident: start again from the
        # shortest wait. One that keeps dying waits twice as long each time, up to the cap.
        if uptime >= self.stable_after or child.delay == 0:
            child.delay = self.backoff
        else:
            child.delay = min(child.delay * 2, self.max_backoff)
        child.restart_at = now + child.delay
        self.log(f"{child.name} (pid {child.started.pid}) {describe_exit(returncode)} after "
                 f"{uptime:.1f} s; restarting in {child.delay:g} s")
        group = child.started.pid
        if signal_group(group, 0):
            self.leftovers.append(
                Leftover(group, child.name, terminate_at=child.restart_at + self.handover)
            )

    def _clear_leftovers(self, now: float) -> None:
        kept = []
        for leftover in self.leftovers:
            if not signal_group(leftover.group, 0):
                continue
            if now >= leftover.terminate_at + self.grace:
                self.log(f"killing what the old {leftover.name} left behind")
                signal_group(leftover.group, signal.SIGKILL)
                continue
            if now >= leftover.terminate_at and not leftover.terminated:
                self.log(f"stopping what the old {leftover.name} left behind")
                signal_group(leftover.group, signal.SIGTERM)
                leftover.terminated = True
            kept.append(leftover)
        self.leftovers = kept

    def stop(self) -> None:
        """SIGTERM every child and leftover, wait up to the grace period, then SIGKILL."""
        for child in self.children:
            if child.running:
                child.started.send_signal(signal.SIGTERM)
        for leftover in self.leftovers:
            signal_group(leftover.group, signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.log(f"{child.name} did not stop within {self.grace:g} s; killing it")
                signal_group(child.started.pid, signal.SIGKILL)
                child.process.wait()
        groups = [leftover.group for leftover in self.leftovers]
        groups += [child.started.pid for child in self.children if child.process is not None]
        while time.monotonic() < deadline and any(signal_group(g, 0) for g in groups):
            time.sleep(0.05)
        for group in groups:
            signal_group(group, signal.SIGKILL)
        self.leftovers = []


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def supervise(children: dict[str, list[str]], **options: object) -> int:
    """Run ``children`` until SIGINT, SIGTERM or SIGHUP, restarting any that dies.

    Returns 0 once everything has stopped. ``options`` go to :class:`Supervisor`.
    """
    supervisor = Supervisor(children, **options)  # type: ignore[arg-type]
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        supervisor.start()
        while not stopping:
            supervisor.poll()
            time.sleep(0.2)
    finally:
        supervisor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0

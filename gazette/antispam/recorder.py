"""Records of answered comment-checks, written even when the database is busy.

A comment-check is answered from reads alone (SQLite's write-ahead log lets them through a
write lock held elsewhere); what it leaves to write (recent activity, daily and usage
counts: ``CheckOutcome.record``) is tried once in the request's thread, with a short wait on
SQLite's lock. If that fails because the database is locked or unreachable, the record joins
a queue in this process that a thread of its own writes in order, waiting as long as the
database's busy timeout allows and then backing off, until each is written. While records
wait, new ones join the queue instead of each holding a server thread on the lock. A record
carries the time of its check, so one written late counts on the day it was answered and
keeps its place in the burst windows.

The queue lives in memory: ``flush`` (run at exit, bounded by
``GAZETTE_ANTISPAM_FLUSH_SECONDS``) writes what it can when the process stops cleanly; a
process killed outright, or stopped while the database stays locked past that bound, loses
the records still queued (each such loss is logged with its count).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from django.db import DatabaseError, InterfaceError, OperationalError, connection

from . import conf

logger = logging.getLogger("gazette.antispam")

Record = Callable[[], None]

# The request's own try waits this long for SQLite's lock before leaving the record to the
# writer: a server thread must not sit out another process's lock.
REQUEST_WAIT_MS = 200
# Backoff of the writer between failed tries (its own tries wait the full busy timeout).
BACKOFF_FIRST = 0.05
BACKOFF_MAX = 2.0
# Past this many waiting records, a request writes its own, however long that waits: the
# answer has gone, so this slows the server rather than dropping counts (about 2 kB each).
MAX_PENDING = 50_000
RETRYABLE = (OperationalError, InterfaceError)


class Recorder:
    """One process's queue of records waiting for the database, and the thread that writes
    them."""

    def __init__(self) -> None:
        self._pending: deque[Record] = deque()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self.written_late = 0
        self.failed_tries = 0

    def pending(self) -> int:
        with self._changed:
            return len(self._pending)

    def submit(self, record: Record) -> None:
        """Write ``record`` now if the database lets it, else queue it; never raises."""
        with self._changed:
            queued = bool(self._pending) and self._pid == os.getpid()
            if queued and len(self._pending) < MAX_PENDING:
                self._pending.append(record)
                return
        try:
            with _short_wait(REQUEST_WAIT_MS):
                record()
        except RETRYABLE as error:
            if self.pending() >= MAX_PENDING:
                self._write_until_done(record, error)
                return
            self._enqueue(record, error)
        except Exception:
            # Not the database being busy: a record that can never be written.
            logger.exception("antispam: could not record a comment-check")

    def _enqueue(self, record: Record, error: BaseException) -> None:
        logger.warning("antispam: comment-check record queued, database busy (%s)", error)
        with self._changed:
            if self._pid != os.getpid():  # a forked child: the parent's queue is not ours
                self._pending, self._thread, self._pid = deque(), None, os.getpid()
            self._pending.append(record)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="antispam-recorder",
                                                daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def _write_until_done(self, record: Record, error: BaseException) -> None:
        logger.warning("antispam: %s records waiting; this request writes its own (%s)",
                       MAX_PENDING, error)
        delay = BACKOFF_FIRST
        while True:
            time.sleep(delay)
            try:
                record()
                return
            except RETRYABLE:
                _close_connection()
                delay = min(BACKOFF_MAX, delay * 2)
            except Exception:
                logger.exception("antispam: could not record a comment-check")
                return

    def _run(self) -> None:
        delay = BACKOFF_FIRST
        while True:
            with self._changed:
                while not self._pending:
                    _close_connection()
                    self._changed.wait()
                record = self._pending[0]
            try:
                record()
            except RETRYABLE as error:
                self.failed_tries += 1
                logger.info("antispam: comment-check records still waiting (%s)", error)
                _close_connection()
                time.sleep(delay)
                delay = min(BACKOFF_MAX, delay * 2)
                continue
            except Exception:
                logger.exception("antispam: could not record a comment-check")
            else:
                self.written_late += 1
            delay = BACKOFF_FIRST
            with self._changed:
                self._pending.popleft()
                if not self._pending:
                    logger.info("antispam: queued comment-check records written")
                self._changed.notify_all()

    def flush(self, timeout: float | None = None) -> int:
        """Wait until the queue is written or ``timeout`` seconds pass; what is left."""
        if timeout is None:
            timeout = float(conf.get("GAZETTE_ANTISPAM_FLUSH_SECONDS"))
        deadline = time.monotonic() + max(0.0, timeout)
        with self._changed:
            while self._pending and self._pid == os.getpid():
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None or not self._thread.is_alive():
                    break
                self._changed.wait(left)
            return len(self._pending) if self._pid == os.getpid() else 0


def _close_connection() -> None:
    """Drop this thread's connection: the next try reconnects (after a restart, say)."""
    with suppress(DatabaseError):
        connection.close()


@contextmanager
def _short_wait(ms: int) -> Iterator[None]:
    """SQLite: wait at most ``ms`` for another process's write lock (the connection's own
    busy timeout, set in settings, is restored after)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA busy_timeout = {int(ms)}")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {before}")
        except DatabaseError:
            _close_connection()


recorder = Recorder()


def _flush_at_exit() -> None:
    left = recorder.flush()
    if left:
        logger.error("antispam: %d comment-check records were not written before exit "
                     "(the database stayed locked)", left)


atexit.register(_flush_at_exit)

import subprocess
import sys

import pytest
from django.db import connection

from gazette.database import SAFETY_AUTOCHECKPOINT_PAGES, database_optimize

pytestmark = pytest.mark.django_db


def test_optimize_gives_sqlite_planner_statistics(article):
    if connection.vendor != "sqlite":
        assert database_optimize() is False
        return
    assert database_optimize() is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'wagtailsearch_indexentry'")
        assert cursor.fetchone()[0] > 0


PROBE = """
import shutil, sqlite3, time
import gazette.wsgi  # a web process: starts the checkpointer
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA wal_autocheckpoint")
    print("autocheckpoint", cursor.fetchone()[0])
    cursor.execute("CREATE TABLE probe (n INTEGER)")
    for n in range(500):
        cursor.execute("INSERT INTO probe VALUES (%s)", [n])
path = str(connection.settings_dict["NAME"])
deadline, seen = time.monotonic() + 15, 0
while time.monotonic() < deadline and seen < 500:
    time.sleep(0.2)
    # The database file alone, without its log, holds what has been checkpointed.
    shutil.copyfile(path, path + ".copy")
    with sqlite3.connect(path + ".copy") as copy:
        try:
            seen = copy.execute("SELECT count(*) FROM probe").fetchone()[0]
        except sqlite3.OperationalError:
            seen = 0
print("checkpointed", seen)
"""


def test_web_processes_checkpoint_the_log_outside_requests(tmp_path):
    env = {"GAZETTE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    found = dict(line.split() for line in result.stdout.splitlines())
    # Far above the 500 rows written: only the background thread can have copied them over.
    assert int(found["autocheckpoint"]) == SAFETY_AUTOCHECKPOINT_PAGES
    assert int(found["checkpointed"]) == 500

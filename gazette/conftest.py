import shutil
import warnings

import pytest
from django.core.cache import cache

IMMEDIATE_TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "alerts"],
    }
}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Tasks run inline in tests; the end-to-end tests start real workers instead."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture(autouse=True)
def _test_wrapper_is_not_the_callers_transaction(monkeypatch):
    """The spam engine skips syncing inside a caller's transaction; a test case's wrapper,
    never committed, is not one. Django marks its blocks (``_from_testcase``); should an
    upgrade drop the mark, test_state.test_the_test_wrapper_is_marked... fails first."""
    from django.db import connection

    from gazette.antispam import state

    monkeypatch.setattr(state, "_inside_transaction", lambda: any(
        not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks))


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture
def browser():
    """Debian's Chromium through Playwright (tests using it skip when chromium is missing)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site_data(tmp_path_factory: pytest.TempPathFactory):
    """Make a fresh data folder for a real `gazette run` (gazette/tests/running.py), already
    migrated and with its static files collected: a copy of one template built per pytest run,
    instead of a migration of its own (about 20 s of CPU) for every test site."""
    import os

    from gazette.tests.running import prepared_data, site_template

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, shared by its workers
    template = site_template(root)

    def make(name: str):
        return prepared_data(tmp_path_factory.mktemp(name), template)

    return make


@pytest.fixture
def section(db):
    from gazette.news.testing import make_section

    return make_section("World")


@pytest.fixture
def article(section):
    from gazette.news.testing import make_agency, make_article, make_author

    return make_article(
        section,
        authors=[make_author()],
        agency=make_agency(),
        tags=["Harbour", "Climate"],
    )


def _reused_database_is_sound(path: str) -> bool:
    """A reused SQLite test database still has the rows migrations put there.

    An interrupted transactional test can leave the file flushed; every later run would then
    fail on a missing page tree, so such a file is rebuilt rather than reused.
    """
    import sqlite3
    from pathlib import Path

    if not Path(path).exists():
        return True
    try:
        with sqlite3.connect(path) as db:
            roots = db.execute("SELECT count(*) FROM wagtailcore_page WHERE depth = 1").fetchone()
            groups = db.execute("SELECT count(*) FROM auth_group").fetchone()
    except sqlite3.Error:
        return False
    return roots[0] == 1 and groups[0] >= 2


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, left whole at the end of the session.

    A transactional test empties the database when it ends (serialized_rollback fills it again
    when the next one starts), so a session whose last database test on a worker was one left
    the file empty, and the next run's ``--reuse-db`` found it unsound and migrated afresh:
    about a minute of both cores at the start of every ``make test``. The rows migrations made,
    serialized at set-up, are put back instead (a few seconds).
    """
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            if connection.vendor != "sqlite" or not contents:
                continue
            if not _reused_database_is_sound(str(connection.settings_dict["NAME"])):
                try:
                    connection.creation.deserialize_db_from_string(contents)
                except Exception as error:  # rows left by an interrupted test: rebuilt next run
                    warnings.warn(f"test database not restored ({error!r}); the next run "
                                  "migrates it afresh", stacklevel=1)
            connection.close()


@pytest.fixture(scope="session")
def django_db_createdb(request, django_db_modify_db_settings) -> bool:
    from django.conf import settings

    if request.config.getvalue("create_db"):
        return True
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return not _reused_database_is_sound(str(database.get("TEST", {}).get("NAME", "")))
    return False


# In CI a test that skips for a missing tool or service hides what it should prove, so such a
# skip fails the run: the browser, PHP and WordPress always, PostgreSQL and Redis in the
# services run.
def _required_in_this_run() -> tuple[str, ...]:
    import os

    if os.environ.get("CI", "").lower() != "true":
        return ()
    required = ("chromium", "php", "wordpress")
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        required += ("needs DATABASE_URL", "needs REDIS_URL")
    return required


_hidden_by_skips: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if any(tool in reason for tool in _required_in_this_run()):
            _hidden_by_skips.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    if _hidden_by_skips and not hasattr(session.config, "workerinput"):
        print("\nCI=true, but these tests skipped for a missing tool or service:")
        for line in _hidden_by_skips:
            print(f"  {line}")
        session.exitstatus = 1

"""Settings come from the environment: check each choice in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from gazette.settings import env_json_object

PROBE = """
import json
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "db_name": str(s.DATABASES["default"]["NAME"]),
    "init": s.DATABASES["default"].get("OPTIONS", {}).get("init_command", ""),
    "cache": s.CACHES["default"]["BACKEND"],
    "cache_location": s.CACHES["default"].get("LOCATION"),
    "tasks": s.TASKS["default"]["BACKEND"],
    "debug": s.DEBUG,
    "secret": s.SECRET_KEY,
    "hosts": s.ALLOWED_HOSTS,
    "csrf": s.CSRF_TRUSTED_ORIGINS,
    "hsts": getattr(s, "SECURE_HSTS_SECONDS", 0),
    "secure_cookies": s.SESSION_COOKIE_SECURE,
}))
"""


def probe(tmp_path, code: str = PROBE, **env: str) -> dict:
    chosen = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "GAZETTE_TASKS_BACKEND",
              "PYTEST_XDIST_WORKER", "GAZETTE_CACHE", "GAZETTE_CACHE_DIR"}
    clean = {k: v for k, v in os.environ.items() if k not in chosen}
    clean.update({"GAZETTE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "gazette.settings"})
    clean.update(env)
    out = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_embedded_defaults(tmp_path):
    found = probe(tmp_path)
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["db_name"].startswith(str(tmp_path))
    assert "journal_mode=WAL" in found["init"]
    # One cache on disk that every process of the site shares, in the data folder.
    assert found["cache"] == "gazette.cache.DiskCache"
    assert found["cache_location"] == str(tmp_path / "cache")
    assert "busy_timeout=45000" in found["init"]
    assert found["tasks"] == "django_tasks_db.DatabaseBackend"
    assert found["debug"] is False
    assert found["hsts"] == 0 and found["secure_cookies"] is False


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = probe(tmp_path)["secret"]
    assert len(first) >= 50
    assert probe(tmp_path)["secret"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert probe(tmp_path, SECRET_KEY="from-the-environment")["secret"] == "from-the-environment"


def test_scale_out_settings_from_urls(tmp_path):
    found = probe(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        REDIS_URL="redis://127.0.0.1:6379/3",
        ALLOWED_HOSTS="news.example.org",
        CSRF_TRUSTED_ORIGINS="https://news.example.org",
        GAZETTE_BASE_URL="https://news.example.org",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["db_name"] == "test"
    assert found["cache"] == "gazette.cache.ResilientRedisCache"
    assert found["cache_location"] == "redis://127.0.0.1:6379/3"
    assert found["tasks"] == "django_tasks_rq.RQBackend"
    assert found["hosts"] == ["news.example.org"]
    assert found["csrf"] == ["https://news.example.org"]
    assert found["hsts"] > 0 and found["secure_cookies"] is True


@pytest.mark.skipif(not settings.DATABASE_URL, reason="needs DATABASE_URL (make test-services)")
@pytest.mark.django_db
def test_running_on_postgresql_with_full_text_search(article):
    from django.db import connection

    from gazette.news import selectors

    assert connection.vendor == "postgresql"
    assert selectors.search_articles("barrier").count() == 1


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (make test-services)")
def test_running_on_redis_cache():
    from django.core.cache import cache, caches

    assert caches["default"].__class__.__name__ == "ResilientRedisCache"
    cache.set("gazette-probe", {"ok": 1}, 5)
    assert cache.get("gazette-probe") == {"ok": 1}


def test_cache_choice_is_checked(tmp_path):
    assert probe(tmp_path, GAZETTE_CACHE="locmem")["cache"].endswith("LocMemCache")
    with pytest.raises(subprocess.CalledProcessError):
        probe(tmp_path, GAZETTE_CACHE="memcached")
    with pytest.raises(subprocess.CalledProcessError):
        probe(tmp_path, GAZETTE_CACHE="redis")  # without REDIS_URL


def test_engine_options_come_from_a_json_object() -> None:
    name = "GAZETTE_TEST_ENGINE_OPTIONS"
    for raw, expected in (("", {}), ('{"char_model_weight": 0}', {"char_model_weight": 0})):
        os.environ[name] = raw
        try:
            assert env_json_object(name) == expected
        finally:
            del os.environ[name]
    for bad, message in (("{char_model_weight: 0}", "not valid JSON"), ("[1]", "JSON object")):
        os.environ[name] = bad
        try:
            with pytest.raises(ImproperlyConfigured, match=message):
                env_json_object(name)
        finally:
            del os.environ[name]


def test_importing_settings_creates_no_folder(tmp_path):
    data = tmp_path / "not-yet"
    found = probe(data, SECRET_KEY="given")
    assert found["db_name"] == str(data / "gazette.sqlite3")
    assert not data.exists()


def test_django_start_up_makes_the_data_folders(tmp_path):
    data = tmp_path / "fresh"
    setup = "import django; django.setup()\n" + PROBE
    probe(data, setup, SECRET_KEY="given", GAZETTE_STATIC_ROOT=str(tmp_path / "static" / "root"))
    assert data.is_dir() and (tmp_path / "static" / "root").is_dir()
    assert not (data / "secret_key").exists()


def test_the_first_secret_key_makes_its_folder(tmp_path):
    data = tmp_path / "a" / "b"
    secret = probe(data)["secret"]
    assert (data / "secret_key").read_text() == secret


def test_the_site_settings_hold_no_test_logic(tmp_path):
    found = probe(tmp_path, PYTEST_XDIST_WORKER="gw3", REDIS_URL="redis://127.0.0.1:6379/12")
    assert found["cache_location"] == "redis://127.0.0.1:6379/12"
    assert probe(tmp_path, PYTEST_XDIST_WORKER="gw3")["cache_location"] == str(tmp_path / "cache")


@pytest.mark.parametrize(("worker", "database"), [("gw0", 1), ("gw14", 15), ("gw15", 1),
                                                  ("gw16", 2)])
def test_each_test_process_gets_a_redis_database_stock_redis_has(tmp_path, worker, database):
    found = probe(tmp_path, PROBE + "print(json.dumps(s.RQ_QUEUES['default']['URL']))",
                  DJANGO_SETTINGS_MODULE="gazette.settings_test", PYTEST_XDIST_WORKER=worker,
                  REDIS_URL="redis://127.0.0.1:6379/12")
    assert found == f"redis://127.0.0.1:6379/{database}"


def test_each_test_process_gets_a_cache_folder(tmp_path):
    found = probe(tmp_path, DJANGO_SETTINGS_MODULE="gazette.settings_test",
                  PYTEST_XDIST_WORKER="gw7")
    assert found["cache_location"] == str(tmp_path / "cache" / "gw7")
    assert found["tasks"] == "django_tasks_db.DatabaseBackend"
    alone = probe(tmp_path, DJANGO_SETTINGS_MODULE="gazette.settings_test")
    assert alone["cache_location"] == str(tmp_path / "cache")


def test_this_run_uses_the_test_settings():
    # Subprocesses a test starts inherit this, and with it the same cache folder and Redis db.
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "gazette.settings_test"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if settings.GAZETTE_CACHE == "disk" and worker:
        assert settings.CACHES["default"]["LOCATION"].endswith(worker)

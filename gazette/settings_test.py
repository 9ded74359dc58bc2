"""Settings for the test suite (pyproject's DJANGO_SETTINGS_MODULE): the site's own, plus a
Redis database and a cache folder per parallel test process.

Parallel test processes (pytest-xdist sets PYTEST_XDIST_WORKER=gwN) must not share a cache or a
queue: clearing the cache or draining a queue in one would touch another's. Subprocesses that a
test starts (``python -m gazette.cli ...``, granian with ``gazette.wsgi``) inherit
DJANGO_SETTINGS_MODULE and PYTEST_XDIST_WORKER, so they land on the same database and folder as
the test that started them; tests that give a site data of its own drop PYTEST_XDIST_WORKER
(gazette/tests/running.py) and get the site's defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from gazette.settings import *  # noqa: F403
from gazette.settings import (
    GAZETTE_CACHE,
    GAZETTE_CACHE_DIR,
    REDIS_URL,
    caches_for,
    rq_queues_for,
    tasks_for,
)

# Stock Redis has databases 0-15; 0 is left to whatever else uses this Redis.
REDIS_DATABASES = 15


def worker_redis_url(redis_url: str, worker: str) -> str:
    """The Redis URL with a database of the test process's own (gw0 -> 1, ... gw14 -> 15,
    gw15 -> 1 again): with more test processes than databases, some share one."""
    if not redis_url or not worker.startswith("gw"):
        return redis_url
    database = int(worker[2:]) % REDIS_DATABASES + 1
    return urlunsplit(urlsplit(redis_url)._replace(path=f"/{database}"))


def worker_cache_dir(cache_dir: Path, worker: str) -> Path:
    return cache_dir / worker if worker.startswith("gw") else cache_dir


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
REDIS_URL = worker_redis_url(REDIS_URL, _worker)
GAZETTE_CACHE_DIR = worker_cache_dir(GAZETTE_CACHE_DIR, _worker)
CACHES = caches_for(GAZETTE_CACHE, REDIS_URL, GAZETTE_CACHE_DIR)
TASKS = tasks_for(REDIS_URL)
if REDIS_URL:
    RQ_QUEUES = rq_queues_for(REDIS_URL)

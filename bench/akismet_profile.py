"""The in-process profile of ``akismet_http.py --profile N``: N comment-checks through Django's
test Client on the benchmark's data, with every query counted and timed, the engine's
``keys``/``check`` timed, and a cProfile listing: how much of a check is the engine and how
much the Django side. Runs in akismet_http.py's ``--profile-child`` process, Django set up on
the run's private data folder; the figures go to a JSON file.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from akismet_traffic import bodies  # noqa: E402

TABLE_RE = re.compile(r"antispam_[a-z]+")


def profile_checks(key: str, count: int, out: Path) -> None:
    """``count`` comment-checks with API key ``key``; the figures written to ``out``."""
    import cProfile
    import io
    import pstats
    from collections import Counter, defaultdict

    from django.db import connection
    from django.test import Client

    from gazette.antispam import activity as history
    from gazette.antispam.engine.engine import Engine

    posted = bodies(key, count, seed=23)
    # CPU time of this thread (not wall time): the machine may be shared.
    clock = time.thread_time
    engine_time = {"keys": 0.0, "check": 0.0, "near_duplicates": 0.0}
    targets = {"keys": (Engine, "keys"), "check": (Engine, "check"),
               "near_duplicates": (history, "count_near_duplicate_groups")}
    original = {name: getattr(owner, attr) for name, (owner, attr) in targets.items()}

    def timed(name):
        def wrapper(*a, **kw):
            t0 = clock()
            try:
                return original[name](*a, **kw)
            finally:
                engine_time[name] += clock() - t0
        return wrapper

    queries: Counter[str] = Counter()
    query_time: defaultdict[str, float] = defaultdict(float)

    def watch(execute, sql, params, many, context):
        t0 = clock()
        try:
            return execute(sql, params, many, context)
        finally:
            verb = sql.split(None, 1)[0].upper()
            table = TABLE_RE.search(sql)
            kind = f"{verb} {table.group(0)}" if table else " ".join(sql.split()[:3])
            queries[kind] += 1
            query_time[kind] += clock() - t0

    client = Client()
    url = "/akismet/1.1/comment-check"
    ctype = "application/x-www-form-urlencoded"
    for body in bodies(key, 50, seed=22):  # warm: engine loaded, connection open
        client.post(url, body, content_type=ctype)
    # 1. Plain: what a check costs. 2. The same again with the engine and the queries timed.
    # 3. cProfile. Each pass posts other comments, so none is an exact repeat of the last.
    started, cpu_started = time.perf_counter(), clock()
    each: list[float] = []
    for body in posted:
        t0 = clock()
        response = client.post(url, body, content_type=ctype)
        each.append((clock() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    total, cpu = time.perf_counter() - started, clock() - cpu_started
    each.sort()
    for name, (owner, attr) in targets.items():
        setattr(owner, attr, timed(name))
    try:
        with connection.execute_wrapper(watch):
            for body in bodies(key, count, seed=24):
                client.post(url, body, content_type=ctype)
    finally:
        for name, (owner, attr) in targets.items():
            setattr(owner, attr, original[name])
    profiler = cProfile.Profile()
    profiler.enable()
    for body in bodies(key, count, seed=25):
        client.post(url, body, content_type=ctype)
    profiler.disable()
    listing = io.StringIO()
    pstats.Stats(profiler, stream=listing).sort_stats("cumulative").print_stats(40)
    per = 1000 / count
    out.write_text(json.dumps({
        "checks": count,
        "ms_per_check": round(total * per, 3),
        "cpu_ms_per_check": round(cpu * per, 3),
        # Per check, the CPU time of the thread: what one request costs on an idle core.
        "cpu_ms_percentiles": {f"p{q}": round(each[min(len(each) - 1, len(each) * q // 100)], 3)
                               for q in (50, 90, 99)} | {"max": round(each[-1], 3)},
        "engine_ms": {name: round(seconds * per, 3) for name, seconds in engine_time.items()},
        "queries_per_check": round(sum(queries.values()) / count, 2),
        "queries": {kind: {"per_check": round(n / count, 2),
                           "ms_per_check": round(query_time[kind] * per, 3)}
                    for kind, n in queries.most_common()},
        "cprofile": listing.getvalue(),
    }, indent=2))


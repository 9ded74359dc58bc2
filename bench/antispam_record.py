#!/usr/bin/env python
"""What recording a comment-check costs: Gazette's write against the naive one, side by side.

    .venv/bin/python bench/antispam_record.py [--writes 2000] [--rounds 3]
        [--database-url postgres://...]

After every check the API records the submission (for the behaviour signals and a later
report), its near-duplicate bands and two counters (``DatabaseHistory.add(..., along=...)``).
Three ways of writing the same rows, each a transaction of its own:

* ``one statement`` (what Gazette does on PostgreSQL): the inserts and the counter upserts
  as data-modifying WITH clauses of one statement, in its implicit transaction;
* ``one transaction`` (what Gazette does on SQLite, and did on PostgreSQL before): BEGIN, the
  submission, all its bands in one INSERT, the two upserts, COMMIT;
* ``orm``, the baseline: the same in a transaction with the ORM's ``create`` and
  ``bulk_create`` and the two upserts.

They run in the same process against the same tables, interleaved write by write in a
shuffled order, so that the machine's other load falls on all alike. Figures per write: CPU
of this process (the database server's own CPU is not in it) and wall time.

A fresh private GAZETTE_DATA_DIR (SQLite there, or ``--database-url``, whose antispam tables
are emptied first).
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def measure(writes: int, rounds: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    import django

    django.setup()
    import akismet_http
    from django.core.management import call_command
    from django.db import connection, transaction

    from gazette.antispam import conf, models, state
    from gazette.antispam.activity import DatabaseHistory
    from gazette.antispam.akismet import protocol
    from gazette.antispam.counts import daily_count_key, upsert_counts, usage_count_key
    from gazette.antispam.keys import key_create

    call_command("migrate", interactive=False, verbosity=0)
    tables = (models.RecentBand, models.RecentSubmission, models.UsageCount,
              models.DailyCount, models.ApiKeySite, models.ApiKey)
    if connection.vendor == "sqlite":
        for model in tables:
            model.objects.all().delete()
    else:
        akismet_http.empty_tables(*tables)
    api_key = key_create(sites=[akismet_http.BLOG], name="record benchmark")
    site = models.site_host(akismet_http.BLOG)
    pool = conf.default_pool()
    history = DatabaseHistory(pool)
    rng = random.Random(5)
    with state.engine_for(pool, sync=False) as engine:
        subs = [protocol.submission_from(akismet_http.form(rng, api_key.key, i))
                for i in range(writes)]
        all_keys = [engine.keys(sub) for sub in subs]

    def counts() -> list:
        return [upsert_counts(models.DailyCount, daily_count_key(pool), checks=1, ham=1),
                upsert_counts(models.UsageCount, usage_count_key(api_key, site), calls=1,
                              ham=1)]

    def one_statement(keys) -> None:
        row = history.new_row(keys, kind="ham", score=0.1, guid="g")
        history._insert_as_one_statement(row, keys.bands, counts())

    def one_transaction(keys) -> None:
        row = history.new_row(keys, kind="ham", score=0.1, guid="g")
        history._insert_in_one_transaction(row, keys.bands, counts())

    def orm(keys) -> None:
        # The baseline: what the same records cost written one statement at a time.
        with transaction.atomic(), connection.cursor() as cursor:
            row = models.RecentSubmission.objects.create(
                pool=pool, at=history.now(), article="", ip_prefix_hash=keys.ip_prefix_hash,
                email_hash=keys.email_hash, text_hash=keys.text_hash,
                signature=list(keys.signature), guid="g", kind="ham", score=0.1, stats={})
            models.RecentBand.objects.bulk_create(
                [models.RecentBand(submission=row, pool=pool, band=band, at=row.at)
                 for band in dict.fromkeys(keys.bands)])
            for sql, params in counts():
                cursor.execute(sql, params)

    ways = {"one transaction": one_transaction, "orm": orm}
    if connection.vendor == "postgresql":
        ways = {"one statement": one_statement, **ways}
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    wall: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for keys in all_keys:
            order = list(ways.items())
            rng.shuffle(order)
            for name, write in order:
                c0, w0 = time.process_time(), time.perf_counter()
                write(keys)
                cpu[name].append((time.process_time() - c0) * 1000)
                wall[name].append((time.perf_counter() - w0) * 1000)
    expected = len(ways) * rounds * writes
    recorded = models.RecentSubmission.objects.count()
    print(f"== {connection.vendor}: {rounds} rounds of {writes} writes each way "
          f"({recorded} recorded of {expected})")
    print(f"{'write':16} {'cpu mean':>9} {'wall p50':>9} {'wall p90':>9} {'wall p99':>9}  ms")
    for name in ways:
        w = sorted(wall[name])
        p50, p90, p99 = (w[min(len(w) - 1, len(w) * q // 100)] for q in (50, 90, 99))
        print(f"{name:16} {statistics.fmean(cpu[name]):9.3f} {p50:9.3f} {p90:9.3f} {p99:9.3f}")
    if recorded != expected:
        raise SystemExit("some writes were lost")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args.writes, args.rounds)
        return
    command = [".venv/bin/python", "bench/antispam_record.py", "--writes", str(args.writes),
               "--rounds", str(args.rounds)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    print("$ " + shlex.join(command))
    with tempfile.TemporaryDirectory(prefix="gazette-record-") as data_dir:
        env = {**os.environ, "GAZETTE_DATA_DIR": data_dir, "DEBUG": "0"}
        env.pop("REDIS_URL", None)
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        else:
            env.pop("DATABASE_URL", None)
        subprocess.run([sys.executable, __file__, "--child", "--writes", str(args.writes),
                        "--rounds", str(args.rounds)], env=env, cwd=ROOT, check=True)
    print("Reproduce: " + shlex.join(command))


if __name__ == "__main__":
    main()

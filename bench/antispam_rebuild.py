#!/usr/bin/env python
"""What ``gazette antispam rebuild`` costs as the stored decisions grow, three ways side by side.

    .venv/bin/python bench/antispam_rebuild.py [--sizes 5000,20000] [--window 5000]
                                               [--database-url ...] [--also-options JSON]

A rebuild retrains a pool from every stored moderation decision. Ways, each run in a fresh
process of its own against the same stored rows, so that peak memory is each one's alone:

* ``streamed`` (``state.rebuild`` with ``window=0``): the rows stream from the database
  and ``Engine.fit`` keeps only their features, in a ``TrainingSet``, for every row;
* ``windowed`` (``state.rebuild`` with ``--window``, as ``GAZETTE_ANTISPAM_REBUILD_WINDOW``
  does): the same stream, every row counted, only the newest ``--window`` rows kept and
  trained on;
* ``listed``, the naive way (what ``state.rebuild`` did before): every row loaded into a
  list first, then a list of (submission, label, stats) handed to ``Engine.fit``;
* ``online``: ``rebuild --online``, each decision replayed with ``Engine.learn`` as the web
  processes would (constant memory, one pass, no cross-fitted thresholds).

``--also-options`` (a JSON object of engine settings, e.g. ``{"char_model_weight": 0}``)
runs each way a second time under them, through ``GAZETTE_ANTISPAM_ENGINE_OPTIONS``.

The stored decisions are the shared corpora's comments (read in place, never stored
anywhere but this benchmark's own temporary database) with made-up reader metadata,
repeated with three extra words each time round so that no two texts are the same.
Figures: wall and CPU seconds of the rebuild, peak resident memory of its process and
what that process held before the rebuild began (Django, the empty engine).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WAYS = ("streamed", "windowed", "listed", "online")
POOL = "bench-rebuild"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    import django

    django.setup()


def store(size: int) -> int:
    """Replace the benchmark pool's decisions with ``size`` made-up ones."""
    _setup_django()
    from django.core.management import call_command

    from gazette.antispam import state
    from gazette.antispam.engine import corpora
    from gazette.antispam.engine.engine import Engine
    from gazette.antispam.engine.history import MemoryHistory
    from gazette.antispam.models import EnginePool, EngineSnapshot, LabelledExample, Source

    call_command("migrate", interactive=False, verbosity=0)
    LabelledExample.objects.filter(pool=POOL).delete()
    EngineSnapshot.objects.filter(pool=POOL).delete()
    EnginePool.objects.filter(name=POOL).delete()
    rows = corpora.load("youtube") + corpora.load("sms")
    rng = random.Random(3)
    words = ["river", "stone", "lamp", "orbit", "maple", "quiet", "harbour", "velvet",
             "signal", "copper"]
    batch: list[LabelledExample] = []
    engine = Engine(state.engine_config())  # for the lookup keys' salt only
    history = MemoryHistory()
    for i in range(size):
        r = rows[i % len(rows)]
        text = r["text"]
        if i >= len(rows):
            text += " " + " ".join(rng.choice(words) for _ in range(3))
        spam = r["label"] == "spam"
        sub_fields = {
            "content": text,
            "author": r.get("author") or f"reader {rng.randrange(5000)}",
            "author_email": f"{'s' if spam else 'r'}{rng.randrange(3000)}@mail.example",
            "user_ip": f"{'203.0.113' if spam else '198.51.100'}.{rng.randrange(256)}",
            "permalink": r.get("article") or f"/news/{rng.randrange(300)}",
        }
        # The site's own decisions (imported), so that every way calibrates on their ham.
        example = LabelledExample(pool=POOL, label=r["label"], source=Source.IMPORTED,
                                  **sub_fields)
        keys = engine.keys(example.to_submission())
        example.stats = history.stats(keys).to_dict()
        history.add(keys)
        batch.append(example)
        if len(batch) == 2000:
            LabelledExample.objects.bulk_create(batch)
            batch = []
    LabelledExample.objects.bulk_create(batch)
    return LabelledExample.objects.filter(pool=POOL).count()


def rebuild(way: str, window: int) -> dict[str, float]:
    """One rebuild in this process; its figures."""
    _setup_django()
    from django.db import connection

    from gazette.antispam import state
    from gazette.antispam.engine.engine import Engine
    from gazette.antispam.models import LabelledExample

    connection.ensure_connection()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    if way == "streamed":
        state.rebuild(POOL, window=0)
    elif way == "windowed":
        state.rebuild(POOL, window=window)
    elif way == "online":
        state.rebuild(POOL, batch=False)
    else:
        examples = list(LabelledExample.objects.filter(pool=POOL).order_by("id"))
        engine = Engine(state.engine_config())
        engine.fit([(e.to_submission(), e.label, e.history_stats()) for e in examples])
        engine.dumps()
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "rss_before_mb": before / 1024,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="5000,20000", help="stored decisions, comma-separated")
    ap.add_argument("--ways", default=",".join(WAYS))
    ap.add_argument("--window", type=int, default=5000,
                    help="newest rows the windowed way trains on")
    ap.add_argument("--database-url", default="", help="default: SQLite in a temporary dir")
    ap.add_argument("--also-options", default="",
                    help='engine settings (JSON) to run each way under as well, side by side, '
                         'e.g. \'{"char_model_weight": 0}\'')
    ap.add_argument("--child", choices=("store", *WAYS), help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child == "store":
        print(json.dumps({"stored": store(args.size)}))
        return 0
    if args.child:
        print(json.dumps(rebuild(args.child, args.window)))
        return 0

    from gazette.antispam.engine import corpora

    if not corpora.available():
        print("the shared corpora are not here: nothing to measure")
        return 1
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    ways = [w for w in args.ways.split(",") if w in WAYS]
    results = []
    with tempfile.TemporaryDirectory(prefix="gz-bench-rebuild-") as data_dir:
        env = {**os.environ, "GAZETTE_DATA_DIR": data_dir, "DEBUG": "0"}
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        env.pop("REDIS_URL", None)

        def child(*extra: str, options: str = "") -> dict[str, float]:
            run_env = {**env, "GAZETTE_ANTISPAM_ENGINE_OPTIONS": options}
            out = subprocess.run([sys.executable, __file__, *extra], env=run_env, check=True,
                                 capture_output=True, text=True)
            return json.loads(out.stdout.strip().splitlines()[-1])

        variants = [""] + ([args.also_options] if args.also_options else [])
        print(f"{'decisions':>9}  {'way':<9} {'engine':<28} {'wall s':>7} {'cpu s':>7} "
              f"{'peak MB':>8} {'before MB':>9} {'kB/decision':>11}")
        for size in sizes:
            child("--child", "store", "--size", str(size))
            for way in ways:
                for options in variants:
                    r = child("--child", way, "--window", str(args.window), options=options)
                    per = (r["rss_peak_mb"] - r["rss_before_mb"]) * 1024 / size
                    print(f"{size:>9}  {way:<9} {options or 'defaults':<28} {r['wall_s']:>7.1f} "
                          f"{r['cpu_s']:>7.1f} {r['rss_peak_mb']:>8.0f} "
                          f"{r['rss_before_mb']:>9.0f} {per:>11.1f}", flush=True)
                    results.append({"decisions": size, "way": way, "engine_options": options,
                                    **r})
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"antispam_rebuild-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=1))
    print(f"\nResults: {path.relative_to(ROOT)}")
    print("Reproduce: .venv/bin/python bench/antispam_rebuild.py "
          + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

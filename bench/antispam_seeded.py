"""What seeding the spam engine with a corpus from elsewhere does to a new site's comments.

    PYTHONPATH=. .venv/bin/python bench/antispam_seeded.py [--budget 0.01] [--first 200]

``gazette antispam train PATH`` seeds a pool from a labelled CSV. A corpus labelled on
another site trains the model, but its ham scores say nothing of how this site's ham will
score: thresholds set on them bin this site's legitimate comments (the corpora README
measured 13-50% flagged across domains). So corpus rows are *foreign* (they never set the
thresholds) unless ``--own`` says they are the site's own earlier decisions.

Side by side, in one run, for each pairing of the shared corpora (one seeds, the other is
the new site's stream, checked then learned one comment at a time as moderators would):

* ``empty``: no seed at all;
* ``seed as own``: the seed's ham scores set the thresholds (what ``train`` did before);
* ``seed as foreign``: the seed trains the model, the thresholds wait for the site's own ham.

Figures for the site's first ``--first`` comments and for its whole stream: ham binned
(legitimate comments sent to spam), spam caught (sent to spam or discarded), held, MCC.
Reads ``../shared/corpora`` in place; exits 0 with a note when it is absent.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gazette.antispam.engine import Config, Engine, corpora  # noqa: E402
from gazette.antispam.engine.evaluate import Row, metrics, rows_from_dicts  # noqa: E402
from gazette.antispam.engine.history import MemoryHistory  # noqa: E402

WAYS = ("empty", "seed as own", "seed as foreign")


def seeded_engine(config: Config, seed: list[Row], way: str) -> Engine:
    engine = Engine(config)
    if way == "empty":
        return engine
    history = MemoryHistory()
    examples = []
    for row in seed:
        keys = engine.keys(row.sub)
        examples.append((row.sub, row.label, history.stats(keys), way == "seed as foreign"))
        history.add(keys)
    engine.fit(examples)
    return engine


def stream(engine: Engine, rows: list[Row], first: int) -> dict[str, dict[str, float]]:
    """Check each comment, then learn its label, as a site's moderators would."""
    history = MemoryHistory()
    kinds = []
    for row in rows:
        keys = engine.keys(row.sub)
        stats = history.stats(keys)
        kinds.append(engine.check(row.sub, stats, keys=keys).kind)
        engine.learn(row.sub, row.label, stats, keys=keys)
        history.add(keys)
    labels = [r.label for r in rows]
    return {f"first {first}": metrics(labels[:first], kinds[:first], 0.0),
            "whole": metrics(labels, kinds, 0.0)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget", type=float, default=0.01, help="the site's ham binned budget")
    ap.add_argument("--first", type=int, default=200, help="the site's first N comments")
    args = ap.parse_args(argv)
    if not corpora.available():
        print("the shared corpora are not here: nothing to measure")
        return 0
    data = {name: rows_from_dicts(corpora.load(name)) for name in ("youtube", "sms")}
    config = Config(secret_key="bench", ham_bin_budget=args.budget)
    print(f"{'seed -> site':<16} {'way':<16} {'part':<10} {'ham binned':>10} "
          f"{'spam caught':>11} {'held':>6} {'MCC':>6}")
    started = time.perf_counter()
    for seed_name, site_name in (("sms", "youtube"), ("youtube", "sms")):
        for way in WAYS:
            engine = seeded_engine(config, data[seed_name], way)
            for part, m in stream(engine, data[site_name], args.first).items():
                print(f"{seed_name + ' -> ' + site_name:<16} {way:<16} {part:<10} "
                      f"{m['ham_binned_rate']:>10.2%} {m['spam_caught_rate']:>11.1%} "
                      f"{m['held_rate']:>6.1%} {m['mcc']:>6.3f}", flush=True)
    print(f"\n{time.perf_counter() - started:.0f} s. Reproduce: PYTHONPATH=. .venv/bin/python "
          "bench/antispam_seeded.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python
"""Run benchmarks in two checkouts side by side, alternating, and compare their headline figures.

    git worktree add /tmp/gazette-before <commit>
    .venv/bin/python bench/compare_trees.py --before /tmp/gazette-before --after . \
        [--bench akismet_http,pages,antispam_engine] [--rounds 2] [--quick]

Each benchmark runs from its own checkout (``<tree>/bench/<name>.py``, that tree first on
PYTHONPATH, the same interpreter), in the order before, after, before, after, ... so that
whatever else the machine does falls on both. A figure is the median of its rounds; the ratio
is after / before (for a time, above 1 is slower; for req/s and checks/s, above 1 is faster).
The exact command of every run is printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

Figures = dict[str, float]

# The headline arguments of each benchmark: full runs, and --quick ones of a few minutes.
ARGUMENTS: dict[str, tuple[list[str], list[str]]] = {
    "akismet_http": (
        [],
        ["--duration", "5", "--warmup", "2", "--examples", "1000", "--history", "1000",
         "--bodies", "1000", "--profile", "300"],
    ),
    "pages": (["--articles", "3000"], ["--articles", "500", "--repeat", "10"]),
    "antispam_engine": (
        ["--parts", "prequential", "--quick"],
        ["--parts", "prequential", "--quick"],
    ),
}


def akismet_http_figures(tree: Path, output: str) -> Figures:
    match = re.search(r"^Results: (\S+)$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError("akismet_http printed no results file")
    results = json.loads((tree / match.group(1)).read_text())
    figures: Figures = {}
    for row in results["rows"]:
        name = f"{row['endpoint']} c={row['connections']}"
        figures[f"{name} req/s"] = row["rps"]
        figures[f"{name} p50 ms"] = row["p50_ms"]
        figures[f"{name} p99 ms"] = row["p99_ms"]
        figures[f"{name} server CPU ms/req"] = row["server_cpu_ms"]
    if results.get("profile"):
        profile = results["profile"]
        figures["in-process CPU ms/check"] = profile["cpu_ms_per_check"]
        figures["in-process queries/check"] = profile["queries_per_check"]
    return figures


PAGE_ROW = re.compile(r"^(?P<page>\S.*?)\s+(?P<cpu>[\d.]+) ms \(\s*(?P<queries>\d+)\)")


def pages_figures(tree: Path, output: str) -> Figures:
    """The "as shipped" column: the first figure of each row of the table."""
    figures: Figures = {}
    table = output.split("CPU ms per request", 1)[-1]
    for line in table.splitlines():
        match = PAGE_ROW.match(line)
        if match:
            figures[f"{match['page']} CPU ms"] = float(match["cpu"])
            figures[f"{match['page']} queries"] = float(match["queries"])
    if not figures:
        raise RuntimeError("pages printed no table")
    return figures


def antispam_engine_figures(tree: Path, output: str) -> Figures:
    results = json.loads(output.rsplit("# JSON", 1)[-1])
    figures: Figures = {}
    for name, part in sorted(results.items()):
        engine = part.get("engine") if isinstance(part, dict) else None
        if not isinstance(engine, dict):
            continue
        for key in ("mcc", "checks_per_second"):
            if key in engine:
                figures[f"{name} engine {key}"] = engine[key]
    return figures


PARSERS: dict[str, Callable[[Path, str], Figures]] = {
    "akismet_http": akismet_http_figures,
    "pages": pages_figures,
    "antispam_engine": antispam_engine_figures,
}


def bench_command(tree: Path, bench: str, quick: bool, scratch: Path, label: str,
                  corpora: str) -> list[str]:
    command = [sys.executable, str(tree / "bench" / f"{bench}.py")]
    command += ARGUMENTS[bench][1 if quick else 0]
    if bench == "pages":
        # One site per tree, built in the first round and reused after (a site takes minutes).
        command += ["--data-dir", str(scratch / f"{label}-site")]
    if bench == "antispam_engine":
        command += ["--corpora", corpora]
    return command


def run(tree: Path, bench: str, command: list[str]) -> tuple[Figures, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("GAZETTE_DATA_DIR", None)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True,
                            timeout=7200)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{shlex.join(command)} failed:\n{result.stdout[-3000:]}"
                         f"{result.stderr[-3000:]}")
    return PARSERS[bench](tree, result.stdout), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="the older checkout")
    parser.add_argument("--after", type=Path, required=True, help="the newer checkout")
    parser.add_argument("--bench", default="akismet_http,pages",
                        help=f"comma-separated, of {', '.join(PARSERS)}")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each tree, alternating")
    parser.add_argument("--quick", action="store_true", help="shorter runs (see ARGUMENTS)")
    parser.add_argument("--corpora", default=str(Path(__file__).resolve().parents[2] / "shared"
                                                 / "corpora"),
                        help="for antispam_engine (default: ../shared/corpora)")
    args = parser.parse_args(argv)
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    benches = [b for b in args.bench.split(",") if b]
    unknown = set(benches) - set(PARSERS)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    for label, tree in trees.items():
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tree,
                                capture_output=True, text=True).stdout.strip()
        print(f"{label}: {tree} ({commit})", flush=True)

    with tempfile.TemporaryDirectory(prefix="gazette-compare-") as scratch:
        for bench in benches:
            runs: dict[str, list[Figures]] = {"before": [], "after": []}
            commands = {}
            for round_number in range(1, args.rounds + 1):
                for label, tree in trees.items():
                    command = bench_command(tree, bench, args.quick, Path(scratch), label,
                                            args.corpora)
                    commands[label] = command
                    figures, seconds = run(tree, bench, command)
                    runs[label].append(figures)
                    print(f"  {bench} round {round_number} {label}: {seconds:.0f} s", flush=True)
            report(bench, runs, commands, trees)
    return 0


def report(bench: str, runs: dict[str, list[Figures]], commands: dict[str, list[str]],
           trees: dict[str, Path]) -> None:
    print(f"\n## {bench} (median of {len(runs['before'])} runs each, alternating)")
    for label, command in commands.items():
        print(f"  {label}: (cd {trees[label]} && PYTHONPATH=. {shlex.join(command)})")
    print(f"  {'figure':48} {'before':>10} {'after':>10} {'after/before':>13}")
    for name in runs["before"][0]:
        values = {label: [r[name] for r in figures if name in r]
                  for label, figures in runs.items()}
        if not values["after"]:
            continue
        before = statistics.median(values["before"])
        after = statistics.median(values["after"])
        ratio = f"{after / before:13.2f}" if before else f"{'-':>13}"
        digits = 3 if abs(before) < 10 else 1
        print(f"  {name:48} {before:10.{digits}f} {after:10.{digits}f} {ratio}")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""What the newsroom's furniture costs a full render: the breaking bar on every page, times
with their zone and "N minutes ago", corrections, share links.

    .venv/bin/python bench/newsroom_furniture.py [--data-dir DIR] [--repeat 40] [--rounds 2]

The same pages (front page, a section, the breaking story, an ordinary story) are rendered
with the page cache off in child processes that alternate: "as shipped", and a baseline
in which ``{% breaking_bar %}`` prints nothing and ``{% timestamp %}`` prints only the date as
the templates did before (no zone lookup, no "ago", no page-cache tag). Each prints CPU ms and
queries per render. The site is the demo one site_load.py prepares (``--data-dir`` reuses one,
e.g. /tmp/gz-bench-sites/site-30).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

from site_load import base_env, prepare_site  # noqa: E402

VARIANTS = ("as shipped", "no furniture")


def _strip_furniture() -> None:
    """The baseline: the two tags as cheap as the markup they replaced."""
    from django.utils.dateformat import format as date_format
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    from gazette.news.templatetags import newsroom_tags

    def timestamp(context, value):
        return format_html('<time datetime="{}">{}</time>', value.isoformat(),
                           date_format(value, "j F Y, H:i"))

    newsroom_tags.register.simple_tag(takes_context=True, name="breaking_bar")(
        lambda context: mark_safe(""))
    newsroom_tags.register.simple_tag(takes_context=True, name="timestamp")(timestamp)


def _measure(repeat: int, baseline: bool) -> None:
    import time

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    import django

    django.setup()
    if baseline:
        _strip_furniture()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gazette.news.models import ArticlePage, SectionPage

    breaking = ArticlePage.objects.live().filter(breaking=True).order_by("-first_published_at")
    ordinary = ArticlePage.objects.live().filter(breaking=False).order_by("-first_published_at")
    pages = {
        "front page": "/",
        "section": SectionPage.objects.live().order_by("path").first().url,
        "breaking story": (breaking.first() or ordinary.first()).url,
        "ordinary story": ordinary[3].url,
    }
    client = Client()
    for name, url in pages.items():
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        query_count = len(queries)
        cpu = time.process_time()
        for _ in range(repeat):
            client.get(url)
        print(json.dumps({"page": name, "url": url, "queries": query_count,
                          "cpu_ms": round((time.process_time() - cpu) * 1000 / repeat, 2)}),
              flush=True)


def run_variant(data_dir: Path, repeat: int, baseline: bool) -> list[dict]:
    env = {**base_env(data_dir), "GAZETTE_PAGE_CACHE": "0"}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--repeat", str(repeat)]
    if baseline:
        command.append("--baseline")
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=1800)
    if result.returncode != 0:
        raise SystemExit(result.stdout[-3000:] + result.stderr[-3000:])
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="a demo site prepared by site_load.py")
    parser.add_argument("--repeat", type=int, default=40, help="renders per page and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _measure(args.repeat, args.baseline)
        return 0

    with tempfile.TemporaryDirectory(prefix="gazette-furniture-") as scratch:
        site_dir = args.data_dir or Path(scratch) / "site"
        site_dir.mkdir(parents=True, exist_ok=True)
        if not (site_dir / "gazette.sqlite3").exists():
            prepare_site(site_dir, 30, 30, base_env(site_dir))
        best: dict[str, dict[str, dict]] = {variant: {} for variant in VARIANTS}
        for _ in range(args.rounds):
            for variant in VARIANTS:  # alternating, so load drifts hit both alike
                for row in run_variant(site_dir, args.repeat, variant == "no furniture"):
                    kept = best[variant].get(row["page"])
                    if kept is None or row["cpu_ms"] < kept["cpu_ms"]:
                        best[variant][row["page"]] = row
    print("$ " + shlex.join([sys.executable, *sys.argv]))
    print(f"{'page':<16} {'as shipped':>16} {'no furniture':>16} {'difference':>11}")
    for page, shipped in best["as shipped"].items():
        base = best["no furniture"][page]
        print(f"{page:<16} {shipped['cpu_ms']:>8.2f} ms {shipped['queries']:>2} q "
              f"{base['cpu_ms']:>8.2f} ms {base['queries']:>2} q "
              f"{shipped['cpu_ms'] - base['cpu_ms']:>+8.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

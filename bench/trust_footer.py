#!/usr/bin/env python
"""What the trust pages' footer costs a full render, and what the trust pages cost themselves.

    .venv/bin/python bench/trust_footer.py [--data-dir DIR] [--repeat 40] [--rounds 2]

Every page's footer links About, Contact, Corrections, Privacy, Terms and the staff list
(``gazette.trust.selectors.footer_links``: one read of the shared cache). The same pages (front
page, a section, a story, and the staff list and contact pages) are rendered with the page cache
off in child processes that alternate: "as shipped", and a baseline whose footer has no links
(the context processor hands base.html an empty list). Each prints CPU ms and queries per
render. The site is the demo one site_load.py prepares (``--data-dir`` reuses one, e.g.
/tmp/gz-bench-sites/site-30); the trust demo pages are added to it if missing.
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

VARIANTS = ("as shipped", "no footer links")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    import django

    django.setup()
    from gazette.trust.demo import demo_load

    demo_load()


def _measure(repeat: int, baseline: bool) -> None:
    import time

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gazette.news.models import ArticlePage, SectionPage
    from gazette.trust import context_processors

    if baseline:
        context_processors.footer_links = list  # type: ignore[assignment]
    pages = {
        "front page": "/",
        "section": SectionPage.objects.live().order_by("path").first().url,
        "story": ArticlePage.objects.live().order_by("-first_published_at")[3].url,
        "staff list": "/newsroom/",
        "contact": "/contact/",
    }
    if not baseline:
        from gazette.trust.selectors import footer_links

        footer_links()
        cpu = time.process_time()
        for _ in range(repeat * 50):
            footer_links()
        print(json.dumps({"lookup_us": round((time.process_time() - cpu) * 1e6 / repeat / 50, 1)}),
              flush=True)
    client = Client()
    for name, url in pages.items():
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        links = response.content.count(b'class="site-footer__nav"')
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        query_count = len(queries)
        cpu = time.process_time()
        for _ in range(repeat):
            client.get(url)
        print(json.dumps({"page": name, "url": url, "queries": query_count, "footer": links,
                          "cpu_ms": round((time.process_time() - cpu) * 1000 / repeat, 2)}),
              flush=True)


def run_child(data_dir: Path, *extra: str) -> list[dict]:
    env = {**base_env(data_dir), "GAZETTE_PAGE_CACHE": "0"}
    command = [sys.executable, str(Path(__file__).resolve()), *extra]
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
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.setup:
        _setup()
        return 0
    if args.child:
        _measure(args.repeat, args.baseline)
        return 0

    with tempfile.TemporaryDirectory(prefix="gazette-trust-") as scratch:
        site_dir = args.data_dir or Path(scratch) / "site"
        site_dir.mkdir(parents=True, exist_ok=True)
        if not (site_dir / "gazette.sqlite3").exists():
            prepare_site(site_dir, 30, 30, base_env(site_dir))
        run_child(site_dir, "--setup")
        best: dict[str, dict[str, dict]] = {variant: {} for variant in VARIANTS}
        lookups: list[float] = []
        for _ in range(args.rounds):
            for variant in VARIANTS:  # alternating, so load drifts hit both alike
                extra = ["--child", "--repeat", str(args.repeat)]
                if variant == "no footer links":
                    extra.append("--baseline")
                for row in run_child(site_dir, *extra):
                    if "lookup_us" in row:
                        lookups.append(row["lookup_us"])
                        continue
                    kept = best[variant].get(row["page"])
                    if kept is None or row["cpu_ms"] < kept["cpu_ms"]:
                        best[variant][row["page"]] = row
    print("$ " + shlex.join([sys.executable, *sys.argv]))
    print(f"{'page':<12} {'as shipped':>16} {'no footer links':>16} {'difference':>11}")
    for page, shipped in best["as shipped"].items():
        base = best["no footer links"][page]
        assert shipped["footer"] == 1 and base["footer"] == 0, (shipped, base)
        print(f"{page:<12} {shipped['cpu_ms']:>8.2f} ms {shipped['queries']:>2} q "
              f"{base['cpu_ms']:>8.2f} ms {base['queries']:>2} q "
              f"{shipped['cpu_ms'] - base['cpu_ms']:>+8.2f} ms")
    print(f"footer_links() alone, cached: {min(lookups)} µs of CPU a call (best of {len(lookups)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

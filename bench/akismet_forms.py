#!/usr/bin/env python
"""Reading Akismet form bodies: Gazette's FormFields against Django's QueryDict, side by side.

    .venv/bin/python bench/akismet_forms.py [--bodies 2000] [--repeat 5]

The WordPress plugin sends the whole of ``$_SERVER`` with every check; Gazette reads about
twenty fields of it. Both readers get the same bodies (``akismet_http.bodies``: a third of
them with 40-300 extra fields, the rest with about twenty) and answer what comment-check
asks of them (``protocol.submission_from`` plus the key, ``is_test`` and the guid), in the
same process, alternating body by body. Figures: microseconds per body (best of
``--repeat`` passes, so that other load on the machine counts least), over all bodies and
over the WordPress-sized ones (more than 200 fields).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bodies", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    os.environ.setdefault("GAZETTE_DATA_DIR", str(ROOT / "var" / "bench-forms"))
    import django

    django.setup()
    import akismet_http
    from django.http import QueryDict

    from gazette.antispam.akismet import protocol

    bodies = [b.encode() for b in akismet_http.bodies("0123456789ab", args.bodies, seed=11)]

    def use(data) -> None:
        protocol.submission_from(data)
        data.get("api_key"), data.get("is_test"), data.get("guid")

    readers = {
        "QueryDict": lambda body: use(QueryDict(body, encoding="utf-8")),
        "FormFields": lambda body: use(protocol.read_form(body)),
    }
    best = {name: [float("inf")] * len(bodies) for name in readers}
    for _ in range(args.repeat):
        for i, body in enumerate(bodies):
            for name, read in readers.items():
                t0 = time.perf_counter()
                read(body)
                best[name][i] = min(best[name][i], time.perf_counter() - t0)
    big = [i for i, body in enumerate(bodies) if body.count(b"&") >= 200]
    print("$ .venv/bin/python bench/akismet_forms.py " + shlex.join(
        ["--bodies", str(args.bodies), "--repeat", str(args.repeat)]))
    print(f"{len(bodies)} bodies, {len(big)} with more than 200 fields")
    print(f"{'reader':12} {'all: us/body':>13} {'>200 fields: us/body':>21}")
    for name, times in best.items():
        mean_all = sum(times) / len(times) * 1e6
        mean_big = sum(times[i] for i in big) / max(1, len(big)) * 1e6
        print(f"{name:12} {mean_all:13.1f} {mean_big:21.1f}")


if __name__ == "__main__":
    main()

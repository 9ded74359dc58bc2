"""Converters for the shared labelled corpora into the evaluation CSV format.

The corpora are read in place and never copied into the repository. Output CSV columns:
``text,label,author,article`` (``author`` and ``article`` empty for SMS). The YouTube
``DATE`` column is dropped on purpose: in the Eminem file its absence marks every spam
row, a perfect label leak. Rows keep file order (time order within each video).
"""

from __future__ import annotations

import argparse
import csv
import html
import os
from collections.abc import Sequence
from pathlib import Path

DEFAULT_ROOT = Path(os.environ.get("GAZETTE_CORPORA", "/work/shared/corpora"))
COLUMNS = ("text", "label", "author", "article")


def youtube_rows(root: Path = DEFAULT_ROOT) -> list[dict[str, str]]:
    """YouTube Spam Collection rows: one article per video, entities decoded."""
    rows: list[dict[str, str]] = []
    for path in sorted((root / "youtube").glob("*.csv")):
        video = path.stem.split("-", 1)[-1].lower()
        with path.open(encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh):
                text = html.unescape(rec["CONTENT"]).replace("\ufeff", "")
                rows.append(
                    {
                        "text": text,
                        "label": "spam" if rec["CLASS"].strip() == "1" else "ham",
                        "author": rec.get("AUTHOR", "").replace("\ufeff", ""),
                        "article": f"/video/{video}",
                    }
                )
    return rows


def sms_rows(root: Path = DEFAULT_ROOT) -> list[dict[str, str]]:
    """SMS Spam Collection rows (QUOTE_NONE: stray quotes would merge lines)."""
    rows: list[dict[str, str]] = []
    with (root / "sms" / "SMSSpamCollection").open(encoding="utf-8", newline="") as fh:
        for rec in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(rec) < 2:
                continue
            rows.append({"text": rec[1], "label": rec[0].strip(), "author": "", "article": ""})
    return rows


def load(name: str, root: Path = DEFAULT_ROOT) -> list[dict[str, str]]:
    if name == "youtube":
        return youtube_rows(root)
    if name == "sms":
        return sms_rows(root)
    raise ValueError(f"unknown corpus {name!r} (youtube or sms)")


def available(root: Path = DEFAULT_ROOT) -> bool:
    return (root / "youtube").is_dir() and (root / "sms" / "SMSSpamCollection").is_file()


def _inside_repo(path: Path) -> bool:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / ".git").exists():
            return parent in path.resolve().parents
    return False


def write_csv(rows: Sequence[dict[str, str]], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: r.get(k, "") for k in COLUMNS})


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Convert a shared corpus to text,label CSV.")
    ap.add_argument("corpus", choices=("youtube", "sms"))
    ap.add_argument("--out", required=True, type=Path, help="output CSV, outside the repo")
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    args = ap.parse_args(argv)
    if _inside_repo(args.out):
        ap.error("refusing to write corpus data inside the repository")
    rows = load(args.corpus, args.root)
    write_csv(rows, args.out)
    spam = sum(1 for r in rows if r["label"] == "spam")
    print(f"wrote {len(rows)} rows ({spam} spam) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

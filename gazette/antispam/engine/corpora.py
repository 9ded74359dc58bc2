"""Readers of the shared labelled corpora, in the evaluation's row format.

The corpora are read in place from the folder given (``root``), never copied into the
repository. Rows: ``text,label,author,article`` (``author`` and ``article`` empty for SMS).
The YouTube ``DATE`` column is dropped on purpose: in the Eminem file its absence marks
every spam row, a perfect label leak. Rows keep file order (time order within each video).

``DEFAULT_ROOT`` is ``../shared/corpora`` beside the project's folder; the command line
(``gazette antispam eval --corpus``) takes another from ``GAZETTE_CORPORA``.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Sequence
from pathlib import Path

# The project's folder is three above this package (gazette/antispam/engine).
DEFAULT_ROOT = Path(__file__).resolve().parents[3].parent / "shared" / "corpora"
COLUMNS = ("text", "label", "author", "article")
NAMES = ("youtube", "sms")


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


def write_csv(rows: Sequence[dict[str, str]], out: Path) -> None:
    """``rows`` as a CSV file with the header ``text,label,author,article``."""
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: r.get(k, "") for k in COLUMNS})

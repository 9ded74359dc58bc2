"""docs/settings.md lists every environment variable the code reads, with the code's defaults.

The code is read with ``ast``, not imported, so a read inside a function or a test counts too.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
DOC = PACKAGE.parent / "docs" / "settings.md"

# Functions of gazette/settings.py that read a variable named by their first argument.
HELPERS = {"env_bool", "env_list", "env_json_object"}
NAME = re.compile(r"^[A-Z][A-Z0-9_]+$")


@dataclass(frozen=True)
class Read:
    name: str
    where: str
    default: object  # the literal default, or None when there is none or it is computed
    kind: str  # "get", "bool" or "list"


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def _reader(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name) and func.id in HELPERS:
        return {"env_bool": "bool", "env_list": "list"}.get(func.id, "json")
    if isinstance(func, ast.Attribute):
        if func.attr in ("get", "setdefault") and _is_environ(func.value):
            return "get"
        if func.attr == "getenv":
            return "get"
    return None


def _literal(node: ast.AST | None) -> object:
    if isinstance(node, ast.Constant) and node.value not in ("", None):
        return node.value
    return None


def env_reads(source: str, where: str) -> list[Read]:
    """Every read of a named environment variable in ``source``."""
    reads = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and (kind := _reader(node.func)) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                default = node.args[1] if len(node.args) > 1 else None
                for keyword in node.keywords:
                    if keyword.arg == "default":
                        default = keyword.value
                reads.append(Read(first.value, where, _literal(default), kind))
        elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
              and _is_environ(node.value) and isinstance(node.slice, ast.Constant)):
            reads.append(Read(node.slice.value, where, None, "get"))
        elif (isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant)
              and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
              and any(_is_environ(c) for c in node.comparators)):
            reads.append(Read(node.left.value, where, None, "get"))
    return reads


def code_reads() -> list[Read]:
    reads = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except FileNotFoundError:  # a file removed while the tree is walked
            continue
        reads += env_reads(source, str(path.relative_to(PACKAGE)))
    return reads


def documented(text: str) -> dict[str, str]:
    """Variable -> its default cell, from every table row whose first cell names variables."""
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3:
            continue
        for name in re.findall(r"`([^`]+)`", cells[0]):
            if NAME.match(name):
                rows[name] = cells[1]
    return rows


def test_every_variable_read_is_documented():
    listed = documented(DOC.read_text(encoding="utf-8"))
    missing = sorted({f"{read.name} ({read.where})" for read in code_reads()
                      if read.name not in listed})
    assert not missing, f"read by the code but not in docs/settings.md: {missing}"


def test_every_documented_variable_is_read():
    read = {read.name for read in code_reads()}
    stale = sorted(set(documented(DOC.read_text(encoding="utf-8"))) - read)
    assert not stale, f"in docs/settings.md but read nowhere in gazette/: {stale}"


def test_documented_defaults_are_the_codes():
    listed = documented(DOC.read_text(encoding="utf-8"))
    wrong = []
    for read in code_reads():
        cell = listed.get(read.name, "")
        if read.default is None:
            continue
        if read.kind == "bool":
            expected = "on" if read.default else "off"
            if not cell.startswith(expected):
                wrong.append(f"{read.name}: code says {expected}, docs say {cell!r}")
        elif f"`{read.default}`" not in cell and str(read.default) != cell.split(" ")[0]:
            wrong.append(f"{read.name}: code says {read.default!r}, docs say {cell!r}")
    assert not wrong, wrong


def test_the_reader_finds_every_form_of_read():
    source = '''
import os
from os import environ
a = os.environ.get("A_GET", "1")
b = os.environ["A_INDEX"]
os.environ.setdefault("A_SETDEFAULT", "x")
c = os.getenv("A_GETENV")
d = env_bool("A_BOOL", True)
e = env_list("A_LIST", default="p,q")
f = os.environ.get(
    "A_SPLIT",
    "2",
)
g = "A_IN" in os.environ
h = environ.get("A_BARE")
os.environ["NOT_A_READ"] = "1"
i = os.environ.get(name)
'''
    found = {read.name: (read.default, read.kind) for read in env_reads(source, "probe")}
    assert found == {
        "A_GET": ("1", "get"), "A_INDEX": (None, "get"), "A_SETDEFAULT": ("x", "get"),
        "A_GETENV": (None, "get"), "A_BOOL": (True, "bool"), "A_LIST": ("p,q", "list"),
        "A_SPLIT": ("2", "get"), "A_IN": (None, "get"), "A_BARE": (None, "get"),
    }


def test_the_table_reader_takes_names_and_defaults():
    text = "| variable | default | what |\n|---|---|---|\n| `A_ONE` | `5` | x |\n" \
           "| `lower` | y | z |\n| `B_TWO`, `B_THREE` | on | w |\n"
    assert documented(text) == {"A_ONE": "`5`", "B_TWO": "on", "B_THREE": "on"}

"""Dependencies point one way (ARCHITECTURE.md): the publication knows nothing of the parts that
plug into its pages, the spam defence nothing of its callers, and the engine nothing of Django.

Imports are read with ``ast`` from the source, so an import inside a function counts too."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1]


def imports_of(folder: Path) -> dict[str, set[str]]:
    """Absolute module names imported by each non-test module under ``folder``."""
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        module = ".".join(relative.with_suffix("").parts)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    names.add(".".join([*base, node.module] if node.module else base))
                else:
                    names.add(node.module or "")
        found[str(relative)] = names
    return found


def offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{where} imports {name}"
        for where, names in imports_of(PACKAGE / folder).items()
        for name in names
        if any(name == bad or name.startswith(bad + ".") for bad in forbidden)
    )


PLUG_INS = ("gazette.comments", "gazette.alerts", "gazette.api", "gazette.pwa",
            "gazette.live", "gazette.trust")


@pytest.mark.parametrize(("folder", "forbidden"), [
    ("news", PLUG_INS),
    ("antispam", PLUG_INS),
    ("comments", ("gazette.alerts", "gazette.api", "gazette.pwa")),
    ("alerts", ("gazette.comments", "gazette.pwa")),
    # Live coverage builds on the publication; alerts may follow its entries, not the reverse.
    ("live", ("gazette.comments", "gazette.alerts", "gazette.api", "gazette.pwa")),
    # The privacy page links the comments' notice by URL name, without importing comments.
    ("trust", ("gazette.comments", "gazette.alerts", "gazette.api", "gazette.pwa")),
    ("antispam/engine", ("django", "wagtail", "gazette.news", "gazette.comments",
                         "gazette.alerts", "gazette.antispam.models",
                         "gazette.antispam.services", "gazette.antispam.akismet")),
])
def test_dependencies_point_one_way(folder, forbidden):
    assert offending(folder, forbidden) == []


def test_the_check_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    fake = tmp_path / "gazette" / "news"
    fake.mkdir(parents=True)
    (fake / "views.py").write_text(
        "def view():\n    from ..comments import services\n    import gazette.alerts.push\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "gazette")
    assert offending("news", PLUG_INS) == [
        "gazette/news/views.py imports gazette.alerts.push",
        "gazette/news/views.py imports gazette.comments",
    ]

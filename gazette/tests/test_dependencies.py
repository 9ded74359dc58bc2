"""Dependencies are declared where they are used: what the site imports is a runtime dependency,
what only the tests import is a development one, and nothing is declared that nothing uses.

Imports are read with ``ast`` (lazy imports inside functions count); an import inside
``try: ... except ImportError`` is optional and needs no declaration.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
PYPROJECT = PACKAGE.parent / "pyproject.toml"

# Used without an import statement in gazette/, and why.
USED_OTHERWISE = {
    "psycopg": "Django's PostgreSQL backend imports it when DATABASE_URL is postgres://",
    "pytest-django": "a pytest plugin, loaded by its entry point",
    "pytest-xdist": "a pytest plugin (-n), loaded by its entry point",
    "ruff": "the linter `make test` runs",
    "mypy": "the type checker `make test` runs",
    "django-stubs": "types for mypy, read through its Django plugin",
}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _canonical(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0])


def declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    runtime = {_requirement_name(r) for r in project["dependencies"]}
    dev = {_requirement_name(r) for r in project["optional-dependencies"]["dev"]}
    return runtime, dev


def _optional_imports(tree: ast.AST) -> set[ast.AST]:
    """Import nodes inside a try whose handler catches ImportError."""
    optional: set[ast.AST] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        caught = {ast.unparse(handler.type) for handler in node.handlers if handler.type}
        if caught & {"ImportError", "ModuleNotFoundError"}:
            for statement in node.body:
                optional.update(ast.walk(statement))
    return optional


def imported_modules(source: str) -> set[str]:
    """Top-level names of the modules ``source`` imports unconditionally."""
    tree = ast.parse(source)
    optional = _optional_imports(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if node in optional:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"gazette", "__future__"}


def named_modules(source: str) -> set[str]:
    """Modules named in strings: ``-m granian``, "django_tasks_rq.RQBackend", app labels."""
    return {node.value.split(".")[0] for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and re.fullmatch(r"[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", node.value)}


def _is_test(path: Path) -> bool:
    return "tests" in path.parts or path.name in ("conftest.py", "settings_test.py")


def scan() -> dict[str, dict[str, set[str]]]:
    """For the site's code and the tests: imported module -> files, and modules named."""
    found: dict[str, dict[str, set[str]]] = {"site": {}, "tests": {}, "named": {}}
    for path in sorted(PACKAGE.rglob("*.py")):
        try:
            source = path.read_text(encoding="utf-8")
        except FileNotFoundError:  # a file removed while the tree is walked
            continue
        where = str(path.relative_to(PACKAGE.parent))
        for module in imported_modules(source):
            found["tests" if _is_test(path) else "site"].setdefault(module, set()).add(where)
        if not _is_test(path):
            for module in named_modules(source):
                found["named"].setdefault(module, set()).add(where)
    return found


@functools.cache
def _packages() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distributions(module: str) -> set[str]:
    return {_canonical(d) for d in _packages().get(module, [])}


def test_what_the_site_imports_is_a_runtime_dependency():
    runtime, _ = declared()
    undeclared = {module: sorted(files) for module, files in scan()["site"].items()
                  if not distributions(module) & runtime}
    assert not undeclared, f"imported by the site, not in [project] dependencies: {undeclared}"


def test_what_the_tests_import_is_declared():
    runtime, dev = declared()
    undeclared = {module: sorted(files) for module, files in scan()["tests"].items()
                  if not distributions(module) & (runtime | dev)}
    assert not undeclared, f"imported by tests, in no dependency list: {undeclared}"


def _runtime_used(found: dict[str, dict[str, set[str]]]) -> set[str]:
    return set(found["site"]) | set(found["named"])


def test_every_declared_dependency_is_used():
    runtime, dev = declared()
    found = scan()
    used_by_site = set().union(*(distributions(m) for m in _runtime_used(found)))
    used_by_tests = set().union(*(distributions(m) for m in found["tests"]))
    unused_runtime = runtime - used_by_site - set(USED_OTHERWISE)
    unused_dev = dev - used_by_tests - used_by_site - set(USED_OTHERWISE)
    assert not unused_runtime, f"declared runtime dependencies nothing uses: {unused_runtime}"
    assert not unused_dev, f"declared development dependencies nothing uses: {unused_dev}"


def test_the_import_reader_skips_optional_imports_and_the_standard_library():
    source = (
        "import os, numpy.linalg\nfrom django.conf import settings\nfrom . import sibling\n"
        "def lazy():\n    import httpx\n"
        "try:\n    import akismet\nexcept ImportError:\n    akismet = None\n"
    )
    assert imported_modules(source) == {"numpy", "django", "httpx"}
    assert named_modules('x = ["-m", "granian"]; y = "django_tasks_rq.RQBackend"') >= {
        "granian", "django_tasks_rq"}

"""Wagtail hooks of live coverage: the cards' label, then the newsroom's quick entry screen."""

from . import admin_hooks, reader_hooks  # noqa: F401  (each registers its hooks on import)

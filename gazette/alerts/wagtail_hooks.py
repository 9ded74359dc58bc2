"""Wagtail hooks of the alerts part: reader-facing slots, then the newsroom's admin."""

from . import admin_hooks, reader_hooks  # noqa: F401  (each registers its hooks on import)

"""Wagtail hooks of the discussion: reader-facing slots, then the moderators' admin."""

from . import admin_hooks, dashboard, reader_hooks  # noqa: F401  (each registers its hooks)

"""Who speaks for the newsroom in a discussion."""

from __future__ import annotations

from typing import Any


def is_newsroom(user: Any) -> bool:
    """A signed-in member of the newsroom: anyone who may use the admin (editors, comment
    moderators), not only users with Django's ``is_staff`` flag, which Wagtail's admin does not
    need. Their comments carry the staff badge and skip the checks meant for strangers."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"))

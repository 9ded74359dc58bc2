"""What follows a change to the discussion, once it commits: the count, the cached pages and
feeds that show it, and the notifications.

Everything here waits for ``transaction.on_commit``: a rolled-back comment never clears a
cached page nor mails anyone, and every process sees the change through the shared cache.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction

from gazette.news.cache import page_cache_invalidate

from .models import Comment, Discussion, Status

if TYPE_CHECKING:
    from datetime import datetime

logger = logging.getLogger(__name__)


def discussion_tags(article_id: int) -> tuple[str, ...]:
    """The cache tags of what shows an article's approved comments: its page (under which its
    comment feed is cached too) and the site's comment feed."""
    return (f"page:{article_id}", "comments-feed")


def invalidate_on_commit(tags: tuple[str, ...]) -> None:
    transaction.on_commit(lambda: page_cache_invalidate(tags))


def discussion_changed(article_id: int, *, last_comment_at: datetime | None = None) -> int:
    """A comment entered or left the approved ones: recount, and refresh what shows them.
    Returns the new count."""
    count = Comment.objects.filter(article_id=article_id, status=Status.APPROVED).count()
    updates: dict[str, object] = {"approved_count": count}
    if last_comment_at is not None:
        updates["last_comment_at"] = last_comment_at
    _discussion_update(article_id, updates)
    invalidate_on_commit(discussion_tags(article_id))
    return count


def discussion_posted(article_id: int, *, approved_count: int | None,
                      last_comment_at: datetime) -> None:
    """The pipeline stored a comment: the story's last comment time, and with a published
    one its approved count (counted by the caller in the same transaction) and a refresh of
    what shows the comments."""
    from . import hot

    if not hot.discussion_update(article_id, approved_count=approved_count,
                                 last_comment_at=last_comment_at):
        updates: dict[str, object] = {"last_comment_at": last_comment_at}
        if approved_count is not None:
            updates["approved_count"] = approved_count
        _discussion_update(article_id, updates)
    if approved_count is not None:
        invalidate_on_commit(discussion_tags(article_id))


def _discussion_update(article_id: int, updates: dict[str, object]) -> None:
    # One UPDATE when the story's Discussion exists (nearly always); created the first time.
    if Discussion.objects.filter(article_id=article_id).update(**updates):
        return
    Discussion.objects.update_or_create(article_id=article_id, defaults=updates)


def _notification(name: str) -> Callable[[Comment], object] | None:
    """``gazette.comments.notifications.<name>`` if that module provides it (it enqueues
    its own tasks)."""
    try:
        module = importlib.import_module("gazette.comments.notifications")
    except ImportError:
        return None
    found = getattr(module, name, None)
    return found if callable(found) else None


def _notify_on_commit(name: str, comment: Comment) -> None:
    handler = _notification(name)
    if handler is None:
        return

    def send() -> None:
        try:
            handler(comment)
        except Exception:  # a notification must never undo or fail a stored comment
            logger.exception("comments: %s failed for comment %s", name, comment.pk)

    transaction.on_commit(send)


def comment_published_on_commit(comment: Comment) -> None:
    _notify_on_commit("comment_published", comment)


def comment_held_on_commit(comment: Comment) -> None:
    _notify_on_commit("comment_held", comment)

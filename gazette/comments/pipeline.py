"""The moderation pipeline, in its fixed, documented order (docs/comments.md).

PLACEHOLDER until the pipeline lands: checks the parent and publishes. Replaced by the full
pipeline (closed, flood, duplicate, disallowed, spam defence, links, moderation words,
pre-moderation, surge).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .models import Comment, Status
from .services import Accepted, CommentInput, FormEvidence, Refused, comment_store

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from gazette.news.models import ArticlePage


def run_pipeline(
    *,
    article: ArticlePage,
    entry: CommentInput,
    evidence: FormEvidence,
    user: User | None,
    now: datetime,
) -> Accepted | Refused:
    parent = None
    if entry.parent_id is not None:
        parent = Comment.objects.filter(pk=entry.parent_id, article=article,
                                        status=Status.APPROVED).first()
        if parent is None:
            return Refused(400, "The comment you replied to is not on this story.", "parent",
                           "parent")
    trail: list[dict[str, object]] = [
        {"step": "published", "outcome": Status.APPROVED, "reason": "passed every check",
         "at": now.isoformat()}
    ]
    comment = comment_store(article=article, entry=entry, evidence=evidence,
                            status=Status.APPROVED, trail=trail, parent=parent, user=user,
                            now=now, held_by="published")
    return Accepted(comment)

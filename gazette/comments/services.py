"""What the discussion does: take a comment through the pipeline, and moderate it.

Both doors (the HTML form, later the JSON API) call :func:`comment_submit`; the moderation admin
calls :func:`comment_moderate`. Services never read ``request``: the doors hand over what the
reader typed (:class:`CommentInput`) and what the form tells about how it was sent
(:class:`FormEvidence`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import text as comment_text
from .models import Comment, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from gazette.news.models import ArticlePage


@dataclass(frozen=True)
class CommentInput:
    """What the reader typed, already checked for form and length by the door."""

    author: str
    email: str
    text: str
    url: str = ""
    parent_id: int | None = None
    notify_replies: bool = False


@dataclass(frozen=True)
class FormEvidence:
    """How the comment was sent, for flood control and the spam defence.

    ``rendered_at``: when the form was served (POSIX seconds, from its signed token; None when
    the token is missing or forged). ``token_replayed``: a single-use token seen before.
    ``script_ran``: the page's script ran and fetched a fresh token.
    """

    ip_address: str | None = None
    user_agent: str = ""
    referrer: str = ""
    honeypot: str = ""
    rendered_at: float | None = None
    submitted_at: float | None = None
    token_valid: bool = False
    token_replayed: bool = False
    script_ran: bool = False


@dataclass(frozen=True)
class Refused:
    """Nothing was stored. ``status``: the HTTP status a door answers with; ``field``: the form
    field the message belongs to, if any; ``step``: the pipeline step that refused."""

    status: int
    message: str
    step: str
    field: str | None = None


@dataclass(frozen=True)
class Accepted:
    """Stored, with the status the pipeline gave it (published when ``approved``)."""

    comment: Comment

    @property
    def published(self) -> bool:
        return self.comment.status == Status.APPROVED


def email_key(email: str) -> str:
    """A salted hash of an address: the same commenter is recognised, the address never shown."""
    normalised = email.strip().lower()
    if not normalised:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), b"commenter\0" + normalised.encode(),
                    hashlib.sha256).hexdigest()[:32]


def comment_submit(
    *,
    article: ArticlePage,
    entry: CommentInput,
    evidence: FormEvidence,
    user: User | None = None,
    now: datetime | None = None,
) -> Accepted | Refused:
    """Take a new comment through the moderation pipeline (``pipeline.py``, in its documented
    order) and store it with its status and decision trail, in one transaction; notifications
    are enqueued once it commits. Returns :class:`Refused` when nothing was stored."""
    from .pipeline import run_pipeline

    return run_pipeline(article=article, entry=entry, evidence=evidence, user=user,
                        now=now or timezone.now())


def comment_store(
    *,
    article: ArticlePage,
    entry: CommentInput,
    evidence: FormEvidence,
    status: str,
    trail: list[dict[str, object]],
    parent: Comment | None,
    user: User | None = None,
    now: datetime,
    held_by: str = "",
    spam_score: float | None = None,
    spam_guid: str = "",
    spam_stats: dict[str, int] | None = None,
) -> Comment:
    """Write one comment (the pipeline's last act)."""
    is_staff = bool(user is not None and getattr(user, "is_staff", False))
    seconds = (evidence.submitted_at - evidence.rendered_at
               if evidence.submitted_at is not None and evidence.rendered_at is not None
               else None)
    with transaction.atomic():
        comment = Comment(
            article=article, parent=parent, depth=(parent.depth + 1 if parent else 1),
            author_name=entry.author, author_email=entry.email.strip(),
            author_url=entry.url, text=entry.text, html=comment_text.render(entry.text),
            status=status, user=user if user is not None and user.is_authenticated else None,
            is_staff=is_staff, ip_address=evidence.ip_address or None,
            user_agent=evidence.user_agent[:512], email_key=email_key(entry.email),
            notify_replies=entry.notify_replies, created_at=now, trail=trail, held_by=held_by,
            spam_score=spam_score, spam_guid=spam_guid, spam_stats=spam_stats or {},
            seconds_to_submit=seconds, script_ran=evidence.script_ran,
        )
        comment.save()
        thread_id = parent.thread_id if parent is not None else comment.pk
        Comment.objects.filter(pk=comment.pk).update(thread_id=thread_id)
        comment.thread_id = thread_id
    return comment

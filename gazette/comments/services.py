"""What the discussion does: take a comment through the pipeline, and moderate it.

Both doors (the HTML form, later the JSON API) call :func:`comment_submit`; the moderation admin
calls :func:`comment_moderate`. Services never read ``request``: the doors hand over what the
reader typed (:class:`CommentInput`) and what the form tells about how it was sent
(:class:`FormEvidence`).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import hot
from . import text as comment_text
from .models import Comment, Status
from .staff import is_newsroom

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from gazette.news.models import ArticlePage

    from .rules import DiscussionRules


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
    # The page of the discussion that shows it, when the pipeline knew it without a query.
    page: int | None = None

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
    user: User | AnonymousUser | None = None,
    now: datetime | None = None,
    rules: DiscussionRules | None = None,
    permalink: str | None = None,
) -> Accepted | Refused:
    """Take a new comment through the moderation pipeline (``pipeline.py``, in its documented
    order) and store it with its status and decision trail, in one transaction; notifications
    are enqueued once it commits. Returns :class:`Refused` when nothing was stored.
    ``rules``, ``permalink`` (the story's full address): when the door has them already
    (default: resolved here)."""
    from .pipeline import run_pipeline

    return run_pipeline(article=article, entry=entry, evidence=evidence, user=user,
                        now=now or timezone.now(), rules=rules, permalink=permalink)


def checked_ip(value: str | None) -> str | None:
    """The address in its canonical form, or None when it is not one."""
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def clean_line(value: str, limit: int) -> str:
    """A one-line field as stored: control characters (NUL among them) removed, cut to its
    column's length (the door checks lengths; a second door might not)."""
    return value.translate(comment_text.CONTROL_CHARACTERS).strip()[:limit]


def comment_build(
    *,
    article: ArticlePage,
    entry: CommentInput,
    evidence: FormEvidence,
    status: str,
    trail: list[dict[str, object]],
    parent: Comment | None,
    user: User | AnonymousUser | None = None,
    now: datetime,
    held_by: str = "",
    spam_score: float | None = None,
    spam_guid: str = "",
    spam_stats: dict[str, int] | None = None,
    text: str | None = None,
) -> Comment:
    """One comment as it will be written, unsaved (the pipeline builds it before its write
    transaction begins). ``text``: the normalised text (default: the entry's, normalised)."""
    is_staff = is_newsroom(user)
    seconds = (evidence.submitted_at - evidence.rendered_at
               if evidence.submitted_at is not None and evidence.rendered_at is not None
               else None)
    if seconds is not None and not math.isfinite(seconds):
        seconds = None
    body = comment_text.normalise(entry.text) if text is None else text
    # A reply belongs to its parent's thread; a top-level comment's thread is itself, stored
    # as NULL (one INSERT, no UPDATE once its id is known; readers take ``thread_id or pk``).
    thread_id = (parent.thread_id or parent.pk) if parent is not None else None
    comment = Comment(
        article=article, parent=parent, thread_id=thread_id,
        depth=(parent.depth + 1 if parent else 1),
        author_name=clean_line(entry.author, 245), author_email=clean_line(entry.email, 100),
        author_url=clean_line(entry.url, 200), text=body, html=comment_text.render(body),
        status=status, user=user if user is not None and user.is_authenticated else None,
        is_staff=is_staff, ip_address=checked_ip(evidence.ip_address),
        user_agent=clean_line(evidence.user_agent, 512), email_key=email_key(entry.email),
        notify_replies=entry.notify_replies, created_at=now, trail=trail, held_by=held_by,
        spam_score=spam_score, spam_guid=spam_guid, spam_stats=spam_stats or {},
        seconds_to_submit=seconds, script_ran=evidence.script_ran,
    )
    return comment


# --- Moderators -----------------------------------------------------------------------------

MODERATE_ACTIONS = ("approve", "unapprove", "spam", "not_spam", "trash", "restore", "delete")
# The status each action leads to (restore: see _restored_status; delete: none).
_TARGET = {"approve": Status.APPROVED, "unapprove": Status.PENDING, "spam": Status.SPAM,
           "not_spam": Status.APPROVED, "trash": Status.TRASH}
# What the spam engine learns from an action: the site's own label, at once.
_LEARNS = {"approve": "ham", "not_spam": "ham", "spam": "spam"}


def _username(user: User | AnonymousUser | None) -> str:
    return str(user.get_username()) if user is not None else ""


def _restored_status(comment: Comment) -> str:
    """The status before the last move to the trash (pending if the pipeline trashed it)."""
    for step in reversed(comment.trail or []):
        if step.get("step") == "moderator" and step.get("outcome") == Status.TRASH:
            before = str(step.get("from") or "")
            return before if before in Status.values and before != Status.TRASH \
                else Status.PENDING
    return Status.PENDING


def _moderate_one(comment: Comment, action: str, by: User, reason: str,
                  now: datetime) -> bool:
    from . import effects, spam

    before = comment.status
    if action == "delete":
        article_id = comment.article_id
        comment.delete()
        if before == Status.APPROVED:
            effects.discussion_changed(article_id)
        return True
    if action == "restore":
        if before != Status.TRASH:
            return False
        target = _restored_status(comment)
    else:
        target = _TARGET[action]
    if target == before:
        return False
    comment.trail = [*(comment.trail or []), {
        "step": "moderator", "outcome": str(target), "from": before, "by": _username(by),
        "reason": reason or action.replace("_", " "), "at": now.isoformat()}]
    comment.status = target
    comment.moderated_at = now
    comment.moderated_by = by
    comment.save(update_fields=["status", "trail", "moderated_at", "moderated_by",
                                "updated_at"])
    if action in _LEARNS:
        spam.learn(comment, _LEARNS[action])
    if Status.APPROVED in (before, target):
        effects.discussion_changed(comment.article_id)
    if target == Status.APPROVED:
        effects.comment_published_on_commit(comment)
    return True


def comment_moderate(
    *,
    comments: Iterable[Comment],
    action: str,
    by: User,
    reason: str = "",
) -> int:
    """Apply a moderator's ``action`` (one of :data:`MODERATE_ACTIONS`) to ``comments``, each
    in its own transaction; returns how many changed. Approve, spam and not spam teach the
    spam engine at once; a comment entering or leaving the approved ones refreshes its
    story's page and feeds on commit. Raises ValueError for an unknown action."""
    if action not in MODERATE_ACTIONS:
        raise ValueError(f"action must be one of {MODERATE_ACTIONS}, not {action!r}")
    changed = 0
    now = timezone.now()
    ids = [comment.pk for comment in comments]
    for pk in ids:
        with transaction.atomic():
            comment = Comment.objects.select_for_update().filter(pk=pk).first()
            if comment is not None and _moderate_one(comment, action, by, reason, now):
                changed += 1
    return changed


def comment_edit(*, comment: Comment, text: str, by: User, reason: str = "") -> Comment:
    """A moderator's correction of a comment's text: rendered again, noted in the trail."""
    from . import effects

    body = comment_text.normalise(text)
    if body == comment.text:
        return comment
    now = timezone.now()
    with transaction.atomic():
        comment.text = body
        comment.html = comment_text.render(body)
        comment.trail = [*(comment.trail or []), {
            "step": "moderator", "outcome": "edited", "by": _username(by),
            "reason": reason or "text edited", "at": now.isoformat()}]
        comment.save(update_fields=["text", "html", "trail", "updated_at"])
        if comment.status == Status.APPROVED:
            effects.invalidate_on_commit(effects.discussion_tags(comment.article_id))
    return comment


def comment_reply_as_staff(*, parent: Comment, text: str, user: User) -> Comment:
    """A newsroom reply from the admin, published at once under the staff badge. Replying to
    a held comment approves it first (as WordPress does); at the deepest level allowed the
    reply goes beside the comment instead of under it."""
    from . import effects
    from .rules import rules_for

    now = timezone.now()
    with transaction.atomic():
        if parent.status != Status.APPROVED:
            comment_moderate(comments=[parent], action="approve", by=user,
                             reason="replied to as staff")
            parent.refresh_from_db()
        if parent.depth >= rules_for(parent.article).max_depth and parent.parent is not None:
            parent = parent.parent
        name = user.get_full_name() or user.get_username()
        trail: list[dict[str, object]] = [{
            "step": "moderator", "outcome": Status.APPROVED.value, "by": user.get_username(),
            "reason": "reply as staff", "at": now.isoformat()}]
        comment = comment_build(
            article=parent.article, entry=CommentInput(author=name, email=user.email, text=text,
                                                       parent_id=parent.pk),
            evidence=FormEvidence(), status=Status.APPROVED, trail=trail, parent=parent,
            user=user, now=now, held_by="moderator",
        )
        # Plain SQL, as save(force_insert=True) writes it (hot.py), as the pipeline does.
        hot.insert(comment)
        Comment.objects.filter(pk=comment.pk).update(moderated_at=now, moderated_by=user)
        effects.discussion_changed(comment.article_id, last_comment_at=now)
        effects.comment_published_on_commit(comment)
    return comment

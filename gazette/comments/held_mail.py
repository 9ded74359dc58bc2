"""The moderators' mail about held comments: the first at once, then at most one a window.

A breaking story in surge mode can hold hundreds of comments a minute. One mail for each, as
WordPress sends them, floods the moderators' inboxes and costs the task worker a mail and the
post a queued task each. Here the first held comment after a quiet spell is mailed at once;
comments held while a mail went out less than :data:`GATHER` ago wait for one mail that lists
them all, sent when the window closes. Each moderator gets one mail listing the comments whose
rules name them (the rules can differ per section and story).

What has been mailed is kept in the database (:class:`~gazette.comments.models.HeldMailMark`,
the largest comment id mailed), so a task that runs twice, or late, mails nothing twice. The
shared cache only decides how often a task is queued:

* ``DUE`` is present while a queued task has not started. A task deletes it *before* it reads
  the pending comments, so a comment held after that read queues a task of its own, and one held
  before it is in that read.
* ``SENT`` holds the time of the last mail, for :data:`GATHER`; while it is there the next task
  is queued to run when the window closes.

Losing either key (an eviction, a cleared cache) only queues a task more, or mails earlier.
Without a task backend that can defer (the immediate backend of the tests), every held comment
queues a task at once, which mails what is new: one mail a comment, as before.

Limit: on PostgreSQL, a comment whose transaction commits after one with a larger id that a
running task already mailed is not mailed (it is in the moderation queue all the same).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import Comment, HeldMailMark, Status

logger = logging.getLogger(__name__)

GATHER = timedelta(minutes=5)
# A mail lists this many comments, then says how many more wait in the queue.
LISTED = 20
# A queued task that has not started after this long (a stopped worker) no longer stops new ones.
DUE_AT_MOST = timedelta(minutes=30)
DUE = "comments:held-mail:due"
SENT = "comments:held-mail:sent"


def held_mail_enqueue(now: datetime | None = None) -> None:
    """A comment was held (its transaction committed): make sure a mail task will run."""
    from . import tasks

    task = tasks.moderators_notify_held
    try:
        if cache.get(DUE) is not None:
            return
        now = now or timezone.now()
        sent = cache.get(SENT)
        run_after = None
        if isinstance(sent, datetime) and sent + GATHER > now and task.get_backend().supports_defer:
            run_after = sent + GATHER
        if not cache.add(DUE, 1, timeout=DUE_AT_MOST.total_seconds()):
            return  # another request queued it a moment ago
    except Exception:  # the cache down: queue a task rather than miss the mail
        logger.exception("comments: the held-mail keys could not be read")
        run_after = None
    try:
        (task.using(run_after=run_after) if run_after else task).enqueue()
    except Exception:
        cache.delete(DUE)
        logger.exception("comments: could not enqueue the moderators' mail")


def held_mail_send(now: datetime | None = None) -> int:
    """Mail the moderators every pending comment not mailed yet; how many mails went out."""
    from .notifications import Mail, mails_send

    now = now or timezone.now()
    _cache_quietly(cache.delete, DUE)
    with transaction.atomic():
        mark, _ = HeldMailMark.objects.select_for_update().get_or_create(pk=1)
        held = list(Comment.objects.select_related("article")
                    .filter(pk__gt=mark.mailed_up_to, status=Status.PENDING).order_by("pk"))
        if not held:
            return 0
        # Claimed before mailing: a second task at the same time finds the mark moved on.
        claimed = HeldMailMark.objects.filter(pk=1, mailed_up_to=mark.mailed_up_to).update(
            mailed_up_to=held[-1].pk, sent_at=now)
    if not claimed:
        return 0
    _cache_quietly(cache.set, SENT, now, timeout=GATHER.total_seconds())
    mails: list[Mail] = []
    for email, comments in _by_moderator(held).items():
        mails.append(_mail(email, comments))
    return mails_send(mails)


def _cache_quietly(operation: Any, *args: Any, **kwargs: Any) -> None:
    # The keys only pace the tasks: with the cache down the mail still goes out (the mark in
    # the database keeps it from going twice).
    try:
        operation(*args, **kwargs)
    except Exception:
        logger.exception("comments: the held-mail keys could not be written")


def _by_moderator(held: list[Comment]) -> dict[str, list[Comment]]:
    from .notifications import moderator_emails

    recipients: dict[int, list[str]] = {}
    by_email: dict[str, list[Comment]] = defaultdict(list)
    for comment in held:
        if comment.article_id not in recipients:
            recipients[comment.article_id] = moderator_emails(comment)
        for email in recipients[comment.article_id]:
            by_email[email].append(comment)
    return by_email


def _reason(comment: Comment) -> str:
    return next((step.get("reason", "") for step in reversed(comment.trail)
                 if isinstance(step, dict) and step.get("step") == comment.held_by), "")


def _mail(email: str, comments: list[Comment]) -> Any:
    from .notifications import (
        MODERATION,
        Mail,
        address_for,
        admin_queue_url,
        mail_render,
        unsubscribe_url,
    )

    unsubscribe = unsubscribe_url(address_for(email), MODERATION)
    site = settings.GAZETTE_SITE_NAME
    context = {"queue_url": admin_queue_url(), "unsubscribe_url": unsubscribe}
    if len(comments) == 1:
        comment = comments[0]
        body = mail_render("held.txt", {**context, "comment": comment,
                                        "article_title": comment.article.title,
                                        "reason": _reason(comment)})
        subject = f"[{site}] A comment awaits moderation: {comment.article.title}"
    else:
        items = [{"comment": comment, "article_title": comment.article.title,
                  "reason": _reason(comment)} for comment in comments[:LISTED]]
        body = mail_render("held_many.txt", {**context, "items": items, "count": len(comments),
                                             "more": max(0, len(comments) - LISTED),
                                             "minutes": int(GATHER.total_seconds() // 60)})
        subject = f"[{site}] {len(comments)} comments await moderation"
    return Mail(email, subject, body, unsubscribe)

"""Email about the discussion: moderators hear of held comments, commenters of replies.

The services call :func:`comment_held` and :func:`comment_published` once a comment's
transaction commits; both only enqueue tasks (``tasks.py``), so a request never waits on a mail
server. The tasks call the ``*_send`` functions below.

A commenter who ticks "Notify me of replies" gets reply emails only after confirming the
address through a link mailed to it. That link goes out when their first such comment is
published, not when it is posted: a spammer who types someone else's address into the form
gets no mail sent to it unless a moderator lets the comment through.

Every email carries a one-click unsubscribe (RFC 8058): ``List-Unsubscribe`` with a signed link
to :func:`unsubscribe_url` and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``. The link
names the address by its key (a salted hash), never by the address itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .models import Comment, NotificationAddress, ReplyNotice, Status
from .services import email_key

logger = logging.getLogger(__name__)

# The group of the comments' moderators (migration 0003), not Wagtail's own "Moderators",
# who review stories.
MODERATORS_GROUP = "Comment moderators"
REPLIES = "replies"
MODERATION = "moderation"
LISTS = (REPLIES, MODERATION)
CONFIRM_MAX_AGE = timedelta(days=7)
# A second "confirm your address" mail to the same address waits this long.
CONFIRMATION_RESEND_AFTER = timedelta(days=1)

_UNSUBSCRIBE_SALT = "gazette.comments.unsubscribe"
_CONFIRM_SALT = "gazette.comments.confirm"


# --- Links ----------------------------------------------------------------------------------


def site_url(path: str) -> str:
    """``path`` on the site's public address (GAZETTE_BASE_URL, as feeds and sitemaps use)."""
    from gazette.news.seo import absolute_url

    return absolute_url(path)


def unsubscribe_token(address: NotificationAddress, mailing: str) -> str:
    # No expiry: an unsubscribe link in an old email must still work.
    return signing.dumps({"k": address.email_key, "l": mailing}, salt=_UNSUBSCRIBE_SALT)


def unsubscribe_url(address: NotificationAddress, mailing: str) -> str:
    return site_url(reverse("comments:unsubscribe", args=[unsubscribe_token(address, mailing)]))


def unsubscribe_token_read(token: str) -> tuple[str, str] | None:
    """(email key, list) of a valid unsubscribe token, else None."""
    try:
        value = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("l") not in LISTS:
        return None
    key = value.get("k")
    return (key, value["l"]) if isinstance(key, str) and key else None


def confirm_token(address: NotificationAddress) -> str:
    return signing.dumps({"k": address.email_key}, salt=_CONFIRM_SALT)


def confirm_token_read(token: str) -> str | None:
    """The email key of a valid, unexpired confirmation token, else None."""
    try:
        value = signing.loads(token, salt=_CONFIRM_SALT,
                              max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    key = value.get("k") if isinstance(value, dict) else None
    return key if isinstance(key, str) and key else None


def admin_queue_url() -> str:
    """The moderators' queue of pending comments in the Wagtail admin."""
    try:
        path = reverse("comment_moderation:queue")
    except NoReverseMatch:  # the admin's URLs not installed
        path = "/admin/comments/"
    return site_url(f"{path}?status={Status.PENDING}")


# --- Addresses ------------------------------------------------------------------------------


def address_for(email: str) -> NotificationAddress:
    """The address row for ``email``, made on first use (safe against a concurrent maker)."""
    key = email_key(email)
    found = NotificationAddress.objects.filter(email_key=key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return NotificationAddress.objects.create(email_key=key, email=email.strip())
    except IntegrityError:
        return NotificationAddress.objects.get(email_key=key)


def address_confirm(token: str) -> NotificationAddress | None:
    """Confirm the address of a valid token (it then gets reply emails); None if invalid."""
    key = confirm_token_read(token)
    if key is None:
        return None
    address = NotificationAddress.objects.filter(email_key=key).first()
    if address is None:
        return None
    address.confirmed_at = address.confirmed_at or timezone.now()
    address.replies_stopped_at = None
    address.save(update_fields=["confirmed_at", "replies_stopped_at"])
    return address


def address_unsubscribe(token: str) -> tuple[NotificationAddress, str] | None:
    """Stop the list a valid unsubscribe token names; None if the token is not valid.

    Idempotent: a second click changes nothing."""
    read = unsubscribe_token_read(token)
    if read is None:
        return None
    key, mailing = read
    address = NotificationAddress.objects.filter(email_key=key).first()
    if address is None:
        # Gone (retention, erasure): the stop is kept as the key alone, so that it holds
        # should the address come back.
        address, _ = NotificationAddress.objects.get_or_create(email_key=key,
                                                               defaults={"email": ""})
    field = "replies_stopped_at" if mailing == REPLIES else "moderation_stopped_at"
    if getattr(address, field) is None:
        setattr(address, field, timezone.now())
        address.save(update_fields=[field])
    if mailing == REPLIES:
        Comment.objects.filter(email_key=key, notify_replies=True).update(notify_replies=False)
    return address, mailing


# --- Enqueueing (called by the services on commit) -----------------------------------------


def task_enqueue(task_name: str, *args: Any) -> None:
    """Enqueue a task; a queue that fails must not fail the request that stored the comment."""
    from . import tasks

    try:
        getattr(tasks, task_name).enqueue(*args)
    except Exception:
        logger.exception("comments: could not enqueue %s%r", task_name, args)


def comment_held(comment: Comment) -> None:
    """A comment awaits moderation: tell the moderators (if the rules say so), gathered with
    others held at the same time (``held_mail.py``)."""
    from .held_mail import held_mail_enqueue

    if comment.status == Status.PENDING:
        held_mail_enqueue()


def comment_published(comment: Comment) -> None:
    """A comment is published: ask its author to confirm their address if they want reply
    emails, and tell the author of the comment it answers."""
    if comment.notify_replies and comment.author_email:
        task_enqueue("notify_confirmation_send", comment.pk)
    if comment.parent_id is not None:
        task_enqueue("reply_notify", comment.pk)


def reply_notify_enqueue(comment: Comment) -> None:
    """The design's first name for the reply half of :func:`comment_published`."""
    if comment.parent_id is not None:
        task_enqueue("reply_notify", comment.pk)


# --- Sending (run by the tasks) --------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    unsubscribe: str


def _message(mail: Mail, connection: Any = None) -> EmailMessage:
    headers = {
        "List-Unsubscribe": f"<{mail.unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    subject = " ".join(mail.subject.split())
    return EmailMessage(subject=subject, body=mail.body, to=[mail.to], headers=headers,
                        connection=connection)


def mails_send(mails: Iterable[Mail]) -> int:
    """Send over one connection; returns how many went out."""
    batch = list(mails)
    if not batch:
        return 0
    with get_connection() as connection:
        return int(connection.send_messages([_message(mail) for mail in batch]) or 0)


def mail_render(template: str, context: dict[str, Any]) -> str:
    context = {"site_name": settings.GAZETTE_SITE_NAME,
               "privacy_url": site_url(reverse("comments:privacy")), **context}
    return render_to_string(f"comments/email/{template}", context)


def _article_url(comment: Comment) -> str:
    return site_url(f"{comment.article.url or '/'}#{comment.anchor}")


def moderator_emails(comment: Comment) -> list[str]:
    """Who hears of held comments: the rules' list, else the active users of the comment
    moderators' group (if it exists), less those who unsubscribed."""
    from .rules import rules_for

    rules = rules_for(comment.article)
    if not rules.notify_moderators:
        return []
    if rules.moderator_emails:
        emails: Iterable[str] = rules.moderator_emails
    else:
        emails = (get_user_model().objects
                  .filter(groups__name=MODERATORS_GROUP, is_active=True)
                  .exclude(email="").values_list("email", flat=True).distinct())
    unique: dict[str, str] = {}
    for email in emails:
        unique.setdefault(email.strip().lower(), email.strip())
    stopped = set(NotificationAddress.objects.filter(
        email_key__in=[email_key(e) for e in unique.values()],
        moderation_stopped_at__isnull=False).values_list("email_key", flat=True))
    return [email for email in unique.values() if email_key(email) not in stopped]


def notify_confirmation_send(comment_id: int, now: datetime | None = None) -> bool:
    """Ask the author of a published comment that wants reply emails to confirm the address,
    unless it is confirmed already or was asked within a day."""
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None or not comment.notify_replies or not comment.author_email:
        return False
    now = now or timezone.now()
    address = address_for(comment.author_email)
    if address.receives_replies:
        return False
    # Claimed with one UPDATE, so that two workers never both send it.
    due = Q(confirmation_sent_at__isnull=True) | Q(
        confirmation_sent_at__lt=now - CONFIRMATION_RESEND_AFTER)
    if not NotificationAddress.objects.filter(due, pk=address.pk).update(
            confirmation_sent_at=now):
        return False
    confirm_url = site_url(reverse("comments:notify_confirm", args=[confirm_token(address)]))
    body = mail_render("confirm.txt", {"confirm_url": confirm_url,
                                   "article_title": comment.article.title,
                                   "unsubscribe_url": unsubscribe_url(address, REPLIES)})
    sent = mails_send([Mail(address.email,
                            f"[{settings.GAZETTE_SITE_NAME}] Confirm reply notifications",
                            body, unsubscribe_url(address, REPLIES))])
    return sent == 1


def reply_notify_send(reply_id: int) -> bool:
    """Tell the author of the comment ``reply_id`` answers, once, if they asked for it and
    confirmed their address."""
    reply = Comment.objects.select_related("parent", "article").filter(pk=reply_id).first()
    if reply is None or reply.status != Status.APPROVED or reply.parent is None:
        return False
    parent = reply.parent
    if (not parent.notify_replies or not parent.author_email
            or parent.email_key == reply.email_key):
        return False
    address = NotificationAddress.objects.filter(email_key=parent.email_key).first()
    if address is None or not address.receives_replies:
        return False
    try:
        with transaction.atomic():
            notice = ReplyNotice.objects.create(reply=reply)
    except IntegrityError:
        return False  # announced already
    body = mail_render("reply.txt", {"reply": reply, "article_title": reply.article.title,
                                 "reply_url": _article_url(reply),
                                 "unsubscribe_url": unsubscribe_url(address, REPLIES)})
    try:
        sent = mails_send([Mail(address.email,
                                f"[{settings.GAZETTE_SITE_NAME}] New reply to your comment on "
                                f"{reply.article.title}", body,
                                unsubscribe_url(address, REPLIES))])
    except Exception:
        notice.delete()  # not sent: a retry of the task may send it
        raise
    return sent == 1


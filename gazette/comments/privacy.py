"""What the discussion keeps of a commenter, for how long, and how they get it back or erased.

* The privacy notice (``account_views.privacy``) is written from :func:`notice_facts`, so it
  states the retention periods that are in force.
* :func:`retention_apply` (``gazette manage comments retention``, hourly in the scheduler):
  comments lose their IP address and user agent after GAZETTE_COMMENTS_PERSONAL_DATA_DAYS;
  spam and trash go after GAZETTE_COMMENTS_SPAM_DAYS. The spam engine's labelled examples
  follow the first (GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS defaults to it; ``gazette antispam
  retention`` runs beside this).
* :func:`personal_data_export` and :func:`personal_data_erase`: everything stored for an email
  address, from the CLI, the admin, or the reader through a link mailed to that address.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from gazette.throttle import hourly_allow, network_key

from . import text as comment_text
from .models import Comment, NotificationAddress, Status
from .services import email_key

logger = logging.getLogger(__name__)

ANONYMOUS = "Anonymous"
REMOVED_TEXT = "(Removed at its author's request.)"
EXPORT = "export"
ERASE = "erase"
ACTIONS = (EXPORT, ERASE)
LINK_MAX_AGE = timedelta(days=2)
# One emailed link per address and action in this window, so the form cannot flood an inbox.
REQUEST_INTERVAL_SECONDS = 600
_SALT = "gazette.comments.privacy"


def personal_data_days() -> int:
    return int(settings.GAZETTE_COMMENTS_PERSONAL_DATA_DAYS)


def spam_days() -> int:
    return int(settings.GAZETTE_COMMENTS_SPAM_DAYS)


def notice_facts() -> dict[str, Any]:
    """What the privacy notice states, from the settings in force."""
    return {
        "site_name": settings.GAZETTE_SITE_NAME,
        "personal_data_days": personal_data_days(),
        "spam_days": spam_days(),
        "antispam_days": int(settings.GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS),
        "link_days": LINK_MAX_AGE.days,
    }


# --- Export ---------------------------------------------------------------------------------


def _comments_of(email: str) -> QuerySet[Comment]:
    email = email.strip()
    if not email:
        return Comment.objects.none()
    return Comment.objects.filter(Q(email_key=email_key(email)) | Q(author_email__iexact=email))


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data_export(email: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the discussion stores for ``email``: its comments (with what was recorded
    about how they were sent) and its notification address. JSON-ready."""
    from gazette.news.seo import absolute_url

    comments = []
    for comment in _comments_of(email).select_related("article").order_by("created_at", "id"):
        comments.append({
            "id": comment.pk,
            "article": comment.article.title,
            "article_url": absolute_url(comment.article.url or ""),
            "in_reply_to": comment.parent_id,
            "status": comment.status,
            "created_at": _when(comment.created_at),
            "name": comment.author_name,
            "email": comment.author_email,
            "website": comment.author_url,
            "text": comment.text,
            "ip_address": comment.ip_address,
            "user_agent": comment.user_agent,
            "notify_replies": comment.notify_replies,
        })
    address = NotificationAddress.objects.filter(email_key=email_key(email)).first()
    return {
        "email": email.strip(),
        "exported_at": _when(now or timezone.now()),
        "site": settings.GAZETTE_SITE_NAME,
        "comments": comments,
        "notification_address": None if address is None else {
            "email": address.email,
            "created_at": _when(address.created_at),
            "confirmation_sent_at": _when(address.confirmation_sent_at),
            "confirmed_at": _when(address.confirmed_at),
            "reply_emails_stopped_at": _when(address.replies_stopped_at),
            "moderation_emails_stopped_at": _when(address.moderation_stopped_at),
        },
    }


def personal_data_export_json(email: str) -> str:
    return json.dumps(personal_data_export(email), indent=2, ensure_ascii=False)


# --- Erasure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureResult:
    comments: int
    addresses: int
    examples: int


def _scrub(value: Any, email: str) -> Any:
    """``value`` (a decision trail) without ``email`` in any of its strings."""
    if isinstance(value, str):
        lowered = value.lower()
        needle = email.lower()
        while needle and needle in lowered:
            start = lowered.index(needle)
            value = value[:start] + "[removed]" + value[start + len(needle):]
            lowered = value.lower()
        return value
    if isinstance(value, list):
        return [_scrub(item, email) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, email) for key, item in value.items()}
    return value


def personal_data_erase(email: str, *, remove_text: bool = False,
                        now: datetime | None = None) -> ErasureResult:
    """Anonymise everything stored for ``email``: its comments become "Anonymous", without
    email, website, IP address or user agent (and, with ``remove_text``, without their text);
    its notification address goes (an unsubscribe is kept, as a key only, so that it still
    holds); the spam engine's labelled examples lose the same data (deleted with
    ``remove_text``). Pages that showed the comments are refreshed."""
    from gazette.antispam.services import personal_data_erase as examples_erase

    email = email.strip()
    if not email:
        return ErasureResult(0, 0, 0)
    key = email_key(email)
    articles: set[int] = set()
    count = 0
    with transaction.atomic():
        for comment in _comments_of(email).select_for_update():
            comment.author_name = ANONYMOUS
            comment.author_email = ""
            comment.author_url = ""
            comment.ip_address = None
            comment.user_agent = ""
            comment.email_key = ""
            comment.notify_replies = False
            comment.trail = _scrub(comment.trail, email)
            if remove_text:
                comment.text = REMOVED_TEXT
                comment.html = comment_text.render(REMOVED_TEXT)
            comment.save()
            count += 1
            if comment.status == Status.APPROVED:
                articles.add(comment.article_id)
        addresses = NotificationAddress.objects.filter(email_key=key)
        stopped = Q(replies_stopped_at__isnull=False) | Q(moderation_stopped_at__isnull=False)
        removed = addresses.exclude(stopped).delete()[0]
        removed += addresses.filter(stopped).exclude(email="").update(
            email="", confirmed_at=None, confirmation_sent_at=None)
        if articles:
            transaction.on_commit(lambda: _pages_refresh(articles))
    examples = examples_erase(email, delete=remove_text)
    logger.info("comments: erased %s comments, %s addresses, %s labelled examples",
                count, removed, examples)
    return ErasureResult(count, removed, examples)


def _pages_refresh(article_ids: set[int]) -> None:
    from gazette.news.cache import page_cache_invalidate

    tags = ["comments-feed"]
    for pk in article_ids:
        tags.append(f"page:{pk}")
    page_cache_invalidate(tags)


# --- Retention ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionResult:
    personal_data_removed: int
    spam_deleted: int
    addresses_deleted: int


def _spam_delete(cutoff: datetime) -> int:
    """Delete spam and trash that went there before ``cutoff``. A comment goes only once it
    has no replies left (deleting it would take them with it): leaves first, round after
    round, so a thread of spam goes whole and an approved reply keeps its parent."""
    due = (Comment.objects.filter(status__in=[Status.SPAM, Status.TRASH])
           .alias(since=Coalesce("moderated_at", "created_at")).filter(since__lt=cutoff))
    deleted = 0
    while True:
        ids = list(due.filter(replies__isnull=True).values_list("pk", flat=True)[:500])
        if not ids:
            return deleted
        deleted += Comment.objects.filter(pk__in=ids).delete()[1].get("comments.Comment", 0)


def retention_apply(*, now: datetime | None = None) -> RetentionResult:
    """Apply the retention periods (idempotent): IP addresses and user agents of comments
    older than GAZETTE_COMMENTS_PERSONAL_DATA_DAYS removed, spam and trash older than
    GAZETTE_COMMENTS_SPAM_DAYS deleted, addresses never confirmed deleted after the first."""
    now = now or timezone.now()
    personal_cutoff = now - timedelta(days=personal_data_days())
    cleared = (Comment.objects.filter(created_at__lt=personal_cutoff)
               .filter(Q(ip_address__isnull=False) | ~Q(user_agent=""))
               .update(ip_address=None, user_agent=""))
    spam = _spam_delete(now - timedelta(days=spam_days()))
    addresses = NotificationAddress.objects.filter(
        created_at__lt=personal_cutoff, confirmed_at__isnull=True,
        replies_stopped_at__isnull=True, moderation_stopped_at__isnull=True).delete()[0]
    return RetentionResult(cleared, spam, addresses)


# --- Self-service: a link mailed to the address ---------------------------------------------


def privacy_token(address: NotificationAddress, action: str) -> str:
    return signing.dumps({"k": address.email_key, "a": action}, salt=_SALT)


def privacy_token_read(token: str, action: str) -> NotificationAddress | None:
    """The address a valid, unexpired token for ``action`` was mailed to, else None."""
    try:
        value = signing.loads(token, salt=_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("a") != action:
        return None
    key = value.get("k")
    if not isinstance(key, str) or not key:
        return None
    return NotificationAddress.objects.filter(email_key=key).exclude(email="").first()


class PrivacyRequestsLimited(Exception):
    """This network asked for more links this hour than ``GAZETTE_COMMENTS_PRIVACY_PER_HOUR``."""


PRIVACY_RATE_PREFIX = "comments:privacy-ip:"


def privacy_request_allow(client_ip: str | None, *, now: float | None = None) -> bool:
    """Count one request from ``client_ip``'s network; False once this hour's allowance
    (``GAZETTE_COMMENTS_PRIVACY_PER_HOUR``) is spent, across every process."""
    limit = int(getattr(settings, "GAZETTE_COMMENTS_PRIVACY_PER_HOUR", 10))
    return hourly_allow(PRIVACY_RATE_PREFIX, network_key(client_ip, purpose=b"privacy\0"),
                        limit, now=now)


def privacy_request(email: str, action: str, *, client_ip: str | None = None) -> bool:
    """A reader asks for a copy or the erasure of their data: mail a link to the address
    (the answer on the page is the same whatever happens, so it tells nothing about who
    commented). False when the same request was made moments ago. Raises
    :class:`PrivacyRequestsLimited` when ``client_ip``'s network asked too often this hour
    (one address could otherwise have the site mail any number of strangers)."""
    from .notifications import address_for, task_enqueue

    if action not in ACTIONS or not email.strip():
        return False
    if not privacy_request_allow(client_ip):
        raise PrivacyRequestsLimited
    key = email_key(email)
    if not cache.add(f"comments:privacy-request:{action}:{key}", 1,
                     timeout=REQUEST_INTERVAL_SECONDS):
        return False
    address = address_for(email)
    task_enqueue("privacy_link_send", address.pk, action)
    return True


def privacy_link_send(address_id: int, action: str) -> bool:
    from .notifications import REPLIES, Mail, mail_render, mails_send, site_url, unsubscribe_url

    address = NotificationAddress.objects.filter(pk=address_id).exclude(email="").first()
    if address is None or action not in ACTIONS:
        return False
    name = "comments:privacy_export" if action == EXPORT else "comments:privacy_erase"
    link = site_url(reverse(name, args=[privacy_token(address, action)]))
    subject = ("Your comment data" if action == EXPORT
               else "Confirm the erasure of your comment data")
    body = mail_render("privacy_link.txt", {
        "action": action, "link": link, "link_days": LINK_MAX_AGE.days,
        "unsubscribe_url": unsubscribe_url(address, REPLIES)})
    sent = mails_send([Mail(address.email, f"[{settings.GAZETTE_SITE_NAME}] {subject}", body,
                            unsubscribe_url(address, REPLIES))])
    return sent == 1

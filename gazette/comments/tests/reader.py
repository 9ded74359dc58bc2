"""Helpers of the readers' tests: an open discussion, and posting as a reader would."""

from __future__ import annotations

import itertools
import time
from typing import Any

from django.test import Client
from wagtail.models import Site

from gazette.comments import tokens
from gazette.comments.models import DiscussionSettings, ModerationMode

_numbers = itertools.count(1)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def discussion_settings(**values: Any) -> DiscussionSettings:
    stored = DiscussionSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in values.items():
        setattr(stored, name, value)
    stored.save()
    return stored


def open_to_all(**values: Any) -> DiscussionSettings:
    """Publish what passes the checks: no pre-moderation of first-time commenters."""
    return discussion_settings(moderation_mode=ModerationMode.NONE, **values)


def form_data(article_id: int, *, seconds_ago: float = 90, **fields: Any) -> dict[str, Any]:
    """A reader's form: a page token from ``seconds_ago`` (people take a while to write)."""
    n = next(_numbers)
    data: dict[str, Any] = {
        "comment": f"A thoughtful remark about the barrier, number {n}.",
        "author": f"Reader {n}", "email": f"reader{n}@example.org", "url": "",
        "token": tokens.page_token(article_id, time.time() - seconds_ago),
    }
    data.update(fields)
    return data


def post(client: Client, article_id: int, *, json: bool = False, ip: str | None = None,
         **fields: Any) -> Any:
    """POST the form from a distinct address (flood control counts per address)."""
    headers: dict[str, Any] = {
        "REMOTE_ADDR": ip or f"10.9.{next(_numbers) % 250}.{next(_numbers) % 250}",
        "HTTP_USER_AGENT": BROWSER,
    }
    if json:
        headers["HTTP_ACCEPT"] = "application/json"
    return client.post(f"/comments/post/{article_id}/", form_data(article_id, **fields),
                       **headers)


KNOWN = "regular@example.org"


def known_commenter(section: Any, email: str = KNOWN) -> None:
    """An approved comment (on a story of its own) from ``email``: no first-time commenter,
    so a post without the script is published rather than held."""
    from django.utils import timezone

    from gazette.comments.models import Comment, Status
    from gazette.comments.services import email_key
    from gazette.news.testing import make_article

    elsewhere = make_article(section, title="An older story", slug=f"older-{next(_numbers)}")
    Comment.objects.create(article=elsewhere, author_name="Regular", author_email=email,
                           text="Earlier words.", html="<p>Earlier words.</p>",
                           status=Status.APPROVED, created_at=timezone.now(),
                           email_key=email_key(email))

"""Builders for the pipeline, moderation and surge tests: a person's post, a bot's post."""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from gazette.comments.models import Comment, DiscussionOverride, DiscussionSettings, Status
from gazette.comments.services import CommentInput, FormEvidence, comment_submit

_addresses = itertools.count(1)


@pytest.fixture(autouse=True)
def fresh_engine(settings: Any) -> Any:
    """Each test starts with no spam engine in memory (one learned in an earlier test, whose
    rows were rolled back, would judge differently) and a fixed secret."""
    from gazette.antispam import state

    settings.GAZETTE_ANTISPAM_SECRET_KEY = "test-secret"
    settings.GAZETTE_ANTISPAM_SYNC_MS = 0
    state.forget()
    yield
    state.forget()


def person_evidence(ip: str | None = None, **changes: Any) -> FormEvidence:
    """A reader in a browser: the script ran, a fresh token, a minute to write."""
    now = time.time()
    n = next(_addresses)
    values: dict[str, Any] = {
        # A network of its own each time: the engine counts bursts per /24.
        "ip_address": ip or f"172.{16 + n // 250 % 16}.{n % 250}.10",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "referrer": "http://localhost/world/story/",
        "rendered_at": now - 60, "submitted_at": now, "token_valid": True,
        "script_ran": True,
    }
    values.update(changes)
    return FormEvidence(**values)


def entry(text: str = "The barrier vote was long overdue; the quay floods every winter.",
          **changes: Any) -> CommentInput:
    n = next(_addresses)
    values: dict[str, Any] = {"author": f"Reader {n}", "email": f"reader{n}@example.org",
                              "text": text}
    values.update(changes)
    return CommentInput(**values)


def submit(article: Any, entry_: CommentInput | None = None, evidence: FormEvidence | None = None,
           **kwargs: Any) -> Any:
    return comment_submit(article=article, entry=entry_ or entry(),
                          evidence=evidence or person_evidence(), **kwargs)


def approved_comment(article: Any, email: str = "regular@example.org", *,
                     now: datetime | None = None) -> Comment:
    """An earlier approved comment, so that this address is no first-time commenter."""
    created = (now or timezone.now()) - timedelta(days=2)
    from gazette.comments.services import email_key

    return Comment.objects.create(
        article=article, author_name="Regular", author_email=email, text="Earlier words.",
        html="<p>Earlier words.</p>", status=Status.APPROVED, created_at=created,
        email_key=email_key(email), ip_address="192.0.2.200",
    )


def site_rules(**values: Any) -> DiscussionSettings:
    from wagtail.models import Site

    stored = DiscussionSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in values.items():
        setattr(stored, name, value)
    stored.save()
    return stored


def override(page: Any, **values: Any) -> DiscussionOverride:
    found, _ = DiscussionOverride.objects.update_or_create(page=page, defaults=values)
    return found

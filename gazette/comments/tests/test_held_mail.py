"""The moderators' mail about held comments: the first at once, a burst gathered into one mail
when the window closes, nothing mailed twice (held_mail.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from gazette.comments import held_mail, notifications, tasks
from gazette.comments.models import HeldMailMark, Status
from gazette.comments.tests.notify_testing import (  # noqa: F401  (a fixture)
    body,
    make_comment,
    site_rules,
    smtp_fixture,
)

pytestmark = pytest.mark.django_db

DEFERRING = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                         "QUEUES": ["default", "alerts"]}}


@pytest.fixture(name="queued")
def queued_fixture(settings: Any) -> list:
    """A task backend that can defer and only records what is queued."""
    settings.TASKS = DEFERRING
    backend = tasks.moderators_notify_held.get_backend()
    backend.clear()
    return backend.results


def test_the_first_is_mailed_at_once_and_a_burst_waits_for_one_mail(
        article: Any, smtp: Any, queued: list) -> None:
    site_rules(moderator_emails="desk@example.org")
    notifications.comment_held(make_comment(article, author="Ada", text="First one."))
    assert len(queued) == 1 and queued[0].task.run_after is None
    assert held_mail.held_mail_send() == 1
    assert "First one." in body(smtp.to("desk@example.org")[0])

    sent_at = cache.get(held_mail.SENT)
    for number in range(3):
        notifications.comment_held(make_comment(article, author=f"Reader {number}",
                                                text=f"Burst comment {number}."))
    # One task for the three, deferred to the end of the window.
    assert len(queued) == 2
    assert queued[1].task.run_after == sent_at + held_mail.GATHER

    smtp.clear()
    assert held_mail.held_mail_send() == 1
    [message] = smtp.messages
    assert "3 comments await moderation" in str(message["Subject"])
    text = body(message)
    assert all(f"Burst comment {n}." in text for n in range(3))
    assert "First one." not in text
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"

    smtp.clear()
    assert held_mail.held_mail_send() == 0  # a task run twice mails nothing twice
    assert smtp.messages == []


def test_a_comment_held_once_the_task_started_queues_another(article: Any, queued: list) -> None:
    site_rules(moderator_emails="desk@example.org")
    notifications.comment_held(make_comment(article))
    notifications.comment_held(make_comment(article, text="While the first is queued."))
    assert len(queued) == 1
    cache.delete(held_mail.DUE)  # what a starting task does before it reads
    notifications.comment_held(make_comment(article, text="After the task read."))
    assert len(queued) == 2


def test_a_quiet_spell_mails_the_next_one_at_once(article: Any, smtp: Any, queued: list) -> None:
    site_rules(moderator_emails="desk@example.org")
    notifications.comment_held(make_comment(article))
    held_mail.held_mail_send(now=timezone.now() - held_mail.GATHER - timedelta(seconds=1))
    cache.delete(held_mail.SENT)  # the window closed (the key's timeout)
    notifications.comment_held(make_comment(article, text="Later."))
    assert queued[-1].task.run_after is None


def test_each_moderator_gets_one_mail_listing_every_comment(article: Any, smtp: Any) -> None:
    site_rules(moderator_emails="desk@example.org\nnight@example.org")
    make_comment(article, author="Ada", text="The first held.")
    make_comment(article, author="Bo", text="The second held.")
    assert held_mail.held_mail_send() == 2
    for email in ("desk@example.org", "night@example.org"):
        [message] = smtp.to(email)
        text = body(message)
        assert "The first held." in text and "The second held." in text
        assert "ada@example.org" not in message.as_string()  # names, never addresses


def test_published_or_removed_comments_are_not_mailed(article: Any, smtp: Any) -> None:
    site_rules(moderator_emails="desk@example.org")
    make_comment(article, status=Status.APPROVED)
    make_comment(article, status=Status.SPAM)
    assert held_mail.held_mail_send() == 0
    assert HeldMailMark.objects.get(pk=1).mailed_up_to == 0


def test_two_tasks_at_once_mail_once(article: Any, smtp: Any, monkeypatch: Any) -> None:
    site_rules(moderator_emails="desk@example.org")
    make_comment(article)
    HeldMailMark.objects.get_or_create(pk=1)
    real = HeldMailMark.objects.filter

    def moved_on(*args: Any, **kwargs: Any) -> Any:
        # Another task claimed the same comments between this one's read and its claim.
        HeldMailMark.objects.all().update(mailed_up_to=10**9)
        monkeypatch.setattr(HeldMailMark.objects, "filter", real)
        return real(*args, **kwargs)

    monkeypatch.setattr(HeldMailMark.objects, "filter", moved_on)
    assert held_mail.held_mail_send() == 0
    assert smtp.messages == []

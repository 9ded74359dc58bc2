"""Notifications through a real SMTP server on loopback: moderators of held comments, the
confirmation of an address, reply emails, and the one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from gazette.comments import held_mail, notifications
from gazette.comments.models import ModerationMode, NotificationAddress, ReplyNotice, Status
from gazette.comments.services import CommentInput, comment_submit
from gazette.comments.tests.notify_testing import (  # noqa: F401  (a fixture)
    body,
    link,
    make_comment,
    person_evidence,
    site_rules,
    smtp_fixture,
    unsubscribe_path,
)

pytestmark = pytest.mark.django_db


def _confirmed(email: str) -> NotificationAddress:
    address = notifications.address_for(email)
    address.confirmed_at = address.created_at
    address.save()
    return address


def test_moderators_listed_in_the_rules_get_one_email_each_with_the_queue_link(
        article: Any, smtp: Any, settings: Any) -> None:
    site_rules(moderator_emails="desk@example.org\nNight@Example.org\ndesk@example.org")
    comment = make_comment(article, author="Ada", email="ada@example.org",
                           text="Please look at this.")

    notifications.comment_held(comment)

    assert sorted(str(m["To"]) for m in smtp.messages) == ["desk@example.org",
                                                            "night@example.org"]
    message = smtp.to("desk@example.org")[0]
    assert article.title in str(message["Subject"])
    text = body(message)
    assert "Please look at this." in text and "First comment from this address." in text
    assert f"{settings.GAZETTE_BASE_URL}/admin/comments/?status=pending" in text
    # The moderator's mail names the commenter, never their address or IP.
    assert "ada@example.org" not in message.as_string()
    assert "203.0.113.7" not in message.as_string()
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert unsubscribe_path(message)


def test_without_a_list_the_comment_moderators_group_is_mailed(
        article: Any, smtp: Any, django_user_model: Any) -> None:
    group, _ = Group.objects.get_or_create(name=notifications.MODERATORS_GROUP)
    for name, active in (("kim", True), ("gone", False)):
        user = django_user_model.objects.create_user(name, f"{name}@example.org", "pw-12345678",
                                                     is_active=active)
        user.groups.add(group)
    django_user_model.objects.create_user("outsider", "outsider@example.org", "pw-12345678")

    notifications.comment_held(make_comment(article))

    assert [str(m["To"]) for m in smtp.messages] == ["kim@example.org"]


def test_no_moderator_email_when_the_setting_is_off_or_the_comment_was_decided(
        article: Any, smtp: Any) -> None:
    site_rules(moderator_emails="desk@example.org", notify_moderators=False)
    notifications.comment_held(make_comment(article))
    assert smtp.messages == []

    site_rules(notify_moderators=True)
    approved = make_comment(article, status=Status.APPROVED)
    notifications.comment_held(approved)
    assert held_mail.held_mail_send() == 0
    assert smtp.messages == []


def test_a_comment_the_pipeline_holds_mails_the_moderators_once_committed(
        article: Any, smtp: Any, django_capture_on_commit_callbacks: Any) -> None:
    site_rules(moderator_emails="desk@example.org", moderation_mode=ModerationMode.ALL)
    with django_capture_on_commit_callbacks(execute=True):
        result = comment_submit(
            article=article, evidence=person_evidence(),
            entry=CommentInput(author="Eve", email="eve@example.org",
                               text="Held for a moderator to read."))
        assert smtp.messages == []  # nothing is sent before the comment is committed
    assert result.comment.status == Status.PENDING
    assert [str(m["To"]) for m in smtp.messages] == ["desk@example.org"]
    assert "Held for a moderator to read." in body(smtp.messages[0])


def test_reply_emails_only_after_the_address_is_confirmed(article: Any, smtp: Any) -> None:
    parent = make_comment(article, author="Ada", email="ada@example.org",
                          status=Status.APPROVED, notify=True)

    # Published: the confirmation goes out (once), and a reply before confirming sends nothing.
    notifications.comment_published(parent)
    notifications.comment_published(parent)
    assert len(smtp.to("ada@example.org")) == 1
    confirmation = smtp.to("ada@example.org")[0]
    assert "Confirm" in str(confirmation["Subject"])
    assert unsubscribe_path(confirmation)
    early = make_comment(article, author="Bo", email="bo@example.org", parent=parent,
                         status=Status.APPROVED, text="An early answer.")
    notifications.comment_published(early)
    assert len(smtp.to("ada@example.org")) == 1

    # A GET (a mail scanner following the link) confirms nothing; the button does.
    confirm = link(confirmation, "/comments/notify/confirm/")
    client = Client(enforce_csrf_checks=True)
    assert client.get(confirm).status_code == 200
    assert not notifications.address_for("ada@example.org").receives_replies
    assert client.post(confirm).status_code == 200
    assert notifications.address_for("ada@example.org").receives_replies

    reply = make_comment(article, author="Cy", email="cy@example.org", parent=parent,
                         status=Status.APPROVED, text="I see it otherwise.")
    notifications.comment_published(reply)
    notices = smtp.to("ada@example.org")[1:]
    assert len(notices) == 1
    text = body(notices[0])
    assert "Cy replied" in text and "I see it otherwise." in text
    assert f"#comment-{reply.pk}" in text
    assert "cy@example.org" not in notices[0].as_string()
    assert str(notices[0]["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"

    # Approved again later: announced once only.
    notifications.comment_published(reply)
    assert len(smtp.to("ada@example.org")) == 2
    assert ReplyNotice.objects.filter(reply=reply).count() == 1


def test_a_held_comment_asks_no_address_for_confirmation(article: Any, smtp: Any) -> None:
    """A spammer typing someone else's address gets nothing mailed to it."""
    comment = make_comment(article, email="victim@example.org")
    comment.notify_replies = True
    comment.save()
    notifications.comment_held(comment)
    assert smtp.to("victim@example.org") == []


def test_no_reply_email_without_the_opt_in_or_to_oneself(article: Any, smtp: Any) -> None:
    _confirmed("ada@example.org")
    quiet = make_comment(article, email="ada@example.org", status=Status.APPROVED)
    reply = make_comment(article, email="bo@example.org", parent=quiet, status=Status.APPROVED)
    notifications.comment_published(reply)
    loud = make_comment(article, email="ada@example.org", status=Status.APPROVED)
    loud.notify_replies = True
    loud.save()
    own = make_comment(article, email="ADA@example.org", parent=loud, status=Status.APPROVED)
    notifications.comment_published(own)
    pending = make_comment(article, email="bo@example.org", parent=loud)
    notifications.reply_notify_send(pending.pk)
    assert smtp.to("ada@example.org") == []


def test_one_click_unsubscribe_is_a_bare_post_without_login_or_csrf(
        article: Any, smtp: Any) -> None:
    _confirmed("ada@example.org")
    parent = make_comment(article, email="ada@example.org", status=Status.APPROVED)
    parent.notify_replies = True
    parent.save()
    notifications.comment_published(
        make_comment(article, email="bo@example.org", parent=parent, status=Status.APPROVED))
    [message] = smtp.to("ada@example.org")
    path = unsubscribe_path(message)

    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    assert page.status_code == 200 and b"<form method=\"post\"" in page.content
    assert notifications.address_for("ada@example.org").replies_stopped_at is None

    response = client.post(path, "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert notifications.address_for("ada@example.org").replies_stopped_at is not None
    assert client.post(path).status_code == 200  # a second click changes nothing

    notifications.comment_published(
        make_comment(article, email="cy@example.org", parent=parent, status=Status.APPROVED))
    assert len(smtp.to("ada@example.org")) == 1


def test_a_moderator_who_unsubscribes_gets_no_more_held_emails(article: Any, smtp: Any) -> None:
    site_rules(moderator_emails="desk@example.org\nnight@example.org")
    notifications.comment_held(make_comment(article))
    path = unsubscribe_path(smtp.to("night@example.org")[0])
    assert Client(enforce_csrf_checks=True).post(path).status_code == 200
    smtp.clear()

    notifications.comment_held(make_comment(article, text="Another one."))
    assert [str(m["To"]) for m in smtp.messages] == ["desk@example.org"]


def test_an_unsubscribe_holds_even_when_the_address_row_is_gone(article: Any) -> None:
    address = notifications.address_for("desk@example.org")
    token = notifications.unsubscribe_token(address, notifications.MODERATION)
    address.delete()
    assert notifications.address_unsubscribe(token) is not None
    site_rules(moderator_emails="desk@example.org")
    assert notifications.moderator_emails(make_comment(article)) == []


@pytest.mark.parametrize("path", [
    "/comments/unsubscribe/{token}/", "/comments/notify/confirm/{token}/",
    "/comments/privacy/export/{token}/", "/comments/privacy/erase/{token}/",
])
@pytest.mark.parametrize("token", ["nonsense", "eyJrIjoiYWJjIn0:1a2b3c:forged", "%E2%98%83",
                                   "a" * 2000])
def test_a_bad_link_gets_a_clear_400(path: str, token: str, client: Client) -> None:
    for method in (client.get, client.post):
        response = method(path.format(token=token))
        assert response.status_code == 400
        assert b"This link does not work" in response.content


def test_a_token_for_one_list_or_purpose_does_not_open_another(client: Client) -> None:
    address = notifications.address_for("ada@example.org")
    unsubscribe = notifications.unsubscribe_token(address, notifications.REPLIES)
    assert client.post(f"/comments/notify/confirm/{unsubscribe}/").status_code == 400
    confirm = notifications.confirm_token(address)
    assert client.post(f"/comments/unsubscribe/{confirm}/").status_code == 400
    assert client.get(f"/comments/privacy/export/{confirm}/").status_code == 400


def test_a_queue_that_fails_does_not_fail_the_caller(article: Any, monkeypatch: Any) -> None:
    from gazette.comments import tasks

    def broken(*args: object) -> None:
        raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "moderators_notify_held", SimpleNamespace(
        enqueue=broken, get_backend=tasks.moderators_notify_held.get_backend))
    notifications.comment_held(make_comment(article))  # logged, not raised

"""The privacy notice from the live settings; export, erasure (CLI, admin, self-service through
an emailed link) and retention."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from gazette.antispam.engine import Submission
from gazette.antispam.models import LabelledExample
from gazette.antispam.retention import email_stand_in
from gazette.antispam.services import spam_learn
from gazette.comments import notifications, privacy
from gazette.comments.models import Comment, NotificationAddress, Status
from gazette.comments.tests.notify_testing import (  # noqa: F401  (a fixture)
    body,
    link,
    make_comment,
    smtp_fixture,
)

pytestmark = pytest.mark.django_db


def _two_commenters(article: Any) -> tuple[Comment, Comment, Comment]:
    mine = make_comment(article, author="Ada Lovelace", email="ada@example.org",
                        ip="203.0.113.7", url="https://ada.example/", text="My first words.",
                        status=Status.APPROVED)
    reply = make_comment(article, author="Ada Lovelace", email="ADA@example.org",
                         ip="203.0.113.8", parent=mine, text="And more of mine.")
    theirs = make_comment(article, author="Bob Other", email="bob@example.org",
                          ip="198.51.100.66", user_agent="BobBrowser/9", url="https://bob.example/",
                          text="Bob's own view.", status=Status.APPROVED)
    return mine, reply, theirs


# --- The notice ------------------------------------------------------------------------------


def test_the_notice_states_the_retention_days_in_force(client: Client, settings: Any) -> None:
    page = client.get("/comments/privacy/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-retention="personal">30 days<' in text
    assert 'data-retention="spam">15 days<' in text
    for promise in ("No comment data leaves our server", "IP address", "user agent",
                    "labelled example", "nobody outside"):
        assert promise in text

    settings.GAZETTE_COMMENTS_PERSONAL_DATA_DAYS = 7
    settings.GAZETTE_COMMENTS_SPAM_DAYS = 1
    settings.GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS = 7
    text = client.get("/comments/privacy/").content.decode()
    assert 'data-retention="personal">7 days<' in text
    assert 'data-retention="spam">1 day<' in text
    assert 'data-retention="antispam">7 days<' in text


def test_the_spam_engine_follows_the_comments_retention_by_default(tmp_path: Any) -> None:
    code = ("import gazette.settings as s; "
            "print(s.GAZETTE_COMMENTS_PERSONAL_DATA_DAYS, s.GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAZETTE_")}
    env.update(GAZETTE_DATA_DIR=str(tmp_path), GAZETTE_COMMENTS_PERSONAL_DATA_DAYS="12")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["12", "12"]
    env["GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS"] = "40"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["12", "40"]


# --- Export ----------------------------------------------------------------------------------


def test_export_holds_every_comment_of_the_address_and_nothing_of_anyone_else(
        article: Any) -> None:
    mine, reply, theirs = _two_commenters(article)
    notifications.address_for("ada@example.org")
    document = privacy.personal_data_export("Ada@Example.org")

    assert [c["id"] for c in document["comments"]] == [mine.pk, reply.pk]
    first = document["comments"][0]
    assert first["ip_address"] == "203.0.113.7" and first["website"] == "https://ada.example/"
    assert first["text"] == "My first words." and first["article"] == article.title
    assert document["comments"][1]["in_reply_to"] == mine.pk
    assert document["notification_address"]["email"] == "ada@example.org"
    dumped = json.dumps(document)
    for other in ("bob@example.org", "Bob Other", "198.51.100.66", "BobBrowser",
                  "bob.example", "Bob's own view"):
        assert other not in dumped

    assert privacy.personal_data_export("nobody@example.org")["comments"] == []


def test_export_from_the_cli(article: Any, tmp_path: Any) -> None:
    _two_commenters(article)
    out = StringIO()
    call_command("comments", "export", "--email", "bob@example.org", stdout=out)
    document = json.loads(out.getvalue())
    assert [c["name"] for c in document["comments"]] == ["Bob Other"]
    target = tmp_path / "ada.json"
    call_command("comments", "export", "--email", "ada@example.org", "--out", str(target))
    assert len(json.loads(target.read_text())["comments"]) == 2


# --- Erasure ---------------------------------------------------------------------------------


def _learned(email: str, ip: str = "203.0.113.7") -> LabelledExample:
    return spam_learn(submission=Submission(
        content="Cheap watches at example dot com", author="Ada Lovelace", author_email=email,
        author_url="https://ada.example/", user_ip=ip, user_agent="AdaBrowser/1"), label="ham")


def test_erasure_anonymises_the_comments_and_the_spam_engines_examples(
        article: Any, django_capture_on_commit_callbacks: Any) -> None:
    mine, reply, theirs = _two_commenters(article)
    raw = _learned("ada@example.org")
    replaced = _learned("ada@example.org")
    LabelledExample.objects.filter(pk=replaced.pk).update(
        author_email=email_stand_in("ada@example.org"))
    bobs = _learned("bob@example.org", ip="198.51.100.66")
    notifications.address_for("ada@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        result = privacy.personal_data_erase("ada@example.org")

    assert (result.comments, result.addresses, result.examples) == (2, 1, 2)
    for comment in (mine, reply):
        comment.refresh_from_db()
        assert comment.author_name == "Anonymous"
        assert (comment.author_email, comment.author_url, comment.user_agent,
                comment.email_key) == ("", "", "", "")
        assert comment.ip_address is None
    assert mine.text == "My first words."  # kept unless asked
    theirs.refresh_from_db()
    assert (theirs.author_name, theirs.author_email, theirs.ip_address) == (
        "Bob Other", "bob@example.org", "198.51.100.66")
    for example in LabelledExample.objects.filter(pk__in=[raw.pk, replaced.pk]):
        assert (example.author, example.author_email, example.author_url,
                example.user_agent) == ("", "", "", "")
        assert "203.0.113" not in example.user_ip
        assert example.content  # the lesson stays
    assert LabelledExample.objects.get(pk=bobs.pk).author_email == "bob@example.org"
    assert not NotificationAddress.objects.filter(email__iexact="ada@example.org").exists()
    assert privacy.personal_data_export("ada@example.org")["comments"] == []


def test_erasure_with_the_text_removes_it_and_the_examples(article: Any) -> None:
    mine, reply, _ = _two_commenters(article)
    example = _learned("ada@example.org")
    out = StringIO()
    call_command("comments", "erase", "--email", "ada@example.org", "--remove-text", stdout=out)
    assert "2 comment(s) anonymised" in out.getvalue()
    mine.refresh_from_db()
    assert "My first words" not in mine.text and "My first words" not in mine.html
    assert mine.author_name == "Anonymous"
    assert not LabelledExample.objects.filter(pk=example.pk).exists()


def test_the_cli_refuses_a_bad_address() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("comments", "erase", "--email", "not an address")


# --- Self-service ---------------------------------------------------------------------------


def test_a_reader_gets_their_export_through_a_link_mailed_to_them(
        article: Any, smtp: Any) -> None:
    _two_commenters(article)
    client = Client()
    response = client.post("/comments/privacy/", {"email": "ada@example.org",
                                                  "action": "export"})
    assert response.status_code == 302 and response["Location"] == "/comments/privacy/sent/"
    assert client.get(response["Location"]).status_code == 200
    [message] = smtp.to("ada@example.org")
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    download = client.get(link(message, "/comments/privacy/export/"))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/json")
    assert "attachment" in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"] or "no-cache" in download["Cache-Control"]
    document = json.loads(download.content)
    assert len(document["comments"]) == 2 and b"bob@example.org" not in download.content

    # The same request at once again sends no second email (no inbox flooding).
    client.post("/comments/privacy/", {"email": "ada@example.org", "action": "export"})
    assert len(smtp.to("ada@example.org")) == 1


def test_a_reader_erases_their_data_by_confirming_through_the_link(
        article: Any, smtp: Any) -> None:
    mine, _, theirs = _two_commenters(article)
    client = Client(enforce_csrf_checks=True)
    client.get("/comments/privacy/")
    client.post("/comments/privacy/", {"email": "ada@example.org", "action": "erase",
                                       "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    [message] = smtp.to("ada@example.org")
    path = link(message, "/comments/privacy/erase/")
    page = client.get(path)
    assert page.status_code == 200 and b"remove_text" in page.content
    mine.refresh_from_db()
    assert mine.author_name == "Ada Lovelace"  # a GET erases nothing

    done = client.post(path, {"remove_text": "1"})
    assert done.status_code == 200
    mine.refresh_from_db()
    assert mine.author_name == "Anonymous" and "My first words" not in mine.text
    theirs.refresh_from_db()
    assert theirs.author_name == "Bob Other"
    # The link dies with the address it was mailed to.
    assert client.post(path).status_code == 400


@pytest.mark.parametrize("data", [
    {"email": "not an address", "action": "export"},
    {"email": "a" * 300 + "@example.org", "action": "erase"},
    {"email": "ada@example.org", "action": "everything"},
    {"email": "<script>alert(1)</script>@x.org", "action": "export"},
    {},
])
def test_a_bad_request_gets_the_form_back_with_a_message(
        data: dict[str, str], client: Client, smtp: Any) -> None:
    response = client.post("/comments/privacy/", data)
    assert response.status_code == 400
    assert b'role="alert"' in response.content and b"<script>alert" not in response.content
    assert smtp.messages == []


# --- Admin ----------------------------------------------------------------------------------


def test_moderators_export_and_erase_from_the_admin(
        article: Any, django_user_model: Any) -> None:
    _two_commenters(article)
    url = "/admin/comments-data/"
    editor = django_user_model.objects.create_user("ed", "ed@example.org", "pw-12345678")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    nosy = Client()
    nosy.force_login(editor)
    assert nosy.get(url).status_code in (302, 403)
    assert nosy.post(url, {"email": "ada@example.org", "export": "1"}).status_code in (302, 403)

    moderator = django_user_model.objects.create_user("mo", "mo@example.org", "pw-12345678")
    moderator.user_permissions.add(Permission.objects.get(codename="access_admin"),
                                   Permission.objects.get(codename="moderate_comment"))
    client = Client()
    client.force_login(moderator)
    assert client.get(url).status_code == 200
    found = client.post(url, {"email": "ada@example.org", "find": "1"})
    assert b"My first words" in found.content and b"Bob&#x27;s own view" not in found.content
    export = client.post(url, {"email": "ada@example.org", "export": "1"})
    assert len(json.loads(export.content)["comments"]) == 2

    unconfirmed = client.post(url, {"email": "ada@example.org", "erase": "1"})
    assert unconfirmed.status_code == 200
    assert Comment.objects.filter(author_name="Ada Lovelace").count() == 2
    erased = client.post(url, {"email": "ada@example.org", "erase": "1", "confirm": "on"})
    assert erased.status_code == 302
    assert Comment.objects.filter(author_name="Anonymous").count() == 2


# --- Retention ------------------------------------------------------------------------------


def test_retention_removes_old_personal_data_and_old_spam(article: Any, settings: Any) -> None:
    now = timezone.now()
    old = make_comment(article, status=Status.APPROVED, created_at=now - timedelta(days=31))
    recent = make_comment(article, status=Status.APPROVED, created_at=now - timedelta(days=29))
    old_spam = make_comment(article, status=Status.SPAM, created_at=now - timedelta(days=16))
    young_spam = make_comment(article, status=Status.SPAM, created_at=now - timedelta(days=14))
    # Trashed recently, though written long ago: the days count from the decision.
    late_trash = make_comment(article, status=Status.TRASH, created_at=now - timedelta(days=40),
                              moderated_at=now - timedelta(days=2))
    # A spam thread goes whole; a trashed comment with an approved reply waits for it.
    spam_root = make_comment(article, status=Status.SPAM, created_at=now - timedelta(days=20))
    make_comment(article, status=Status.SPAM, parent=spam_root,
                 created_at=now - timedelta(days=20))
    kept_parent = make_comment(article, status=Status.TRASH, created_at=now - timedelta(days=20))
    kept_reply = make_comment(article, status=Status.APPROVED, parent=kept_parent,
                              created_at=now - timedelta(days=1))
    stale = notifications.address_for("stale@example.org")
    NotificationAddress.objects.filter(pk=stale.pk).update(created_at=now - timedelta(days=31))
    confirmed = notifications.address_for("kept@example.org")
    NotificationAddress.objects.filter(pk=confirmed.pk).update(
        created_at=now - timedelta(days=300), confirmed_at=now - timedelta(days=300))

    out = StringIO()
    call_command("comments", "retention", stdout=out)
    assert out.getvalue().strip()

    old.refresh_from_db()
    assert old.ip_address is None and old.user_agent == ""
    assert old.text and old.author_email  # only the IP address and the user agent go
    recent.refresh_from_db()
    assert recent.ip_address == "203.0.113.7" and recent.user_agent
    remaining = set(Comment.objects.values_list("pk", flat=True))
    assert old_spam.pk not in remaining and spam_root.pk not in remaining
    assert {young_spam.pk, late_trash.pk, kept_parent.pk, kept_reply.pk} <= remaining
    assert not NotificationAddress.objects.filter(pk=stale.pk).exists()
    assert NotificationAddress.objects.filter(pk=confirmed.pk).exists()

    again = privacy.retention_apply()
    assert (again.personal_data_removed, again.spam_deleted, again.addresses_deleted) == (0, 0, 0)

    # The periods are the settings in force.
    settings.GAZETTE_COMMENTS_PERSONAL_DATA_DAYS = 10
    settings.GAZETTE_COMMENTS_SPAM_DAYS = 10
    result = privacy.retention_apply()
    assert result.spam_deleted == 1  # young_spam (14 days)
    recent.refresh_from_db()
    assert recent.ip_address is None



def test_the_form_is_rate_limited_per_network_and_per_address(
        client: Client, smtp: Any, settings: Any) -> None:
    settings.GAZETTE_COMMENTS_PRIVACY_PER_HOUR = 2

    def ask(email: str, ip: str) -> int:
        return int(client.post("/comments/privacy/", {"email": email, "action": "export"},
                               REMOTE_ADDR=ip).status_code)

    # One network may not have the site mail strangers one after another.
    assert [ask(f"stranger{n}@example.org", "198.51.100.7") for n in range(3)] \
        == [302, 302, 429]
    assert smtp.to("stranger2@example.org") == []
    assert ask("stranger2@example.org", "2001:db8:1:2::5") == 302  # another network
    assert ask("stranger3@example.org", "2001:db8:1:2::9") == 302
    assert ask("stranger4@example.org", "2001:db8:1:2:ffff::1") == 429  # the same /64
    # One address is mailed once per interval, whichever network asks.
    assert ask("stranger0@example.org", "203.0.113.9") == 302
    assert len(smtp.to("stranger0@example.org")) == 1
    limited = client.post("/comments/privacy/", {"email": "x@example.org", "action": "erase"},
                          REMOTE_ADDR="198.51.100.7")
    assert b"Too many requests" in limited.content and "no-store" in limited["Cache-Control"]

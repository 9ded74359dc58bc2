"""'Follow this story': a marked update of a story (news's ``story_update_marked``, once per
update) sends an alert to the story's followers only, one per update, through the push service
of the tests' own that decrypts every message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gazette.alerts import services
from gazette.alerts.models import Alert
from gazette.alerts.tests.sending import push_service_fixture, subscribe  # noqa: F401
from gazette.alerts.topics import section_topic, story_topic
from gazette.news.models import ArticlePage

pytestmark = pytest.mark.django_db


def publish(article: ArticlePage, **changes: Any) -> ArticlePage:
    for name, value in changes.items():
        setattr(article, name, value)
    article.full_clean()
    article.save_revision().publish()
    return ArticlePage.objects.get(pk=article.pk)  # type: ignore[no-any-return]


def test_followers_hear_of_each_marked_update_once(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any) -> None:
    follower, other = push_service.make_subscriber(), push_service.make_subscriber()
    subscribe(follower, story_topic(article.pk))
    subscribe(other, "breaking", section_topic(article.section.pk))
    first = timezone.now() - timedelta(minutes=20)

    with django_capture_on_commit_callbacks(execute=True):
        article = publish(article, update_note="Adds the  count\nby district.", updated_at=first)

    [message] = push_service.messages(follower.id)
    sent = message.data()
    alert = Alert.objects.get()
    assert sent == {"id": alert.pk, "title": article.title,
                    "body": "Updated: Adds the count by district.", "url": alert.url,
                    "tag": f"story-{article.pk}"}
    assert message.topic == f"story-{article.pk}"  # replaces an undelivered earlier alert
    assert alert.topic == story_topic(article.pk) and alert.auto_for_article is None
    assert push_service.messages(other.id) == []

    # Republished with the same update (a typo fixed in its note): no second alert.
    with django_capture_on_commit_callbacks(execute=True):
        article = publish(article, update_note="Adds the count by district")
    assert Alert.objects.count() == 1 and push_service.accepted == 1

    # A new update: a new alert, though the story's followers already had one.
    with django_capture_on_commit_callbacks(execute=True):
        publish(article, update_note="Adds the turnout.", updated_at=timezone.now())
    assert [m.data()["body"] for m in push_service.messages(follower.id)] == [
        "Updated: Adds the count by district.", "Updated: Adds the turnout."]
    assert Alert.objects.count() == 2 and push_service.messages(other.id) == []


def test_an_update_nobody_follows_records_no_alert(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any) -> None:
    subscribe(push_service.make_subscriber(), "breaking")
    with django_capture_on_commit_callbacks(execute=True):
        publish(article, update_note="Adds the turnout.", updated_at=timezone.now())
    assert not Alert.objects.exists() and push_service.accepted == 0


def test_a_failing_alert_does_not_undo_the_publication(
        article: Any, push_service: Any, django_capture_on_commit_callbacks: Any,
        monkeypatch: Any, caplog: Any) -> None:
    subscribe(push_service.make_subscriber(), story_topic(article.pk))

    def refuse(**kwargs: Any) -> Alert:
        raise services.AlertRefused("The link must be a full http(s) address.")

    monkeypatch.setattr(services, "alert_send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        article = publish(article, update_note="Adds the turnout.", updated_at=timezone.now())
    assert article.live and article.update_note == "Adds the turnout."
    assert "no alert for the update of story" in caplog.text
    assert not Alert.objects.exists()

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from wagtail.models import Workflow

from gazette.news.models import ArticlePage
from gazette.news.testing import make_article

pytestmark = pytest.mark.django_db


def test_scheduled_story_goes_live_when_due(section, django_capture_on_commit_callbacks):
    article = make_article(section, title="Budget to be unveiled", slug="budget", publish=False)
    article.go_live_at = timezone.now() + timedelta(hours=1)
    revision = article.save_revision()
    revision.publish()
    article.refresh_from_db()
    assert not article.live
    assert Client().get("/world/budget/").status_code == 404

    call_command("publish_scheduled")
    article.refresh_from_db()
    assert not article.live, "not due yet"

    two_hours_later = timezone.now() + timedelta(hours=2)
    with (
        mock.patch("django.utils.timezone.now", return_value=two_hours_later),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("publish_scheduled")
    article.refresh_from_db()
    assert article.live
    assert "Budget to be unveiled" in Client().get("/").content.decode()


def test_expired_story_is_taken_down(section):
    article = make_article(section, title="Flash sale on ferry tickets", slug="sale")
    ArticlePage.objects.filter(pk=article.pk).update(
        expire_at=timezone.now() - timedelta(minutes=1)
    )
    call_command("publish_scheduled")
    article.refresh_from_db()
    assert not article.live and article.expired
    assert Client().get(article.url or "/world/sale/").status_code == 404


def test_revisions_and_rollback(article):
    first_revision = article.latest_revision
    article.title = "A wrong headline"
    article.save_revision().publish()
    assert ArticlePage.objects.get(pk=article.pk).title == "A wrong headline"
    first_revision.publish()
    restored = ArticlePage.objects.get(pk=article.pk)
    assert restored.title == "Harbour council approves new tidal barrier"
    assert restored.revisions.count() == 2


def test_draft_changes_stay_private_until_published(article):
    article.title = "Draft headline not yet approved"
    article.save_revision()
    assert "Draft headline" not in Client().get(article.url).content.decode()
    assert ArticlePage.objects.get(pk=article.pk).has_unpublished_changes


def test_review_workflow_publishes_on_approval(section, django_user_model):
    editor = django_user_model.objects.create_user("reporter", password="x-long-password-1")
    editor.groups.add(Group.objects.get(name="Editors"))
    moderator = django_user_model.objects.create_user("chief", password="x-long-password-2")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    article = make_article(section, title="Exclusive: port deal signed", slug="deal",
                           publish=False)
    article.save_revision(user=editor)

    workflow = Workflow.objects.get(name="Moderators approval")
    state = workflow.start(article, editor)
    article.refresh_from_db()
    assert not article.live
    assert state.status == "in_progress"

    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, moderator, "approve")
    article.refresh_from_db()
    assert article.live
    assert Client().get(article.url).status_code == 200


def test_preview_renders_a_draft_for_editors(section, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "a@example.org", "pw-long-123x")
    article = make_article(section, title="Preview me", slug="preview-me", publish=False)
    client = Client()
    client.force_login(admin)
    response = client.get(f"/admin/pages/{article.pk}/view_draft/")
    assert response.status_code == 200
    assert "Preview me" in response.content.decode()


def test_editor_can_open_the_article_editor(article, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "a@example.org", "pw-long-123x")
    client = Client()
    client.force_login(admin)
    response = client.get(f"/admin/pages/{article.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("standfirst", "dateline", "lead_image", "body", "agency", "tags"):
        assert f'name="{field}' in html or f'id="{field}"' in html, field

"""The admin dashboard opens on what a newsroom needs: comments waiting and the stories out;
the spam defence's table appears only once it has something to report."""

import pytest
from django.test import Client
from django.utils import timezone

from gazette.antispam.models import DailyCount
from gazette.comments.tests.admin_testing import make_comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_superuser("editor", "e@example.org", "pw-long-123x")
    client = Client()
    client.force_login(user)
    return client


def dashboard(client: Client) -> str:
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_site_without_comments_opens_on_its_stories_not_on_zeros(article, editor):
    html = dashboard(editor)
    assert 'id="gazette-newsroom' in html
    assert article.title in html
    assert 'id="antispam' not in html
    assert 'id="gazette-pending-comments' not in html


def test_comments_waiting_come_first(article, editor):
    make_comment(article)
    make_comment(article, text="Another view on the barrier.")
    html = dashboard(editor)
    assert 'data-pending-comments="2"' in html
    assert html.index('id="gazette-pending-comments') < html.index('id="gazette-newsroom')


def test_the_spam_panel_appears_once_there_is_something_to_report(article, editor):
    DailyCount.objects.create(day=timezone.localdate(), pool="default", checks=3, ham=3)
    html = dashboard(editor)
    assert 'id="antispam' in html
    assert html.index('id="gazette-newsroom') < html.index('id="antispam')


def test_scheduled_stories_and_drafts_are_counted(section, editor):
    from datetime import timedelta

    from gazette.news.testing import make_article

    story = make_article(section, title="Budget to be unveiled", slug="budget", publish=False)
    story.go_live_at = timezone.now() + timedelta(hours=3)
    story.save_revision().publish()
    make_article(section, title="Unfinished draft", slug="draft", publish=False)
    html = dashboard(editor)
    newsroom = html[html.index('id="gazette-newsroom'):]
    assert "Scheduled" in newsroom and "Budget to be unveiled" in newsroom
    assert "2 drafts not yet published." in newsroom

"""The newsroom's admin: the headline's label, the schedule dialog's zone, the warning for a
story published without a lead image. Driven through Django's client as a signed-in editor."""

import re
from pathlib import Path

import pytest
import wagtail
from django.test import Client
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from gazette.news.models import ArticlePage
from gazette.news.testing import make_article, make_image

pytestmark = pytest.mark.django_db

OURS = Path(__file__).resolve().parents[1] / (
    "templates/wagtailadmin/panels/publishing/schedule_publishing_panel.html")
WAGTAILS = Path(wagtail.__file__).parent / (
    "admin/templates/wagtailadmin/panels/publishing/schedule_publishing_panel.html")


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_superuser("editor", "e@example.org", "pw-long-123x")
    client = Client()
    client.force_login(user)
    return client


def test_the_headline_field_is_labelled_headline(article, editor):
    html = editor.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    label = re.search(r'<label for="id_title"[^>]*><span data-panel-heading-text>([^<]+)<', html)
    assert label is not None and label.group(1) == "Headline"
    assert 'placeholder="Headline*"' in html
    assert "Page title" not in html


def test_the_schedule_dialog_says_the_time_zone(article, editor, settings):
    settings.TIME_ZONE = "Europe/London"
    html = editor.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    dialog = html[html.index('id="schedule-publishing-dialog"'):]
    assert 'data-schedule-time-zone="Europe/London"' in dialog[:dialog.index('name="go_live_at"')]
    assert "Dates and times are in Europe/London time: it is now " in dialog
    assert re.search(r"it is now \d{1,2} \w{3} \d{4}, \d\d:\d\d GMT", dialog)


def test_our_schedule_dialog_is_wagtails_plus_the_zone():
    """Pins the override to the Wagtail it was copied from: after an upgrade, copy it again."""
    ours = [line for line in OURS.read_text().splitlines(keepends=True)
            if "{# gazette" not in line]
    assert "".join(ours) == WAGTAILS.read_text()


def _article_form(article: ArticlePage, **changes) -> dict:
    data = {
        "title": article.title, "slug": article.slug, "standfirst": article.standfirst,
        "dateline": article.dateline, "lead_image": "", "lead_image_caption": "",
        "lead_image_credit": "", "lead_image_alt": "",
        "body": streamfield([("paragraph", rich_text("<p>The council voted nine to four.</p>"))]),
        "article_authors": inline_formset([]), "agency": "", "tags": "",
        "update_note": "", "updated_at": "", "corrections": inline_formset([]),
        "comments": inline_formset([]), "seo_title": "", "search_description": "",
        "go_live_at": "", "expire_at": "", "breaking": "", "comments_open": "on",
        "language": "en", "action-publish": "action-publish",
    }
    data.update(changes)
    return nested_form_data(data)


def _publish(editor: Client, article: ArticlePage, **changes) -> list[str]:
    response = editor.post(f"/admin/pages/{article.pk}/edit/", _article_form(article, **changes),
                           follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert not any("could not be" in m for m in messages), messages
    return messages


def test_publishing_without_a_lead_image_warns_but_publishes(section, editor):
    story = make_article(section, slug="short", publish=False)
    messages = _publish(editor, story, title="Quay wall collapses")
    story.refresh_from_db()
    assert story.live and story.title == "Quay wall collapses"
    assert any("published without a lead image" in m for m in messages), messages


def test_publishing_with_a_lead_image_does_not_warn(section, editor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    story = make_article(section, slug="pictured", publish=False)
    messages = _publish(editor, story, lead_image=make_image().pk,
                        lead_image_alt="The quay at dusk")
    story.refresh_from_db()
    assert story.live and story.lead_image_id is not None
    assert not any("lead image" in m for m in messages), messages


def test_an_editor_adds_a_correction_and_an_update_in_the_admin(section, editor):
    story = make_article(section, slug="port")
    _publish(editor, story, update_note="Adds the harbour master's reply.",
             corrections=inline_formset([{"corrected_at": "2026-12-06 10:00",
                                          "text": "An earlier version misspelt her name."}]))
    story = ArticlePage.objects.get(pk=story.pk)
    assert story.update_note == "Adds the harbour master's reply."
    assert story.updated_at is not None  # dated when saved
    assert [c.text for c in story.corrections.all()] == ["An earlier version misspelt her name."]
    html = Client().get(story.url).content.decode()
    assert "Adds the harbour master&#x27;s reply." in html
    assert "An earlier version misspelt her name." in html

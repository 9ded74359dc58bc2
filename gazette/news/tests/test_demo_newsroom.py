"""The demo newsroom's corrections, marked updates, opinion section and Corrections page."""

import html as htmllib
import io

import pytest
from django.db import transaction
from django.test import Client, override_settings

from gazette.news import demo_newsroom
from gazette.news.demo import demo_load
from gazette.news.models import ArticleCorrection, ArticlePage, CorrectionsPage, SectionPage

IMMEDIATE_TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "alerts"],
    }
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media),
                                                        TASKS=IMMEDIATE_TASKS):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo_load(stdout=io.StringIO())
            out = io.StringIO()
            added = demo_newsroom.demo_load(stdout=out)
            yield {"added": added, "output": out.getvalue(),
                   "again": demo_newsroom.demo_load()}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.django_db
def test_the_demo_has_updates_corrections_an_opinion_section_and_the_page(demo):
    assert demo["added"] == 1 + len(demo_newsroom.UPDATES) + len(demo_newsroom.CORRECTIONS) + 1
    assert demo["again"] == 0  # idempotent
    assert SectionPage.objects.get(slug="opinion").opinion
    updated = ArticlePage.objects.live().exclude(update_note="")
    assert {a.slug for a in updated} == {slug for slug, _, _ in demo_newsroom.UPDATES}
    assert ArticleCorrection.objects.count() == len(demo_newsroom.CORRECTIONS)
    page = CorrectionsPage.objects.live().get()
    html = htmllib.unescape(Client().get(page.url).content.decode())
    for _, _, text in demo_newsroom.CORRECTIONS:
        assert text.split(".")[0] in html
    story = updated.get(slug="vell-survives-confidence-vote")
    html = Client().get(story.url).content.decode()
    assert "Adds the vote by party" in html and "minutes ago" in html

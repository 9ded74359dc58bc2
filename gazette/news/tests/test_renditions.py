"""Renditions are made when a story is published, not by its first reader."""

import re
from pathlib import Path

import pytest
from django.test import Client
from wagtail.images.models import Rendition

from gazette.news import renditions
from gazette.news.testing import make_article, make_author, make_image

pytestmark = pytest.mark.django_db

TEMPLATES = Path(renditions.__file__).parent / "templates"


@pytest.fixture
def illustrated(section, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    lead, inline, portrait = make_image("Quay"), make_image("Crane"), make_image("Face")
    author = make_author("Ines Harrow")
    author.photo = portrait
    author.save()
    article = make_article(section, publish=False, authors=[author], body=[
        ("paragraph", "<p>The crane was lifted into place at dawn.</p>"),
        ("image", {"image": inline, "caption": "The new crane", "credit": "Gazette",
                   "alt_text": "A crane"}),
    ])
    article.lead_image = lead
    article.save()
    assert not Rendition.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    return article, lead, inline, portrait


def test_publishing_makes_every_rendition_of_the_story(illustrated):
    article, lead, inline, portrait = illustrated
    made = {(r.image_id, r.filter_spec) for r in Rendition.objects.all()}
    assert {(lead.pk, spec) for spec in renditions.LEAD_IMAGE_SPECS} <= made
    assert {(inline.pk, spec) for spec in renditions.BODY_IMAGE_SPECS} <= made
    assert {(portrait.pk, spec) for spec in renditions.AUTHOR_PHOTO_SPECS} <= made


def test_readers_of_a_published_story_make_no_rendition(illustrated, section):
    article, *_ = illustrated
    before = Rendition.objects.count()
    client = Client()
    urls = [article.url, section.url, "/", "/authors/ines-harrow/", "/feeds/rss/",
            "/feeds/atom/", "/feeds/json/"]
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert Rendition.objects.count() == before


def test_the_templates_ask_only_for_listed_specs():
    used = set()
    for template in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"{%\s*image\s+\S+\s+([a-z]+-[0-9x-]+)", template.read_text()))
    assert used, "no {% image %} tag found: the pattern is out of date"
    assert used <= renditions.TEMPLATE_SPECS


def test_a_missing_original_is_skipped(illustrated):
    article, lead, *_ = illustrated
    Rendition.objects.all().delete()
    Path(lead.file.path).unlink()
    # The lead image is gone; the body image and the author photo are still made.
    assert renditions.renditions_prepare(article) == 2

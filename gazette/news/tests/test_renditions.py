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


def _with_body_images(section, images):
    """Stories whose bodies show ``images`` (an image or None each: a story without one),
    each published (so its renditions are made)."""
    stories = []
    for number, image in enumerate(images):
        body = [("paragraph", f"<p>Story {number} on the quay.</p>")]
        if image is not None:
            body += [("image", {"image": image, "caption": f"Picture {number}", "credit": "",
                                "alt_text": ""}),
                     ("paragraph", "<p>More.</p>"),
                     ("image", {"image": image, "caption": "Again", "credit": "",
                                "alt_text": ""})]
        stories.append(make_article(section, title=f"Quay story {number}", body=body))
    return stories


def _fresh(stories):
    from gazette.news.models import ArticlePage

    return [ArticlePage.objects.get(pk=story.pk) for story in stories]


def test_a_feeds_body_images_are_read_in_two_queries_however_many(section, tmp_path, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gazette.news import seo

    settings.MEDIA_ROOT = tmp_path
    crane, quay = make_image("Crane"), make_image("Quay", name="q.png")
    stories = _with_body_images(section, [crane, None, quay, crane, quay])
    for story in stories:
        renditions.renditions_prepare(story)
    plain = [seo.article_body_html(story) for story in _fresh(stories)]
    prepared = _fresh(stories)
    with CaptureQueriesContext(connection) as queries:
        renditions.bodies_with_renditions(prepared)
        html = [seo.article_body_html(story) for story in prepared]
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in queries.captured_queries]
    assert tables == ['"wagtailimages_image"', '"wagtailimages_rendition"']
    assert html == plain
    assert html[0].count("<img") == 2 and "<img" not in html[1]


def test_a_feed_reads_its_body_images_once(section, tmp_path, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.MEDIA_ROOT = tmp_path
    crane = make_image("Crane")
    for story in _with_body_images(section, [crane, crane, None, crane]):
        renditions.renditions_prepare(story)
    with CaptureQueriesContext(connection) as queries:
        assert Client().get("/feeds/rss/").status_code == 200
    images = [q for q in queries.captured_queries if 'FROM "wagtailimages_image"' in q["sql"]]
    assert len(images) == 1


def test_a_body_image_whose_image_is_gone_is_left_out_as_before(section, tmp_path, settings):
    from gazette.news import seo

    settings.MEDIA_ROOT = tmp_path
    crane, quay = make_image("Crane"), make_image("Quay", name="q.png")
    stories = _with_body_images(section, [crane, quay])
    quay.delete()
    plain = [seo.article_body_html(story) for story in _fresh(stories)]
    prepared = _fresh(stories)
    renditions.bodies_with_renditions(prepared)
    assert [seo.article_body_html(story) for story in prepared] == plain
    assert plain[0].count("<img") == 2 and "<img" not in plain[1]

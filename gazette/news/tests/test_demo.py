"""The demo newsroom: what ``gazette demo`` loads, and the archive builder for benchmarks.

The demo is loaded once for the module inside a transaction that is rolled back at the end, so
the reused test database is left as it was; each test runs in a savepoint within it.
"""

import io
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from gazette.news.demo import demo_bulk, demo_load
from gazette.news.demo_content import AGENCIES, ARTICLES_BY_SECTION, AUTHORS, SECTIONS
from gazette.news.demo_images import MOTIFS, render_avatar, render_illustration
from gazette.news.models import (
    LANGUAGE_CHOICES,
    Agency,
    ArticlePage,
    Author,
    HomePage,
    SectionPage,
)
from gazette.news.selectors import search_articles

IMMEDIATE_TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "alerts"],
    }
}
ALL_SPECS = [spec for specs in ARTICLES_BY_SECTION.values() for spec in specs]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media),
                                                        TASKS=IMMEDIATE_TASKS):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            created = demo_load(stdout=out)
            yield {"created": created, "output": out.getvalue()}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _demo_articles():
    return list(
        ArticlePage.objects.live().filter(slug__in=[spec["slug"] for spec in ALL_SPECS])
        .select_related("lead_image", "agency").prefetch_related("article_authors", "tags")
    )


# --- The texts themselves (no database) ---------------------------------------------------------


def test_demo_texts_are_complete_and_consistent():
    slugs = [spec["slug"] for spec in ALL_SPECS]
    assert len(slugs) >= 30 and len(set(slugs)) == len(slugs)
    assert list(ARTICLES_BY_SECTION) == [info["slug"] for info in SECTIONS]
    author_slugs = {info["slug"] for info in AUTHORS}
    agency_slugs = {info["slug"] for info in AGENCIES}
    assert 6 <= len(author_slugs) <= 8 and 2 <= len(agency_slugs) <= 3
    assert sum(bool(spec.get("breaking")) for spec in ALL_SPECS) == 1
    assert sum(spec["hours_ago"] <= 48 for spec in ALL_SPECS) >= 5
    for spec in ALL_SPECS:
        assert 2 <= len(spec["tags"]) <= 4, spec["slug"]
        assert spec.get("authors") or spec.get("agency"), spec["slug"]
        assert len(spec.get("authors", [])) <= 2
        assert set(spec.get("authors", [])) <= author_slugs
        assert spec.get("agency") in agency_slugs | {None}
        assert 0 < spec["hours_ago"] <= 28 * 24
        if spec.get("breaking"):
            assert spec["hours_ago"] < 2
        kinds = [kind for kind, _ in spec["body"]]
        assert kinds.count("paragraph") >= 3, spec["slug"]
        quotes = [value for kind, value in spec["body"] if kind == "quotation"]
        assert quotes and all(q["speaker"] and q["source"] for q in quotes), spec["slug"]
        for kind, value in spec["body"]:
            if kind == "embed":
                assert urlparse(value["url"]).hostname == "example.org"
    languages = {spec.get("language", "en") for spec in ALL_SPECS}
    assert "en" in languages and languages - {"en"}
    assert languages <= {code for code, _ in LANGUAGE_CHOICES}


def test_illustrations_are_drawn_deterministically():
    colours = SECTIONS[0]["colours"]
    for motif in MOTIFS:
        data = render_illustration(motif, "World", colours, seed="same")
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG" and image.size == (1200, 675)
    assert render_illustration("globe", "World", colours, seed="a") == render_illustration(
        "globe", "World", colours, seed="a")
    assert render_illustration("globe", "World", colours, seed="a") != render_illustration(
        "globe", "World", colours, seed="b")
    avatar = Image.open(io.BytesIO(render_avatar("Mara Quill", (176, 64, 52))))
    assert avatar.size == (400, 400)


# --- Loading ------------------------------------------------------------------------------------


def test_demo_builds_a_newsroom(demo, db):
    assert demo["created"] >= 30
    assert "new articles" in demo["output"]
    home = HomePage.objects.get()
    assert home.intro
    sections = list(SectionPage.objects.live().child_of(home).order_by("path"))
    assert [s.slug for s in sections if s.slug in ARTICLES_BY_SECTION] == list(
        ARTICLES_BY_SECTION)

    articles = _demo_articles()
    assert len(articles) == len(ALL_SPECS) >= 30
    assert len({a.path[:-4] for a in articles}) >= 5
    now = timezone.now()
    breaking = [a for a in articles if a.breaking]
    assert len(breaking) == 1
    assert now - breaking[0].first_published_at < timedelta(hours=2)
    assert sum(now - a.first_published_at < timedelta(hours=48) for a in articles) >= 5
    assert all(now - a.first_published_at < timedelta(days=29) for a in articles)
    assert sum(a.was_updated for a in articles) >= 2
    assert any(not a.comments_open for a in articles)
    assert sum(a.comments_open for a in articles) > len(articles) // 2
    assert {a.language for a in articles} > {"en"}
    for article in articles:
        assert article.lead_image is not None, article.slug
        assert article.lead_image.width == 1200 and article.lead_image.height == 675
        assert article.lead_image_alt and article.lead_image_caption
        assert article.lead_image_credit == "Illustration: Gazette demo"
        assert article.authors or article.agency, article.slug
        assert 2 <= len(article.tags.all()) <= 4
        kinds = [block.block_type for block in article.body]
        assert "quotation" in kinds and kinds.count("paragraph") >= 3, article.slug
        assert article.live_revision_id and not article.has_unpublished_changes
        assert article.first_published_at <= article.last_published_at <= now
    assert Author.objects.filter(photo__isnull=False).count() >= 6
    assert Agency.objects.count() >= 2
    assert any(a.agency and not a.authors for a in articles)


def test_demo_load_twice_adds_nothing(demo, db):
    def counts():
        return (ArticlePage.objects.count(), SectionPage.objects.count(), Author.objects.count(),
                Agency.objects.count(), get_image_model().objects.count(),
                Revision.objects.count())

    before = counts()
    assert demo_load() == 0
    assert counts() == before


def test_demo_load_puts_sections_back_in_reading_order(demo, db):
    home = HomePage.objects.get()
    SectionPage.objects.get(slug="world").move(home, pos="last-child")
    assert demo_load() == 0
    order = [s.slug for s in SectionPage.objects.child_of(home).order_by("path")]
    assert [slug for slug in order if slug in ARTICLES_BY_SECTION] == list(ARTICLES_BY_SECTION)
    assert Page.find_problems() == ([], [], [], [], [])
    assert demo_bulk(0) == 0


def test_demo_pages_render(demo, db):
    client = Client()
    front = client.get("/")
    assert front.status_code == 200
    html = front.content.decode()
    breaking = ArticlePage.objects.get(breaking=True)
    assert breaking.title in html
    for section in ("World", "Politics", "Economy", "Climate", "Technology", "Opinion"):
        assert section in html
    for slug in ("world", "opinion"):
        assert client.get(f"/{slug}/").status_code == 200
    for slug in ("bank-of-veloria-holds-rates", "festival-des-marees-ombrine",
                 "northport-container-volumes-record", "solvane-telecom-outage"):
        article = ArticlePage.objects.get(slug=slug)
        response = client.get(article.url)
        assert response.status_code == 200, slug
        page = response.content.decode()
        assert article.title.replace("'", "&#x27;") in page
        assert article.lead_image_caption.replace("'", "&#x27;") in page
    assert "Updated" in client.get(ArticlePage.objects.get(
        slug="solvane-telecom-outage").url).content.decode()
    assert client.get("/tags/northport/").status_code == 200
    assert client.get("/authors/mara-quill/").status_code == 200


def test_demo_is_searchable(demo, db):
    found = list(search_articles("tidal barrier"))
    assert any(a.slug == "tidal-barrier-passes-first-storm-test" for a in found)


# --- The archive for benchmarks -----------------------------------------------------------------


def test_demo_bulk_adds_live_valid_articles(demo, db):
    before = ArticlePage.objects.live().count()
    assert demo_bulk(20) == 20
    assert ArticlePage.objects.live().count() == before + 20
    archive = list(ArticlePage.objects.filter(slug__contains="-archive-").order_by("pk"))
    assert len(archive) == 20
    now = timezone.now()
    for article in archive:
        assert "(archive " in article.title
        assert article.live and not article.has_unpublished_changes
        assert article.live_revision_id == article.latest_revision_id is not None
        assert article.lead_image_id is not None
        assert timedelta(days=1) < now - article.first_published_at < timedelta(days=366)
        assert article.tags.count() >= 2
        assert article.authors or article.agency
    # The tree stays consistent: paths, depths and child counts.
    assert Page.find_problems() == ([], [], [], [], [])
    for section in SectionPage.objects.all():
        assert section.numchild == section.get_children().count()
    # A page built in bulk behaves like any published page.
    revision_page = archive[0].live_revision.as_object()
    assert revision_page.title == archive[0].title
    client = Client()
    assert client.get(archive[0].url).status_code == 200
    assert client.get(archive[-1].get_parent().url).status_code == 200
    assert any(a.pk == archive[0].pk for a in search_articles(archive[0].title.split(" (")[0]))

    # A second run continues the numbering.
    assert demo_bulk(3) == 3
    slugs = list(ArticlePage.objects.filter(slug__contains="-archive-")
                 .values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs)) == 23

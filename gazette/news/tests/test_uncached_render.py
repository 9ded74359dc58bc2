"""What an uncached story costs besides its bytes: reads and writes of the shared cache, and the
faster renderers that replaced templates (each held byte for byte to the template it replaced).
"""

from __future__ import annotations

from collections import Counter
from unittest import mock

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.test import Client, RequestFactory

from gazette.news import cache as page_cache
from gazette.news import seo
from gazette.news.cache import (
    GLOBAL_TAG,
    VERSION_PREFIX,
    forget_versions,
    keep_versions,
    page_cache_invalidate,
    tags_version,
)
from gazette.news.models import ArticlePage
from gazette.news.renditions import with_renditions
from gazette.news.testing import make_agency, make_article, make_author, make_image

pytestmark = pytest.mark.django_db

# article_meta.html as it was: its loops, replaced by seo.head_html.
META_TEMPLATE = (
    "{% load seo_tags %}{% article_head page as head %}{% for property, content in "
    'head.open_graph %}\n<meta property="{{ property }}" content="{{ content }}">{% endfor %}'
    '{% for name, content in head.twitter %}\n<meta name="{{ name }}" content="{{ content }}">'
    "{% endfor %}\n{{ head.json_ld }}\n"
)


@pytest.fixture
def illustrated(section, tmp_path, settings):
    """A story with a lead image and an image block, two authors, an agency, tags and a
    headline that needs escaping."""
    settings.MEDIA_ROOT = tmp_path
    lead, inline = make_image("Quay"), make_image("Crane", name="crane.png")
    story = make_article(
        section, title='Storm on the "quay" & <the> wall', slug="storm",
        authors=[make_author(), make_author("Ilse Brandt")], agency=make_agency(),
        tags=["Weather", "Ports & harbours"],
        body=[("paragraph", "<p>Waves <b>broke</b> over the wall.</p>"),
              ("image", {"image": inline, "caption": "The crane", "credit": "Staff",
                         "alt_text": ""})],
    )
    story.lead_image = lead
    story.lead_image_alt = "Waves over the 'quay' wall"
    story.save_revision().publish()
    return ArticlePage.objects.get(pk=story.pk)


class Writes:
    """Counts the shared cache's writes, by method."""

    def __init__(self):
        self.calls: Counter[str] = Counter()
        self.keys: list[str] = []

    def __enter__(self):
        self.patches = []
        for name in ("set", "set_many", "add", "incr", "delete"):
            original = getattr(cache, name)

            def counted(*args, _name=name, _original=original, **kwargs):
                self.calls[_name] += 1
                self.keys.append(str(args[0])[:80])
                return _original(*args, **kwargs)

            patch = mock.patch.object(cache, name, counted)
            patch.start()
            self.patches.append(patch)
        return self

    def __exit__(self, *exc):
        for patch in self.patches:
            patch.stop()


def test_an_uncached_story_writes_nothing_to_the_shared_cache(illustrated, settings):
    """Wagtail's {% image %} wrote each rendition back to the shared cache on every render;
    with the renditions prefetched and the tag of prefetched_images, a render writes nothing
    (once the first renders made the renditions and filled what is remembered)."""
    settings.GAZETTE_PAGE_CACHE_ENABLED = False
    client = Client()
    for _ in range(2):
        first = client.get(illustrated.url)
        assert first.status_code == 200
    with Writes() as writes:
        second = client.get(illustrated.url)
    assert second.content == first.content
    assert writes.calls == Counter(), writes.keys
    assert second.content.decode().count('src="/media/images/') >= 2  # lead and body images


def test_each_version_is_read_once_a_request(illustrated, settings):
    settings.GAZETTE_PAGE_CACHE_ENABLED = False
    client = Client()
    client.get(illustrated.url)
    reads: Counter[str] = Counter()
    get, get_many = cache.get, cache.get_many
    inside_get_many = []

    def counted_get(key, *args, **kwargs):
        if not inside_get_many:  # a backend's get_many may be its get, key by key
            reads[key] += 1
        return get(key, *args, **kwargs)

    def counted_get_many(keys, *args, **kwargs):
        for key in keys:
            reads[key] += 1
        inside_get_many.append(True)
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside_get_many.pop()

    with mock.patch.object(cache, "get", counted_get), \
            mock.patch.object(cache, "get_many", counted_get_many):
        assert client.get(illustrated.url).status_code == 200
    versions = {key: n for key, n in reads.items() if key.startswith(VERSION_PREFIX)}
    assert VERSION_PREFIX + GLOBAL_TAG in versions
    assert VERSION_PREFIX + f"page:{illustrated.pk}" in versions
    assert set(versions.values()) == {1}, versions
    # No rendition is looked up in the shared cache either: they came with the page.
    assert not [key for key in reads if "rendition" in key]


def test_kept_versions_are_read_again_after_an_invalidation():
    kept = keep_versions()
    try:
        before = tags_version(GLOBAL_TAG, "section:1")
        with mock.patch.object(cache, "get_many", side_effect=AssertionError("read again")):
            assert tags_version(GLOBAL_TAG, "section:1") == before
        page_cache_invalidate(["section:1"])
        after = tags_version(GLOBAL_TAG, "section:1")
        assert after != before and after.split("-")[0] == before.split("-")[0]
    finally:
        forget_versions(kept)
    # Outside a request nothing is kept: each call reads.
    assert page_cache._kept_versions.get() is None
    cache.set(VERSION_PREFIX + "section:1", "elsewhere", timeout=None)
    assert tags_version("section:1") == "elsewhere"


def test_the_head_prints_what_its_template_printed(illustrated, article, section):
    agency_only = make_article(section, title="Wire <copy>", slug="wire", agency=make_agency(),
                               authors=[])
    request = RequestFactory().get("/")
    for story in (illustrated, article, agency_only):
        page = ArticlePage.objects.get(pk=story.pk)
        context = {"page": page, "request": request, "base_url": "https://news.example"}
        before = Template(META_TEMPLATE).render(Context(context))
        now = Template("{% include 'news/includes/article_meta.html' %}").render(
            Context(context))
        assert now == before
        if story.pk == illustrated.pk:
            assert 'content="Storm on the &quot;quay&quot; &amp; &lt;the&gt; wall"' in now
            assert 'property="og:image:alt" content="Waves over the &#x27;quay&#x27; wall"' in now


def test_the_image_tag_prints_wagtails_markup(illustrated):
    page = with_renditions(ArticlePage.objects.get(pk=illustrated.pk))
    body_image = next(b.value for b in page.body if b.block_type == "image")
    for source in (
        '{% image img width-960 loading="lazy" alt=alt %}',
        "{% image img fill-480x270 as small %}{{ small.url }} {{ small.width }}",
        '{% image img width-640 class="lead" %}',
    ):
        context = {"img": body_image["image"], "alt": 'a "quoted" alt'}
        wagtails = Template("{% load wagtailimages_tags %}" + source).render(Context(context))
        ours = Template("{% load wagtailimages_tags prefetched_images %}" + source).render(
            Context(context))
        assert ours == wagtails
        assert ours.strip()


def test_seo_helpers_given_what_the_page_has_say_the_same(illustrated):
    page = ArticlePage.objects.get(pk=illustrated.pk)
    shared = {"url": seo.page_url(page), "credits": seo.article_credits(page),
              "keywords": seo.article_tag_names(page)}
    assert seo.article_structured_data(page) == seo.article_structured_data(page, **shared)
    assert seo.article_social_meta(page) == seo.article_social_meta(page, **shared)


@pytest.mark.parametrize("where, choices", [
    ("footer", [("breaking", "Breaking news", True)]),
    ("story-12", [("breaking", "Breaking news", True),
                  ("section-3", "Every Ports & <Harbours> \"alert\"", False),
                  ("story-12", "Follow this story", True)]),
    ("x\"<y>", []),
])
def test_the_alerts_box_is_its_templates_markup(where, choices):
    from django.template.loader import render_to_string

    from gazette.alerts.reader_hooks import box_html

    assert box_html(where=where, choices=choices) == render_to_string(
        "alerts/box.html", {"where": where, "choices": choices})


def _discussion_contexts(article):
    """Every branch of discussion.html and form.html that a story's page can take."""
    from types import SimpleNamespace

    from django.utils.safestring import mark_safe

    from gazette.comments.fragments import RenderedDiscussion
    from gazette.comments.reader_hooks import PAGE_PARAMETER, form_context
    from gazette.comments.rules import DiscussionRules

    reply_to = SimpleNamespace(pk=7, author_name='Bo "<b>" & co', depth=1)
    for count, number, num_pages, surge, order, closed, reply in [
        (0, 1, 1, False, "oldest", False, None),
        (1, 1, 1, False, "oldest", False, None),
        (1234, 1, 3, True, "newest", False, None),
        (41, 2, 3, False, "oldest", False, reply_to),
        (41, 3, 3, False, "newest", True, None),
        (41, 2, 2, False, "oldest", True, None),
    ]:
        context = form_context(None, article, kept={"parent": "7" if reply else ""})
        context["article_url"] = '/world/a-story/?x=1&y="2"'
        context.update({
            "rules": DiscussionRules(order=order), "closed": closed, "reply_to": reply,
            "page_parameter": PAGE_PARAMETER,
            "discussion": RenderedDiscussion(items=mark_safe("<li>one</li>\n"), number=number,
                                             num_pages=num_pages, count=count, surge=surge),
        })
        yield context


def test_the_discussion_is_its_templates_markup(article):
    from django.template.loader import render_to_string

    from gazette.comments import fragments

    for context in _discussion_contexts(article):
        assert fragments.discussion_html(context) == render_to_string(
            "comments/discussion.html", context)


def test_the_form_is_its_templates_markup(article, settings):
    from django.template.loader import render_to_string

    from gazette.comments import fragments

    for context in _discussion_contexts(article):
        if not context["closed"]:
            assert fragments.form_html(context) == render_to_string("comments/form.html", context)
    # A reader's form sent back with errors and what they wrote: the template's own.
    context = {**next(_discussion_contexts(article)), "errors": {"email": ["Bad <address>"]},
               "kept": {"author": "Ann & <Bo>", "parent": ""}, "message": "Check the form."}
    assert fragments.form_html(context) == render_to_string("comments/form.html", context)


def test_the_body_is_its_block_templates_markup(section, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    image = make_image("Crane", name="crane.png")
    hostile = 'Ports & <harbours> "quoted" l\'été'
    story = make_article(section, slug="every-block", body=[
        ("paragraph", '<p>One <b>bold</b> <a href="https://example.org/?a=1&b=2">link</a></p>'
                      '<script>alert(1)</script><p onclick="x()">Two</p>'),
        ("subheading", hostile),
        ("quotation", {"text": hostile, "speaker": hostile, "source": hostile}),
        ("quotation", {"text": "Only words", "speaker": "", "source": "a statement"}),
        ("quotation", {"text": "Only words", "speaker": "Someone", "source": ""}),
        ("quotation", {"text": "Only words", "speaker": "", "source": ""}),
        ("image", {"image": image, "caption": hostile, "credit": hostile, "alt_text": hostile}),
        ("image", {"image": image, "caption": "Caption as alt", "credit": "", "alt_text": ""}),
        ("image", {"image": image, "caption": "", "credit": "Credit only", "alt_text": ""}),
        ("image", {"image": image, "caption": "", "credit": "", "alt_text": ""}),
        ("pull_quote", {"text": hostile, "attribution": hostile}),
        ("pull_quote", {"text": hostile, "attribution": ""}),
        ("fact_box", {"title": hostile, "facts": [hostile, "Two", ""]}),
        ("fact_box", {"title": "Empty", "facts": []}),
        ("embed", {"url": "https://example.org/v?a=1&b=2", "title": hostile,
                   "description": hostile, "provider": hostile}),
        ("embed", {"url": "javascript:alert(1)", "title": "No link", "description": "",
                   "provider": ""}),
    ])
    from gazette.news.body import body_html

    page = with_renditions(ArticlePage.objects.get(pk=story.pk))
    context = Context({"page": page, "request": RequestFactory().get("/")})
    expected = Template("{% load wagtailcore_tags %}{% for block in page.body %}"
                        "{% include_block block %}{% endfor %}").render(context)
    assert body_html(page.body, context) == expected
    assert "&lt;harbours&gt;" in expected and "<script>" not in expected
    assert expected.count("<img") == 4


def test_kept_credits_follow_the_story_and_its_authors(article, settings,
                                                       django_capture_on_commit_callbacks):
    """Authors, tags and corrections are kept under the story's version and the global one:
    a render reads none of them from the database, and what changes them shows at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gazette.news.models import ArticleCorrection, Author

    settings.GAZETTE_PAGE_CACHE_ENABLED = False
    client = Client()
    client.get(article.url)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(article.url).content.decode()
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "news_articleauthor" not in sql and "news_articletag" not in sql
    assert "news_articlecorrection" not in sql
    assert "Mara Quill" in html and "/tags/harbour/" in html

    page = ArticlePage.objects.get(pk=article.pk)
    ArticleCorrection.objects.create(page=page, text="An earlier version misnamed the quay.")
    page.tags.add("Storms")
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    html = client.get(article.url).content.decode()
    assert "misnamed the quay" in html and "/tags/storms/" in html

    with django_capture_on_commit_callbacks(execute=True):
        author = Author.objects.get(name="Mara Quill")
        author.name = "Mara Quill-Ashby"
        author.save()
    assert "Mara Quill-Ashby" in client.get(article.url).content.decode()


@pytest.mark.parametrize("preview", [False, True])
def test_the_read_beacon_is_its_templates_markup(article, preview):
    request = RequestFactory().get("/")
    if preview:
        request.is_preview = True
    context = Context({"article": article, "page": article, "request": request})
    assert Template("{% load newsroom_tags %}{% read_beacon page %}").render(context) == (
        Template("{% include 'news/includes/read_beacon.html' %}").render(context))


def test_paths_reversed_once_are_djangos(article):
    from django.urls import reverse

    from gazette.news.kept import path_to, path_with
    from gazette.news.models import Author

    for slug in ("mara-quill", "a_b-9", "x"):
        assert Author(slug=slug).get_absolute_url() == reverse("news:author", args=[slug])
        assert path_with("news:tag", slug) == reverse("news:tag", args=[slug])
    assert path_with("news:read", 12345) == reverse("news:read", args=[12345])
    assert path_with("comments:article_feed", 7, "atom") == reverse(
        "comments:article_feed", args=[7, "atom"])
    assert path_to("news:search") == reverse("news:search")
    # What the pattern's converter would refuse is reversed as usual (and refused).
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        path_with("news:tag", "été/")


def test_a_story_line_is_its_templates_markup(section):
    from gazette.news.models import Agency

    no_short = Agency.objects.create(name="Wire & <Co>", short_name="")
    stories = [
        make_article(section, slug="three", breaking=True, agency=no_short,
                     title='Three "authors" & <more>',
                     authors=[make_author(), make_author("Ilse Brandt"), make_author("O'Neil")]),
        make_article(section, slug="two", authors=[make_author(), make_author("Ilse Brandt")],
                     agency=make_agency()),
        make_article(section, slug="one", authors=[make_author()]),
        make_article(section, slug="agency", agency=make_agency()),
        make_article(section, slug="none"),
    ]
    request = RequestFactory().get("/")
    for story in stories:
        article = ArticlePage.objects.select_related("agency").get(pk=story.pk)
        context = {"article": article, "request": request}
        assert Template("{% load newsroom_tags %}{% story_line article %}").render(
            Context(context)) == Template(
            "{% include 'news/includes/story_line.html' %}").render(Context(context))
        assert Template("{% load newsroom_tags %}{% card_credit article %}").render(
            Context(context)) == Template(
            "{% include 'news/includes/card_credit.html' %}").render(Context(context))


def test_the_share_links_are_their_templates_markup():
    from urllib.parse import quote

    from django.template.loader import render_to_string

    from gazette.news.templatetags.newsroom_tags import share_links_html

    title = 'Storm on the "quay" & <the> wall, l\'été'
    url = "https://news.example/world/storm/?a=1&b=<2>"
    mailto = f"mailto:?subject={quote(title)}&body={quote(title + url)}"
    assert share_links_html(url, title, mailto) == render_to_string(
        "news/includes/share_links.html", {"url": url, "title": title, "mailto": mailto})


@pytest.mark.parametrize("published, updated, note", [
    (72, None, ""),          # days old, never updated
    (72, 30, ""),            # updated long after publication
    (72, 71.99, ""),         # a small edit right after: no "Updated"
    (0.5, 0.2, ""),          # minutes ago, updated
    (5, 1, 'Figures <revised> & "checked"'),  # a marked update with its note
])
def test_the_times_are_their_templates_markup(section, published, updated, note):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    story = make_article(section, slug="timed")
    ArticlePage.objects.filter(pk=story.pk).update(
        first_published_at=now - timedelta(hours=published),
        last_published_at=now - timedelta(hours=published),
        updated_at=now - timedelta(hours=updated) if updated is not None else None,
        update_note=note)
    page = ArticlePage.objects.get(pk=story.pk)
    request = RequestFactory().get("/")
    with mock.patch("django.utils.timezone.now", return_value=now):
        ours = Template("{% load newsroom_tags %}{% article_times page %}").render(
            Context({"page": page, "request": request}))
        template = Template("{% include 'news/includes/article_times.html' %}").render(
            Context({"page": page, "request": request}))
    assert ours == template
    assert ("Updated" in ours) == bool(updated is not None and (note or updated < published - 0.1))

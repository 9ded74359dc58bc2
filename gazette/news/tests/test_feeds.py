"""RSS, Atom and JSON Feed for the site, sections and tags."""

import html
import json

import feedparser
import pytest
from django.conf import settings
from django.test import Client
from wagtail.images.models import Image
from wagtail.models import PageViewRestriction

from gazette.news import feeds, testing
from gazette.news.testing import (
    hours_ago,
    make_agency,
    make_article,
    make_author,
    make_section,
)

pytestmark = pytest.mark.django_db

SCOPES = {"site": "/feeds/{fmt}/", "section": "/feeds/section/world/{fmt}/",
          "tag": "/feeds/tag/harbour/{fmt}/"}
CONTENT_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml",
                 "json": "application/feed+json"}


def base() -> str:
    return settings.GAZETTE_BASE_URL


def get_feed(url: str):
    response = Client().get(url)
    assert response.status_code == 200, url
    return response


def parse(url: str):
    response = get_feed(url)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def make_image(tmp_path, settings, name="quay.png", size=(1600, 1000)) -> Image:
    settings.MEDIA_ROOT = tmp_path
    return testing.make_image(name=name, size=size)


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_xml_feeds_describe_each_story(article, scope, fmt):
    url = SCOPES[scope].format(fmt=fmt)
    response = get_feed(url)
    assert response["Content-Type"].startswith(CONTENT_TYPES[fmt])
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title.endswith(settings.GAZETTE_SITE_NAME)
    assert parsed.feed.link.startswith(base())
    [entry] = parsed.entries
    assert entry.title == article.title
    assert entry.link == base() + article.url
    assert entry.id.startswith("tag:") and entry.id.endswith(f":article:{article.pk}")
    assert entry.published_parsed[:3] == article.first_published_at.utctimetuple()[:3]
    assert entry.summary == article.standfirst
    assert {"Mara Quill", "Coastal Wire News"} <= {a.get("name") for a in entry.authors}
    assert {t.term for t in entry.tags} == {"World", "Harbour", "Climate"}
    assert "nine to four" in entry.content[0].value
    if fmt == "atom":
        assert entry.updated_parsed is not None
        mara = next(a for a in entry.authors if a["name"] == "Mara Quill")
        assert mara["href"] == base() + "/authors/mara-quill/"


@pytest.mark.parametrize("scope", SCOPES)
def test_json_feed_follows_version_1_1(article, scope):
    url = SCOPES[scope].format(fmt="json")
    response = get_feed(url)
    assert response["Content-Type"].startswith("application/feed+json")
    data = json.loads(response.content)
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"].endswith(settings.GAZETTE_SITE_NAME)
    assert data["feed_url"] == base() + url
    assert data["home_page_url"].startswith(base())
    [item] = data["items"]
    assert item["id"] and isinstance(item["id"], str)
    assert item["url"] == base() + article.url
    assert item["title"] == article.title
    assert item["summary"] == article.standfirst
    assert "nine to four" in item["content_html"]
    assert item["date_published"].startswith(article.first_published_at.strftime("%Y-%m-%dT"))
    assert "date_modified" in item
    assert [a["name"] for a in item["authors"]] == ["Mara Quill", "Coastal Wire News"]
    assert item["authors"][0]["url"] == base() + "/authors/mara-quill/"
    assert set(item["tags"]) == {"World", "Harbour", "Climate"}


def test_feeds_list_the_newest_thirty(section, monkeypatch):
    assert feeds.FEED_LENGTH == 30
    monkeypatch.setattr(feeds, "FEED_LENGTH", 3)
    for n in range(5):
        make_article(section, title=f"Story {n}", slug=f"story-{n}", published_at=hours_ago(5 - n))
    parsed = parse("/feeds/rss/")
    assert [e.title for e in parsed.entries] == ["Story 4", "Story 3", "Story 2"]
    assert len(json.loads(get_feed("/feeds/json/").content)["items"]) == 3


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_unknown_section_or_tag_is_404(article, fmt):
    client = Client()
    assert client.get(f"/feeds/section/nowhere/{fmt}/").status_code == 404
    assert client.get(f"/feeds/tag/no-such-tag/{fmt}/").status_code == 404
    # An article is not a section.
    assert client.get(f"/feeds/section/{article.slug}/{fmt}/").status_code == 404
    assert client.get("/feeds/xml/").status_code == 404


def test_drafts_never_appear(article, section):
    make_article(section, title="A draft nobody should see", slug="draft",
                 tags=["Secret plans"], publish=False)
    for fmt in ("rss", "atom", "json"):
        for url in (f"/feeds/{fmt}/", f"/feeds/section/world/{fmt}/",
                    f"/feeds/tag/harbour/{fmt}/"):
            assert "A draft nobody should see" not in get_feed(url).content.decode()
        # A tag carried only by a draft is not public either.
        assert Client().get(f"/feeds/tag/secret-plans/{fmt}/").status_code == 404


def test_private_sections_never_appear(article):
    private = make_section("Internal")
    make_article(private, title="Staff-only memo", slug="memo", tags=["Harbour"])
    PageViewRestriction.objects.create(page=private, restriction_type="password",
                                       password="letmein")
    for fmt in ("rss", "atom", "json"):
        for url in (f"/feeds/{fmt}/", f"/feeds/tag/harbour/{fmt}/"):
            html = get_feed(url).content.decode()
            assert article.title in html and "Staff-only memo" not in html
        assert Client().get(f"/feeds/section/internal/{fmt}/").status_code == 404


def test_lead_image_and_absolute_links_in_content(section, tmp_path, settings):
    story = make_article(
        section, title="Storm on the quay", slug="storm", agency=make_agency(),
        body=[("paragraph", '<p>See <a href="/world/">more from World</a>.</p>')],
    )
    story.lead_image = make_image(tmp_path, settings)
    story.lead_image_alt = "Waves over the quay wall"
    story.save_revision().publish()

    rss = parse("/feeds/rss/").entries[0]
    [media] = rss.media_content
    assert media["url"].startswith(base() + settings.MEDIA_URL)
    assert (media["width"], media["height"]) == ("1200", "675")
    assert f'href="{base()}/world/"' in rss.content[0].value
    # Agency-only story: the agency is the author.
    assert rss.author == "Coastal Wire News"

    atom = parse("/feeds/atom/").entries[0]
    assert atom.media_content[0]["url"] == media["url"]

    item = json.loads(get_feed("/feeds/json/").content)["items"][0]
    assert item["image"] == media["url"]
    assert item["authors"] == [{"name": "Coastal Wire News"}]


def test_titles_and_text_are_escaped_not_markup(section):
    make_article(section, title="Q&A: <b>the barrier</b>", slug="qa",
                 standfirst="Costs < benefits & more")
    # RSS readers take the title as HTML: it arrives escaped, so it shows as text.
    rss = parse("/feeds/rss/").entries[0]
    assert html.unescape(rss.title) == "Q&A: <b>the barrier</b>"
    assert "<b>" not in rss.title
    atom = parse("/feeds/atom/").entries[0]
    assert atom.title == "Q&A: <b>the barrier</b>"
    assert atom.summary == "Costs &lt; benefits &amp; more"
    item = json.loads(get_feed("/feeds/json/").content)["items"][0]
    assert item["title"] == "Q&A: <b>the barrier</b>"
    assert item["summary"] == "Costs < benefits & more"


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_publishing_invalidates_the_cached_site_feed(article, section, fmt,
                                                     django_capture_on_commit_callbacks):
    client = Client()
    url = f"/feeds/{fmt}/"
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    assert "public" in first["Cache-Control"]
    assert client.get(url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        newer = make_article(section, title="Ferry strike called off", slug="ferry")
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert newer.title in response.content.decode()


def test_section_and_tag_feeds_are_invalidated_too(article, section,
                                                   django_capture_on_commit_callbacks):
    client = Client()
    urls = ["/feeds/section/world/rss/", "/feeds/tag/harbour/atom/"]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        make_article(section, title="Ferry strike called off", slug="ferry", tags=["Harbour"],
                     authors=[make_author()])
    for url in urls:
        assert "Ferry strike called off" in client.get(url).content.decode()


def test_pages_link_to_their_feeds(article, section):
    client = Client()
    home = client.get("/").content.decode()
    for fmt, content_type in CONTENT_TYPES.items():
        assert f'type="{content_type}"' in home and f'href="/feeds/{fmt}/"' in home
    section_html = client.get(section.url).content.decode()
    tag_html = client.get("/tags/harbour/").content.decode()
    for fmt in CONTENT_TYPES:
        assert f'rel="alternate" type="{CONTENT_TYPES[fmt]}"' in section_html
        assert f'href="/feeds/section/world/{fmt}/"' in section_html
        assert f'href="/feeds/tag/harbour/{fmt}/"' in tag_html
        assert f'href="/feeds/{fmt}/"' in section_html and f'href="/feeds/{fmt}/"' in tag_html
        # Each feed link the pages advertise works.
        assert client.get(f"/feeds/section/world/{fmt}/").status_code == 200


def test_feed_content_carries_no_script(section):
    body = [("paragraph", '<p onclick="steal()">Read <a href="javascript:alert(1)">this</a>'
                          '<script>alert(2)</script> and <a href=" JaVa\tscript:x">that</a>'
                          '<img src="/media/x.png" onerror="alert(3)" alt="x"></p>'
                          '<iframe src="https://evil.example/"></iframe>')]
    make_article(section, title="Sanitised", slug="sanitised", body=body)
    item = json.loads(get_feed("/feeds/json/").content)["items"][0]
    content = item["content_html"]
    for needle in ("script", "onclick", "onerror", "iframe", "evil.example", "alert"):
        assert needle not in content.lower(), needle
    assert "Read <a>this</a>" in content
    assert f'src="{base()}/media/x.png"' in content
    rss = parse("/feeds/rss/").entries[0].content[0].value
    assert "script" not in rss.lower() and "alert" not in rss

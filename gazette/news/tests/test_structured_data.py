"""JSON-LD, Open Graph and Twitter card on article pages."""

import json
import re
from datetime import datetime
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.images import ImageFile
from django.test import Client
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Collection

from gazette.news import seo
from gazette.news.testing import make_agency, make_article, make_author

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


class HeadMeta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs and ("property" in attrs or "name" in attrs):
            self.meta.append((attrs.get("property") or attrs["name"], attrs["content"]))


def base() -> str:
    return settings.GAZETTE_BASE_URL


def page_html(article) -> str:
    response = Client().get(article.url)
    assert response.status_code == 200
    return response.content.decode()


def json_ld(html: str) -> dict:
    [payload] = JSON_LD.findall(html)
    return json.loads(payload)


def meta(html: str) -> dict[str, list[str]]:
    parser = HeadMeta()
    parser.feed(html.split("</head>")[0])
    found: dict[str, list[str]] = {}
    for key, value in parser.meta:
        found.setdefault(key, []).append(value)
    return found


@pytest.fixture
def illustrated(section, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    buffer = BytesIO()
    PILImage.new("RGB", (1600, 1200), "teal").save(buffer, "PNG")
    image = Image.objects.create(title="Quay", file=ImageFile(buffer, name="quay.png"))
    story = make_article(section, title="Storm on the quay", slug="storm",
                         authors=[make_author(), make_author("Ilse Brandt")],
                         agency=make_agency(), tags=["Weather"])
    story.lead_image = image
    story.lead_image_alt = "Waves over the quay wall"
    story.save_revision().publish()
    story.refresh_from_db()
    return story


def test_news_article_json_ld(article):
    data = json_ld(page_html(article))
    url = base() + article.url
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["description"] == article.standfirst
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    for key in ("datePublished", "dateModified"):
        assert datetime.fromisoformat(data[key]).tzinfo is not None
    assert datetime.fromisoformat(data["datePublished"]) == article.first_published_at.replace(
        microsecond=0
    )
    assert data["author"] == [
        {"@type": "Person", "name": "Mara Quill", "url": base() + "/authors/mara-quill/"}
    ]
    assert data["sourceOrganization"]["name"] == "Coastal Wire News"
    publisher = data["publisher"]
    assert publisher["@type"] == "NewsMediaOrganization"
    assert publisher["name"] == settings.GAZETTE_SITE_NAME
    assert publisher["logo"]["@type"] == "ImageObject"
    assert publisher["logo"]["url"].startswith(base() + "/")
    assert "logo-wide" in publisher["logo"]["url"]
    assert (publisher["logo"]["width"], publisher["logo"]["height"]) == (600, 60)
    assert data["articleSection"] == "World"
    assert data["keywords"] == ["Climate", "Harbour"]
    assert data["inLanguage"] == "en"
    assert data["isAccessibleForFree"] is True
    # No lead image: the site's logo, since Google wants an image for every article.
    assert data["image"] == [publisher["logo"]["url"]]


def test_agency_only_story_credits_the_agency(section):
    story = make_article(section, title="Wire copy", slug="wire", agency=make_agency())
    data = json_ld(page_html(story))
    assert data["sourceOrganization"] == {"@type": "Organization", "name": "Coastal Wire News"}
    assert data["author"] == [{"@type": "Organization", "name": "Coastal Wire News"}]


def test_images_and_social_tags(illustrated):
    html = page_html(illustrated)
    data = json_ld(html)
    assert len(data["image"]) == 3
    assert all(url.startswith(base() + settings.MEDIA_URL) for url in data["image"])
    assert [a["name"] for a in data["author"]] == ["Mara Quill", "Ilse Brandt"]
    assert data["sourceOrganization"]["name"] == "Coastal Wire News"

    tags = meta(html)
    assert tags["og:type"] == ["article"]
    assert tags["og:title"] == ["Storm on the quay"]
    assert tags["og:description"] == [illustrated.standfirst]
    assert tags["og:url"] == [base() + illustrated.url]
    assert tags["og:site_name"] == [settings.GAZETTE_SITE_NAME]
    assert tags["og:image"] == [data["image"][0]]
    assert (tags["og:image:width"], tags["og:image:height"]) == (["1200"], ["675"])
    assert tags["og:image:alt"] == ["Waves over the quay wall"]
    assert datetime.fromisoformat(tags["article:published_time"][0])
    assert datetime.fromisoformat(tags["article:modified_time"][0])
    assert tags["article:section"] == ["World"]
    assert tags["article:tag"] == ["Weather"]
    assert tags["twitter:card"] == ["summary_large_image"]
    assert tags["twitter:image"] == [data["image"][0]]
    # The rendition files exist.
    for url in data["image"]:
        assert (Path(settings.MEDIA_ROOT) / url[len(base() + settings.MEDIA_URL):]).is_file()


def test_json_ld_cannot_break_out_of_its_script_element(section):
    title = "Council says </script><script>alert(1)</script> & more"
    story = make_article(section, title=title, slug="breakout",
                         standfirst="<!-- sneaky --> standfirst")
    html = page_html(story)
    [payload] = JSON_LD.findall(html)
    assert "</script>" not in payload and "<" not in payload and "&" not in payload
    data = json.loads(payload)
    assert data["headline"] == title
    assert data["description"] == "<!-- sneaky --> standfirst"


def test_structured_data_uses_the_given_base_url(article):
    data = seo.article_structured_data(article, "https://news.example/")
    assert data["url"] == "https://news.example" + article.url
    assert data["publisher"]["logo"]["url"].startswith("https://news.example/static/")
    assert data["author"][0]["url"] == "https://news.example/authors/mara-quill/"


def test_other_pages_carry_no_article_markup(article, section):
    client = Client()
    for url in ("/", section.url, "/tags/harbour/"):
        html = client.get(url).content.decode()
        assert "application/ld+json" not in html and "og:type" not in html

"""Rich text reaches readers through an allow-list, whatever path it came by."""

import json

import pytest
from django.template import Context, Template
from wagtail.rich_text import RichText
from wagtail.templatetags.wagtailcore_tags import richtext

from gazette.news.models import ArticlePage
from gazette.news.richtext import render_richtext
from gazette.news.testing import make_article, make_image

pytestmark = pytest.mark.django_db

# What an import, a shell or an API could store: none of it may reach a reader.
HOSTILE = (
    '<p>Before<script>alert("script")</script>'
    '<img src="/x.png" onerror="alert(\'onerror\')">'
    '<a href="javascript:alert(\'href\')">js link</a>'
    '<a href="JaVaScRiPt&colon;alert(\'entity\')">entity link</a>'
    '<a href="data:text/html;base64,PHNjcmlwdD4=">data link</a>'
    '<a href="/world/" onclick="alert(\'onclick\')" target="_blank">kept link</a>'
    '<iframe src="https://evil.example/frame"></iframe>'
    '<span style="position:fixed;top:0">styled</span>'
    '<object data="https://evil.example/object"></object>'
    '<form action="https://evil.example/form"><input name="password"></form>'
    '<svg onload="alert(\'svg\')"><circle r="1"/></svg>'
    '<math><mi xlink:href="javascript:alert(\'math\')">m</mi></math>'
    '<style>body { display: none }</style><!-- a comment -->'
    '<meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/">'
    "After</p>"
)
MARKERS = ["alert(", "onerror", "onclick", "onload", "javascript:", "JaVaScRiPt", "data:text",
           "evil.example", "<iframe", "<script>alert", "position:fixed", "<svg", "<math",
           "a comment", 'name="password"', "display: none", 'target="_blank"']


def _stored(article: ArticlePage, body: list[dict]) -> None:
    """Write the body straight to the database: no editor, no form, no revision."""
    ArticlePage.objects.filter(pk=article.pk).update(body=json.dumps(body))


@pytest.fixture
def hostile_article(section):
    article = make_article(section, slug="hostile")
    _stored(article, [{"type": "paragraph", "value": HOSTILE, "id": "p1"}])
    return article


def _body_of(html: str) -> str:
    # The story's own text, so the check is not about the site's head or footer.
    return html[html.index('class="article__body"'):html.index("</article>")]


def test_stored_html_never_reaches_the_article_page(hostile_article, client):
    html = client.get(hostile_article.url).content.decode()
    assert "Before" in html and "After" in html and "styled" in html
    assert '<a href="/world/">kept link</a>' in html
    for marker in MARKERS:
        assert marker not in html, marker


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_stored_html_never_reaches_the_feeds(hostile_article, client, fmt):
    content = client.get(f"/feeds/{fmt}/").content.decode()
    if fmt == "json":
        content = json.loads(content)["items"][0]["content_html"]
    assert "Before" in content
    for marker in MARKERS:
        assert marker not in content, marker


@pytest.fixture
def ordinary(section, settings, tmp_path):
    """Rich text as the editor stores it: links to pages and outside, bold, lists, images."""
    settings.MEDIA_ROOT = tmp_path
    image = make_image("The quay")
    return (
        f'<p>Plain <b>bold</b> and <i>italic</i>, a <a href="https://example.org/report?a=1&amp;b=2">'
        f'report</a>, the <a linktype="page" id="{section.pk}">section</a>, '
        f'<a href="mailto:desk@example.org">the desk</a> and <a href="#facts">the facts</a>.</p>'
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"
        "<h2>Heading</h2><h3>Sub</h3><blockquote>Quoted</blockquote><p>Line<br/>break</p><hr/>"
        f'<embed alt="The quay at dawn" embedtype="image" format="left" id="{image.pk}"/>'
        f'<embed alt="Full" embedtype="image" format="fullwidth" id="{image.pk}"/>'
    )


def test_what_the_editor_makes_renders_as_wagtail_renders_it(ordinary):
    wagtails = str(richtext(RichText(ordinary)))
    ours = render_richtext(RichText(ordinary))
    assert 'class="richtext-image left"' in wagtails and '<a href="/world/">' in wagtails
    # The same elements, attributes and text (HTML serialisation aside: <br/> is <br>).
    assert ours == wagtails.replace("<br/>", "<br>").replace("<hr/>", "<hr>")


def test_ordinary_rich_text_survives_on_the_page(section, ordinary, client):
    article = make_article(section, slug="ordinary")
    _stored(article, [{"type": "paragraph", "value": ordinary, "id": "p1"}])
    html = _body_of(client.get(article.url).content.decode())
    assert "<b>bold</b>" in html and "<i>italic</i>" in html
    assert '<a href="https://example.org/report?a=1&amp;b=2">report</a>' in html
    assert '<a href="/world/">section</a>' in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert '<img alt="The quay at dawn" class="richtext-image left"' in html
    assert 'class="richtext-image full-width"' in html


def test_the_filter_takes_strings_and_none():
    template = Template("{% load news_tags %}[{{ value|safe_richtext }}]")
    assert template.render(Context({"value": None})) == "[]"
    assert template.render(Context({"value": '<p onclick="x()">Hi</p>'})) == "[<p>Hi</p>]"


def test_embed_cards_link_only_to_web_addresses(section, client):
    article = make_article(section, slug="cards")
    _stored(article, [
        {"type": "embed", "id": "e1", "value": {"url": "javascript:alert('card')",
                                                "title": "Bad card", "description": "",
                                                "provider": ""}},
        {"type": "embed", "id": "e2", "value": {"url": "https://example.org/video",
                                                "title": "Good card", "description": "",
                                                "provider": "Video"}},
    ])
    html = client.get(article.url).content.decode()
    assert "Bad card" in html and "javascript:" not in html
    assert '<a href="https://example.org/video" rel="noopener noreferrer">Good card</a>' in html

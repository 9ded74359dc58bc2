import pytest
from django.test import Client

from gazette.news import selectors
from gazette.news.models import ArticlePage
from gazette.news.testing import hours_ago, make_article, make_section

pytestmark = pytest.mark.django_db


def test_front_page_shows_lead_and_sections(article):
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert article.title in html
    assert 'aria-label="Lead story"' in html
    assert "World" in html


def test_article_page_renders_credits_quotes_and_times(article):
    response = Client().get(article.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and article.title in html
    assert "Mara Quill" in html
    assert "Coastal Wire News" in html
    assert "according to a statement released by the council" in html
    assert 'datetime="' in html
    assert "/tags/harbour/" in html


def test_section_tag_and_author_pages(article, section):
    client = Client()
    assert article.title in client.get(section.url).content.decode()
    assert article.title in client.get("/tags/harbour/").content.decode()
    assert article.title in client.get("/authors/mara-quill/").content.decode()
    assert client.get("/tags/no-such-tag/").status_code == 404
    assert client.get("/authors/nobody/").status_code == 404


def test_pagination_keeps_going_and_clamps_bad_numbers(section):
    for n in range(14):
        make_article(section, title=f"Story number {n}", slug=f"story-{n}")
    client = Client()
    first = client.get(section.url).content.decode()
    second = client.get(section.url + "?page=2").content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert client.get(section.url + "?page=abc").status_code == 200
    assert client.get(section.url + "?page=999").status_code == 200


def test_unpublished_story_is_not_shown(section):
    draft = make_article(section, title="A draft nobody should see", publish=False)
    assert draft.title not in Client().get("/").content.decode()
    assert Client().get("/world/a-draft-nobody-should-see/").status_code == 404


def test_real_404_page():
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert "could not find" in response.content.decode()


def test_search_finds_published_stories(article):
    make_section("Economy")
    other = make_article(make_section("Economy"), title="Bakery prices climb again",
                         standfirst="Flour costs doubled.", slug="bakery")
    client = Client()
    html = client.get("/search/", {"q": "tidal barrier"}).content.decode()
    assert article.title in html and other.title not in html
    assert "Bakery prices" in client.get("/search/", {"q": "flour"}).content.decode()
    assert client.get("/search/", {"q": ""}).status_code == 200
    assert client.get("/search/", {"q": "x" * 5000}).status_code == 200


def test_search_orders_newest_first_or_by_relevance(section):
    relevant = make_article(section, title="Barrier barrier: the barrier vote",
                            standfirst="All about the barrier.", slug="barrier-vote",
                            published_at=hours_ago(48))
    recent = make_article(section, title="Ferry timetable changes",
                          standfirst="Boats will avoid the barrier works.", slug="ferry",
                          published_at=hours_ago(1))
    client = Client()

    def titles(**params):
        html = client.get("/search/", {"q": "barrier", **params}).content.decode()
        return [t for t in (relevant.title, recent.title) if t in html], html

    found, html = titles()
    assert html.index(recent.title) < html.index(relevant.title)
    assert "Most relevant</a>" in html and 'aria-current="true">Newest first' in html
    found, html = titles(sort="relevance")
    assert html.index(relevant.title) < html.index(recent.title)
    assert 'aria-current="true">Most relevant' in html
    found, html = titles(sort="<script>")
    assert len(found) == 2 and html.index(recent.title) < html.index(relevant.title)


def test_search_pages_keep_their_order(section):
    for n in range(selectors.PAGE_SIZE + 1):
        make_article(section, title=f"Quay repairs, part {n}", slug=f"quay-{n}")
    client = Client()
    html = client.get("/search/", {"q": "quay", "sort": "relevance"}).content.decode()
    assert "sort=relevance&amp;page=2" in html
    html = client.get("/search/", {"q": "quay"}).content.decode()
    assert "sort=newest&amp;page=2" in html and ">Older<" in html


def test_article_model_helpers(article):
    article = ArticlePage.objects.get(pk=article.pk)
    assert article.headline == article.title
    assert article.section.title == "World"
    assert [a.name for a in article.authors] == ["Mara Quill"]
    assert not article.was_updated

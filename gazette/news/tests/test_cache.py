import pytest
from django.test import Client

from gazette.news.cache import page_cache_clear
from gazette.news.testing import make_article, make_section

pytestmark = pytest.mark.django_db


def test_anonymous_pages_are_cacheable_with_validators(article):
    client = Client()
    first = client.get(article.url)
    assert first.status_code == 200
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]
    assert first["X-Page-Cache"] == "miss"
    etag = first["ETag"]
    second = client.get(article.url)
    assert second["X-Page-Cache"] == "hit"
    assert second["ETag"] == etag
    assert second.content == first.content
    revalidated = client.get(article.url, headers={"if-none-match": etag})
    assert revalidated.status_code == 304
    assert revalidated.content == b""


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (cache invalidation waits for the commit) inside the test."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_publishing_refreshes_every_page_that_shows_the_story(article, section, commit):
    """Without the on-commit invalidation every page below would still be a cache hit."""
    client = Client()
    pages = ["/", section.url, "/tags/harbour/", "/authors/mara-quill/", article.url]
    for url in pages:
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit", url
    with commit():
        newer = make_article(section, title="Ferry strike called off", slug="ferry",
                             tags=["Harbour"], authors=list(article.authors))
    for url in pages[:4]:
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", url
        assert newer.title in response.content.decode(), url
    # "More from World" on the older story now lists the new one.
    assert newer.title in client.get(article.url).content.decode()


def test_publishing_leaves_unrelated_pages_cached(article, commit):
    other_section = make_section("Economy")
    unrelated = make_article(other_section, title="Bakery prices climb", slug="bakery")
    client = Client()
    client.get(unrelated.url)
    assert client.get(unrelated.url)["X-Page-Cache"] == "hit"
    with commit():
        make_article(make_section("World"), title="Storm closes the coast road", slug="storm")
    assert client.get(unrelated.url)["X-Page-Cache"] == "hit"


def test_unpublishing_removes_the_story_from_cached_pages(article, section, commit):
    client = Client()
    assert article.title in client.get(section.url).content.decode()
    with commit():
        article.unpublish()
    assert article.title not in client.get(section.url).content.decode()
    assert client.get(article.url).status_code == 404


def test_editing_a_published_story_refreshes_its_page(article, commit):
    client = Client()
    client.get(article.url)
    article.title = "Harbour council approves tidal barrier after long night"
    with commit():
        article.save_revision().publish()
    assert "after long night" in client.get(article.url).content.decode()


def test_logged_in_editors_bypass_the_cache(article, django_user_model):
    client = Client()
    client.get(article.url)
    editor = django_user_model.objects.create_superuser("ed", "ed@example.org", "pw-long-enough")
    client.force_login(editor)
    response = client.get(article.url)
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"]


def test_clear_empties_everything(article):
    client = Client()
    client.get("/")
    page_cache_clear()
    assert client.get("/")["X-Page-Cache"] == "miss"


def test_query_strings_are_cached_separately(section):
    for n in range(13):
        make_article(section, title=f"Story {n}", slug=f"s-{n}")
    client = Client()
    one = client.get(section.url).content
    two = client.get(section.url + "?page=2").content
    assert one != two
    assert client.get(section.url + "?page=2").content == two


# Headers that legitimately differ between a miss and a hit of the same page.
PER_RESPONSE_HEADERS = {"X-Page-Cache", "Content-Length"}


@pytest.mark.parametrize("path", ["article", "/", "/feeds/rss/"])
def test_hits_carry_the_same_headers_as_misses(article, path):
    """A cached page must not lose the security headers its first answer had."""
    url = article.url if path == "article" else path
    client = Client()
    miss = client.get(url)
    hit = client.get(url)
    assert miss["X-Page-Cache"] == "miss" and hit["X-Page-Cache"] == "hit"
    assert "X-Frame-Options" in hit and "Content-Security-Policy" in hit
    expected = {name: value for name, value in miss.items() if name not in PER_RESPONSE_HEADERS}
    served = {name: value for name, value in hit.items() if name not in PER_RESPONSE_HEADERS}
    assert served == expected

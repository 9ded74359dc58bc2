"""Remembered routes: faster, and never wrong about a page that changed since."""

from unittest.mock import patch

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction, Site

from gazette.news.models import ArticlePage, HomePage
from gazette.news.testing import make_article, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # Every request below renders, so what is measured is the routing.
    settings.GAZETTE_PAGE_CACHE_ENABLED = False


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [query["sql"] for query in queries.captured_queries]


def test_a_remembered_route_serves_the_same_page_with_fewer_queries(article):
    client = Client()
    first, first_queries = _get(client, article.url)
    second, second_queries = _get(client, article.url)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert len(second_queries) <= len(first_queries) - 4
    assert not any("wagtailcore_site" in sql for sql in second_queries)
    assert not any("pageviewrestriction" in sql for sql in second_queries)


def test_an_unpublished_story_is_gone_even_before_the_routes_are_forgotten(article):
    # Tests run inside a transaction whose on-commit callbacks never run: the remembered
    # route stays in the cache, and only the check of the page itself can refuse it.
    client = Client()
    assert client.get(article.url).status_code == 200
    article.unpublish()
    assert client.get(article.url).status_code == 404


def test_a_renamed_story_answers_at_its_new_address_only(article):
    client = Client()
    old_url = article.url
    assert client.get(old_url).status_code == 200
    article.slug = "renamed-story"
    article.save_revision().publish()
    article.refresh_from_db()
    assert article.url != old_url
    assert client.get(old_url).status_code == 404
    assert client.get(article.url).status_code == 200


def test_a_new_story_at_an_old_address_is_the_one_served(article, section):
    client = Client()
    old_url = article.url
    client.get(old_url)
    article.slug = "moved-on"
    article.save_revision().publish()
    newcomer = make_article(section, title="Lighthouse keeper retires", slug=old_url.split("/")[-2])
    response = client.get(old_url)
    assert response.status_code == 200
    assert newcomer.title in response.content.decode()


def test_a_moved_story_is_served_from_its_new_section(article):
    client = Client()
    old_url = article.url
    assert client.get(old_url).status_code == 200
    economy = make_section("Economy")
    article.move(economy, pos="last-child")
    moved = ArticlePage.objects.get(pk=article.pk)
    # Wagtail leaves a redirect behind a moved page; the remembered route must not hide it.
    redirect = client.get(old_url)
    assert redirect.status_code == 301
    assert redirect["Location"] == moved.url
    response = client.get(moved.url)
    assert response.status_code == 200
    assert "Economy" in response.content.decode()


def test_a_deleted_story_is_not_found(article):
    client = Client()
    url = article.url
    assert client.get(url).status_code == 200
    article.delete()
    assert client.get(url).status_code == 404


def test_a_view_restriction_added_later_is_enforced(article, section,
                                                     django_capture_on_commit_callbacks):
    client = Client()
    assert client.get(article.url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=section, restriction_type=PageViewRestriction.PASSWORD, password="tide"
        )
    response = client.get(article.url)
    assert article.title not in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_without_view_restrictions_the_check_asks_nothing(article, section,
                                                         django_capture_on_commit_callbacks):
    article.get_view_restrictions()  # remembers that there are none
    with CaptureQueriesContext(connection) as queries:
        assert list(article.get_view_restrictions()) == []
    assert len(queries) == 0
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=section, restriction_type=PageViewRestriction.LOGIN
        )
    assert list(article.get_view_restrictions()) == [restriction]


def test_a_remembered_route_is_the_route_wagtail_finds(article, section):
    # The cache sits in HomePage.route, the method Wagtail documents for custom routing: what
    # it answers for every live page is what Wagtail's own Page.route answers.
    home = section.get_parent().specific
    for page in [section, article]:
        components = [c for c in page.url_path[len(home.url_path):].split("/") if c]
        wagtails = Page.route(home, None, components)
        for _ in range(2):  # the first finds and remembers, the second remembers
            ours = home.route(None, components)
            assert (type(ours.page), ours.page.pk, ours.args, ours.kwargs) == (
                type(wagtails.page.specific), wagtails.page.pk, wagtails.args, wagtails.kwargs)


def test_wagtail_routes_through_the_site_root_page(article):
    # If a Wagtail upgrade stopped calling the root page's route(), stories would still be
    # served, only slower: this says so.
    client = Client()
    client.get(article.url)
    with patch.object(HomePage, "route", autospec=True, side_effect=HomePage.route) as route:
        assert client.get(article.url).status_code == 200
    assert route.call_count == 1


def test_other_views_reuse_the_remembered_site(article):
    client = Client()
    first, first_queries = _get(client, "/tags/harbour/")
    second, second_queries = _get(client, "/tags/harbour/")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert any("wagtailcore_site" in sql for sql in first_queries)
    assert not any("wagtailcore_site" in sql for sql in second_queries)


# SiteCacheMiddleware relies on Wagtail's private request._wagtail_site. A Wagtail upgrade that
# renames it or stops using it as the per-request cache of Site.find_for_request fails below.

def test_wagtail_still_keeps_the_site_in_request_wagtail_site(article):
    request = RequestFactory().get(article.url)
    site = Site.find_for_request(request)
    assert site is not None and site.is_default_site
    assert request._wagtail_site is site
    # ...and reads it from there: what the middleware hands over is what Wagtail uses.
    other = RequestFactory().get(article.url)
    other._wagtail_site = stand_in = Site(hostname="stand-in.example", root_page=site.root_page)
    assert Site.find_for_request(other) is stand_in
    assert Page.find_for_request(other, article.url).pk == article.pk


def test_the_remembered_site_is_the_site_wagtail_finds(article, section, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "other.example", "unknown.example"]
    home = section.get_parent().specific
    other = Site.objects.create(hostname="other.example", port=80, root_page=home)
    client = Client()
    seen = []
    original = Site.find_for_request

    def spy(request):
        seen.append(original(request))
        return seen[-1]

    for host in ["other.example", "testserver", "other.example", "unknown.example"]:
        client.get("/tags/harbour/", HTTP_HOST=host)  # remembers, then answers from memory
        with patch.object(Site, "find_for_request", side_effect=spy):
            assert client.get("/tags/harbour/", HTTP_HOST=host).status_code == 200
        fresh = Site.find_for_request(RequestFactory().get("/", HTTP_HOST=host))
        assert seen[-1].pk == fresh.pk == (other.pk if host == "other.example" else
                                           Site.objects.get(is_default_site=True).pk)


def test_a_storys_section_is_remembered_with_the_routes(article):
    client = Client()
    first, _ = _get(client, article.url)
    second, queries = _get(client, article.url)
    assert second.content == first.content
    assert not any('FROM "news_sectionpage"' in sql for sql in queries)


def test_a_renamed_section_shows_on_its_stories_once_published(
        article, section, django_capture_on_commit_callbacks):
    client = Client()
    assert "World" in client.get(article.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        section.title = "Abroad"
        section.save_revision().publish()
    page = client.get(article.url).content.decode()
    assert "Abroad" in page and ">World<" not in page

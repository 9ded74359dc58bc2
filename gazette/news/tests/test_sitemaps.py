"""sitemap.xml, the Google News sitemap and robots.txt."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import Client
from wagtail.models import PageViewRestriction

from gazette.news import sitemaps
from gazette.news.models import ArticleAuthor, ArticlePage
from gazette.news.testing import hours_ago, make_agency, make_article, make_section

pytestmark = pytest.mark.django_db

SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
NS = {"sm": SM, "news": NEWS}


def base() -> str:
    return settings.GAZETTE_BASE_URL


def fetch_xml(url: str) -> ET.Element:
    response = Client().get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def local(url: str) -> str:
    assert url.startswith(base() + "/"), url
    return url[len(base()):]


def all_sitemap_locations() -> list[str]:
    index = fetch_xml("/sitemap.xml")
    assert index.tag == f"{{{SM}}}sitemapindex"
    locations = []
    for sitemap in index.findall("sm:sitemap", NS):
        urlset = fetch_xml(local(sitemap.findtext("sm:loc", namespaces=NS)))
        assert urlset.tag == f"{{{SM}}}urlset"
        locations += [url.findtext("sm:loc", namespaces=NS) for url in urlset.findall("sm:url", NS)]
    return locations


def test_sitemap_lists_live_pages_tags_and_authors(article, section):
    make_article(section, title="A draft nobody should see", slug="draft",
                 tags=["Secret plans"], publish=False)
    private = make_section("Internal")
    make_article(private, title="Staff-only memo", slug="memo")
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")

    locations = all_sitemap_locations()
    assert all(loc.startswith(base() + "/") for loc in locations)
    paths = {local(loc) for loc in locations}
    assert {"/", "/world/", article.url, "/tags/harbour/", "/tags/climate/",
            "/authors/mara-quill/"} <= paths
    assert "/world/draft/" not in paths and "/tags/secret-plans/" not in paths
    assert not any(p.startswith("/internal/") for p in paths)
    client = Client()
    for path in paths:
        assert client.get(path).status_code == 200, path


def test_sitemap_pages_carry_lastmod(article):
    urlset = fetch_xml("/sitemap-pages.xml")
    entry = next(u for u in urlset.findall("sm:url", NS)
                 if u.findtext("sm:loc", namespaces=NS) == base() + article.url)
    assert entry.findtext("sm:lastmod", namespaces=NS) == f"{article.modified_at:%Y-%m-%d}"
    assert Client().get("/sitemap-nothing.xml").status_code == 404


def test_news_sitemap_lists_stories_of_the_last_48_hours(section):
    recent = make_article(section, title="Tide gauge breaks record", slug="recent",
                          published_at=hours_ago(3), agency=make_agency())
    make_article(section, title="Old news", slug="old", published_at=hours_ago(50))
    make_article(section, title="A draft nobody should see", slug="draft", publish=False)

    urlset = fetch_xml("/news-sitemap.xml")
    assert urlset.tag == f"{{{SM}}}urlset"
    [url] = urlset.findall("sm:url", NS)
    assert url.findtext("sm:loc", namespaces=NS) == base() + recent.url
    news = url.find("news:news", NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == (
        settings.GAZETTE_SITE_NAME
    )
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert news.findtext("news:title", namespaces=NS) == "Tide gauge breaks record"
    published = datetime.fromisoformat(news.findtext("news:publication_date", namespaces=NS))
    assert published == recent.first_published_at


def test_news_sitemap_queries_do_not_grow_with_its_stories(section):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils.http import http_date

    from gazette.news.cache import page_cache_clear
    from gazette.news.models import ArticleCorrection

    def queries() -> int:
        page_cache_clear()
        with CaptureQueriesContext(connection) as captured:
            assert Client().get("/news-sitemap.xml").status_code == 200
        return len(captured)

    first = make_article(section, title="Story 0", slug="story-0", published_at=hours_ago(5))
    ArticleCorrection.objects.create(page=first, corrected_at=hours_ago(4), text="A date.")
    queries()  # what any first request reads (the site, its settings)
    one = queries()
    for n in range(1, 4):
        make_article(section, title=f"Story {n}", slug=f"story-{n}", published_at=hours_ago(6 + n))
    corrected = hours_ago(1)
    ArticleCorrection.objects.create(page=first, corrected_at=corrected, text="A name.")
    queries()
    assert queries() == one
    # The newest lastmod is the correction's (the story's modified_at counts its corrections).
    page_cache_clear()
    response = Client().get("/news-sitemap.xml")
    assert response["Last-Modified"] == http_date(corrected.timestamp())


def test_news_sitemap_is_capped(section, monkeypatch):
    assert sitemaps.NEWS_SITEMAP_LIMIT == 1000 and sitemaps.NewsSitemap.limit == 1000
    monkeypatch.setattr(sitemaps, "NEWS_SITEMAP_LIMIT", 2)
    for n in range(3):
        make_article(section, title=f"Story {n}", slug=f"story-{n}", published_at=hours_ago(n))
    urlset = fetch_xml("/news-sitemap.xml")
    titles = [t.text for t in urlset.iterfind("sm:url/news:news/news:title", NS)]
    assert titles == ["Story 0", "Story 1"]


def test_robots_txt_lists_both_sitemaps():
    response = Client().get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines and "Disallow: /search/" in lines
    assert f"Sitemap: {base()}/sitemap.xml" in lines
    assert f"Sitemap: {base()}/news-sitemap.xml" in lines


def test_sitemaps_are_cached_until_a_story_is_published(article, section,
                                                         django_capture_on_commit_callbacks):
    client = Client()
    urls = ["/sitemap.xml", "/sitemap-pages.xml", "/news-sitemap.xml"]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit", url
    with django_capture_on_commit_callbacks(execute=True):
        newer = make_article(section, title="Ferry strike called off", slug="ferry")
    for url in urls:
        assert client.get(url)["X-Page-Cache"] == "miss", url
    assert newer.url in client.get("/sitemap-pages.xml").content.decode()
    assert newer.url in client.get("/news-sitemap.xml").content.decode()


# --- The archive's sitemaps: plain rows and entries joined in one pass ---------------------------


def test_sitemap_files_are_what_djangos_own_template_writes(article, section):
    from django.contrib.sitemaps import views as sitemap_views
    from django.test import RequestFactory

    make_article(section, title="Café & crêpes", slug="café-crêpes", tags=["Food & drink"])
    updated = make_article(section, title="An update", slug="updated")
    type(updated).objects.filter(pk=updated.pk).update(updated_at=hours_ago(1))
    for name, sitemap_class in sitemaps.SITEMAPS.items():
        request = RequestFactory().get(f"/sitemap-{name}.xml")
        ours = sitemaps.sitemap_section(request, name)
        ours.render()
        djangos = sitemap_views.sitemap(request, {name: sitemap_class(request)}, section=name)
        djangos.render()
        assert ours.content == djangos.content, name
        assert ours.headers == djangos.headers, name


def test_pages_sitemap_lists_what_each_page_answers_for_its_url_and_lastmod(article, section):
    from wagtail.models import Page

    from gazette.news.models import ArticlePage

    make_article(section, title="Café & crêpes", slug="café-crêpes")
    updated = make_article(section, title="An update", slug="updated")
    ArticlePage.objects.filter(pk=updated.pk).update(updated_at=hours_ago(1))
    urlset = fetch_xml("/sitemap-pages.xml")
    listed = {u.findtext("sm:loc", namespaces=NS): u.findtext("sm:lastmod", namespaces=NS)
              for u in urlset.findall("sm:url", NS)}
    expected = {}
    for page in Page.objects.live().specific():
        if page.depth < 2:
            continue
        if isinstance(page, ArticlePage):
            when = page.modified_at
        else:
            when = page.last_published_at or page.latest_revision_created_at
        expected[base() + page.get_url_parts()[2]] = f"{when:%Y-%m-%d}" if when else None
    assert listed == expected
    assert base() + "/world/caf%C3%A9-cr%C3%AApes/" in listed


def test_sitemap_index_lastmod_is_the_newest_change(article, section):
    from gazette.news.cache import page_cache_clear
    from gazette.news.models import ArticlePage

    index = fetch_xml("/sitemap.xml")
    pages = next(s for s in index.findall("sm:sitemap", NS)
                 if s.findtext("sm:loc", namespaces=NS).endswith("/sitemap-pages.xml"))
    before = pages.findtext("sm:lastmod", namespaces=NS)
    ArticlePage.objects.filter(pk=article.pk).update(updated_at=datetime(2099, 1, 2, tzinfo=UTC))
    page_cache_clear()  # an update() bypasses the signals that refresh cached pages
    index = fetch_xml("/sitemap.xml")
    pages = next(s for s in index.findall("sm:sitemap", NS)
                 if s.findtext("sm:loc", namespaces=NS).endswith("/sitemap-pages.xml"))
    assert before != pages.findtext("sm:lastmod", namespaces=NS)
    assert pages.findtext("sm:lastmod", namespaces=NS).startswith("2099-01-02")


# --- Counts and maxima remembered, the last file read from the other end -------------------------


def _tag_rows_queried(url: str) -> int:
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    request = RequestFactory().get(url)
    with CaptureQueriesContext(connection) as queries:
        if url == "/sitemap.xml":
            sitemaps.sitemap_index(request).render()
        else:
            sitemaps.sitemap_section(request, url[len("/sitemap-"):-len(".xml")]).render()
    return sum('"news_articletag"' in q["sql"] or '"news_articleauthor"' in q["sql"]
               for q in queries.captured_queries)


def test_tag_and_author_maxima_are_worked_out_once_until_a_publication(
        article, section, django_capture_on_commit_callbacks):
    assert _tag_rows_queried("/sitemap.xml") == 2  # the tags' and the authors' group-by, once
    assert _tag_rows_queried("/sitemap.xml") == 0
    assert _tag_rows_queried("/sitemap-tags.xml") == 0
    assert _tag_rows_queried("/sitemap-authors.xml") == 0

    with django_capture_on_commit_callbacks(execute=True):
        newer = make_article(section, title="Ferry strike called off", slug="ferry",
                             tags=["Ferries"], published_at=hours_ago(0))
    urlset = fetch_xml("/sitemap-tags.xml")
    listed = {u.findtext("sm:loc", namespaces=NS): u.findtext("sm:lastmod", namespaces=NS)
              for u in urlset.findall("sm:url", NS)}
    assert listed[base() + "/tags/ferries/"] == f"{newer.last_published_at:%Y-%m-%d}"
    assert base() + "/tags/harbour/" in listed

    with django_capture_on_commit_callbacks(execute=True):
        newer.unpublish()
    urlset = fetch_xml("/sitemap-tags.xml")
    assert base() + "/tags/ferries/" not in {
        u.findtext("sm:loc", namespaces=NS) for u in urlset.findall("sm:url", NS)}


def _worked_out_afresh() -> dict[str, list]:
    return {name: list(maxima_of(sitemaps._live_article_ids()))
            for name, (_tag, maxima_of, _slug) in sitemaps._MAXIMA.items()}


def _lastmods(url: str) -> dict[str, str]:
    urlset = fetch_xml(url)
    return {local(u.findtext("sm:loc", namespaces=NS)): u.findtext("sm:lastmod", namespaces=NS)
            for u in urlset.findall("sm:url", NS)}


def test_a_publication_carries_the_tag_and_author_maxima_over_without_the_group_by(
        article, section, django_capture_on_commit_callbacks):
    from gazette.news.testing import make_author

    other = make_author("Ivo Brandt")
    with django_capture_on_commit_callbacks(execute=True):
        older = make_article(section, title="Quay repairs begin", slug="quay",
                             tags=["Harbour"], authors=[other], published_at=hours_ago(72))
    assert _tag_rows_queried("/sitemap.xml") == 2

    # A new story, with a tag that is new and one that is not, by both authors.
    with django_capture_on_commit_callbacks(execute=True):
        newer = make_article(section, title="Ferry strike called off", slug="ferry",
                             tags=["Ferries", "Harbour"], authors=[other, article.authors[0]])
    day = f"{newer.last_published_at:%Y-%m-%d}"
    assert _tag_rows_queried("/sitemap-tags.xml") == 0
    assert _tag_rows_queried("/sitemap-authors.xml") == 0
    assert _tag_rows_queried("/sitemap.xml") == 0
    assert {name: sitemaps._maxima(name) for name in sitemaps._MAXIMA} == _worked_out_afresh()
    tags = _lastmods("/sitemap-tags.xml")
    assert tags["/tags/ferries/"] == tags["/tags/harbour/"] == day
    assert _lastmods("/sitemap-authors.xml")[f"/authors/{other.slug}/"] == day

    # Published again as it was (its tag and author rows kept): carried over too.
    with django_capture_on_commit_callbacks(execute=True):
        older.save_revision().publish()
    assert _tag_rows_queried("/sitemap.xml") == 0
    assert {name: sitemaps._maxima(name) for name in sitemaps._MAXIMA} == _worked_out_afresh()

    # Published without a tag and an author it had: the newest publications of those may be
    # older now, so they are worked out again.
    newer = ArticlePage.objects.get(pk=newer.pk)
    newer.tags.set(["Harbour"])
    newer.article_authors = [ArticleAuthor(author=other)]
    with django_capture_on_commit_callbacks(execute=True):
        newer.save_revision().publish()
    assert _tag_rows_queried("/sitemap.xml") == 2
    assert "/tags/ferries/" not in _lastmods("/sitemap-tags.xml")
    assert {name: sitemaps._maxima(name) for name in sitemaps._MAXIMA} == _worked_out_afresh()


def test_rows_carried_over_long_enough_are_worked_out_again(article, section, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    assert _tag_rows_queried("/sitemap.xml") == 2
    monkeypatch.setattr(sitemaps, "MAXIMA_CARRIED_SECONDS", 0)
    with django_capture_on_commit_callbacks(execute=True):
        make_article(section, title="Ferry strike called off", slug="ferry", tags=["Ferries"])
    assert _tag_rows_queried("/sitemap.xml") == 2


def test_a_tag_renamed_is_worked_out_again(article, django_capture_on_commit_callbacks):
    from taggit.models import Tag

    assert "/tags/harbour/" in _lastmods("/sitemap-tags.xml")
    tag = Tag.objects.get(slug="harbour")
    tag.slug = "the-harbour"
    with django_capture_on_commit_callbacks(execute=True):
        tag.save()
    tags = _lastmods("/sitemap-tags.xml")
    assert "/tags/the-harbour/" in tags and "/tags/harbour/" not in tags


def test_pages_sitemap_files_past_the_middle_are_the_plain_paginators(article, section,
                                                                       monkeypatch):
    from django.core.paginator import Paginator

    for n in range(6):
        make_article(section, title=f"Story {n}", slug=f"story-{n}", published_at=hours_ago(n))
    monkeypatch.setattr(sitemaps.PageSitemap, "limit", 3)
    sitemap = sitemaps.PageSitemap()
    plain = Paginator(sitemap.items(), 3)
    ours = sitemap.paginator
    assert isinstance(ours, sitemaps.FromTheEndPaginator)
    assert ours.num_pages == plain.num_pages == 3  # home, section, 7 stories: 9 rows
    for number in plain.page_range:
        assert list(ours.page(number)) == list(plain.page(number)), number

    index = fetch_xml("/sitemap.xml")
    files = [s.findtext("sm:loc", namespaces=NS) for s in index.findall("sm:sitemap", NS)]
    assert base() + "/sitemap-pages.xml?p=3" in files
    listed = []
    for number in (1, 2, 3):
        urlset = fetch_xml(f"/sitemap-pages.xml?p={number}")
        listed += [u.findtext("sm:loc", namespaces=NS) for u in urlset.findall("sm:url", NS)]
    assert len(listed) == len(set(listed)) == 9
    assert Client().get("/sitemap-pages.xml?p=4").status_code == 404


def test_a_late_sitemap_file_skips_no_rows(article, section, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(6):
        make_article(section, title=f"Story {n}", slug=f"story-{n}", published_at=hours_ago(n))
    monkeypatch.setattr(sitemaps.PageSitemap, "limit", 4)
    paginator = sitemaps.PageSitemap().paginator
    with CaptureQueriesContext(connection) as queries:
        rows = list(paginator.page(3))
    assert len(rows) == 1
    [query] = [q["sql"] for q in queries.captured_queries if "wagtailcore_page" in q["sql"]]
    assert "OFFSET" not in query and "DESC" in query

""""Most read": counted by the page's own beacon (cached pages too), with no cookie and nothing
about the reader; added to hourly totals once per minute; shown to editors in the admin."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from django.test import Client

from gazette.news import reads
from gazette.news.models import ReadsBatch, StoryReads

pytestmark = pytest.mark.django_db

# A fixed moment (the middle of a minute) so that tests do not straddle a minute or an hour.
NOW = (time.time() // 3600) * 3600 - 3600 + 20 * 60 + 30
SETTLED = NOW + (reads.SETTLE_MINUTES + 1) * 60


def test_the_beacon_counts_a_read_sets_no_cookie_and_is_never_stored(article):
    client = Client()
    response = client.post(f"/reads/{article.pk}/")
    assert response.status_code == 204
    pixel = client.get(f"/reads/{article.pk}/")  # <noscript><img>: readers without script
    assert pixel.status_code == 200 and pixel["Content-Type"] == "image/gif"
    for answer in (response, pixel):
        assert not answer.cookies and "Set-Cookie" not in answer
        assert answer["Cache-Control"] == "no-store"
        assert "X-Page-Cache" not in answer
    assert not client.cookies
    assert reads.reads_flush(at=time.time() + 180) == 2
    assert StoryReads.objects.get(article=article).views == 2


@pytest.mark.parametrize("path", ["/reads/0/", "/reads/99999999999/", "/reads/abc/"])
def test_ids_that_cannot_be_a_storys_count_nothing(path):
    assert Client().post(path).status_code in (204, 404)
    assert reads.reads_flush(at=time.time() + 180) == 0


def test_other_methods_are_refused(article):
    assert Client().put(f"/reads/{article.pk}/").status_code == 405


def test_only_counted_fields_are_kept():
    # What "no stored IP address" means here: the table has nothing but the aggregate.
    assert {field.name for field in StoryReads._meta.get_fields()} == {
        "id", "article", "hour", "views"}


def test_finished_minutes_are_added_to_their_hour_once(article, section):
    from gazette.news.testing import make_article

    other = make_article(section, title="Ferry fares frozen", slug="ferry")
    for _ in range(3):
        reads.read_record(article.pk, at=NOW)
    reads.read_record(other.pk, at=NOW)
    reads.read_record(article.pk, at=NOW + 60)
    # The minute is not over long enough: nothing is added yet.
    assert reads.reads_flush(at=NOW + 60) == 0
    assert reads.reads_flush(at=SETTLED + 60) == 5
    hour = datetime.fromtimestamp(NOW // 3600 * 3600, tz=UTC)
    assert dict(StoryReads.objects.filter(hour=hour).values_list("article_id", "views")) == {
        article.pk: 4, other.pk: 1}
    # Flushed again (a second scheduler, a retry): nothing is added twice.
    assert reads.reads_flush(at=SETTLED + 60) == 0
    assert StoryReads.objects.get(article=article).views == 4

    # A minute whose batch was already recorded by another flusher is skipped, not re-added.
    reads.read_record(article.pk, at=NOW + 600)
    ReadsBatch.objects.create(minute=int((NOW + 600) // 60))
    assert reads.reads_flush(at=NOW + 600 + 180) == 0
    assert StoryReads.objects.get(article=article).views == 4
    # A later read in the same hour adds to the same row.
    reads.read_record(article.pk, at=NOW + 900)
    assert reads.reads_flush(at=NOW + 900 + 180) == 1
    assert StoryReads.objects.get(article=article).views == 5


def test_the_minute_is_as_long_as_the_flush_setting_says(article, settings):
    # GAZETTE_READS_FLUSH_SECONDS=10: reads are counted in 10-s intervals, each added once two
    # intervals have passed, into the hour it belongs to.
    settings.GAZETTE_READS_FLUSH_SECONDS = 10
    reads.read_record(article.pk, at=NOW)
    reads.read_record(article.pk, at=NOW + 5)
    reads.read_record(article.pk, at=NOW + 10)
    assert reads.reads_flush(at=NOW + 15) == 0  # not settled yet
    assert reads.reads_flush(at=NOW + 25) == 2  # the first interval
    assert reads.reads_flush(at=NOW + 35) == 1  # the second
    assert reads.reads_flush(at=NOW + 35) == 0
    assert sorted(ReadsBatch.objects.values_list("minute", flat=True)) == [
        int(NOW // 10), int(NOW // 10) + 1]
    hour = datetime.fromtimestamp(NOW // 3600 * 3600, tz=UTC)
    assert StoryReads.objects.get(article=article, hour=hour).views == 3


def test_the_article_page_reports_itself_even_when_served_from_the_cache(article, settings):
    settings.GAZETTE_PAGE_CACHE_ENABLED = True
    Client().get(article.url)
    response = Client().get(article.url)
    assert response["X-Page-Cache"] == "hit"
    html = response.content.decode()
    assert f'data-read="/reads/{article.pk}/"' in html
    assert f'<noscript><img class="read-pixel" src="/reads/{article.pk}/"' in html


def test_a_change_in_the_ranking_refreshes_the_front_page(article, settings):
    settings.GAZETTE_PAGE_CACHE_ENABLED = True
    client = Client()
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    reads.read_record(article.pk, at=NOW)
    reads.reads_flush(at=SETTLED)
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"
    # More reads of the same story: the ranking is unchanged, the page stays cached.
    reads.read_record(article.pk, at=NOW + 120)
    assert reads.reads_flush(at=SETTLED + 120) == 1
    assert client.get("/")["X-Page-Cache"] == "hit"


def test_editors_see_each_storys_counts_in_the_admin(article, django_user_model):
    from gazette.news.testing import make_article

    quiet = make_article(article.get_parent(), title="A quiet story", slug="quiet")
    StoryReads.objects.create(article=article, hour=reads._hour_of(reads._minute()), views=7)
    StoryReads.objects.create(article=quiet, hour=reads._hour_of(reads._minute() - 600), views=2)
    client = Client()
    assert client.get("/admin/reports/most-read/").status_code == 302  # signed out
    client.force_login(django_user_model.objects.create_superuser("editor", "e@example.org", "x"))
    html = client.get("/admin/reports/most-read/").content.decode()
    assert article.title in html and "A quiet story" in html
    assert html.index(article.title) < html.index("A quiet story")
    row = html[html.index(article.title):html.index("A quiet story")]
    assert "<td>7</td><td>7</td><td>7</td>" in row
    assert "/admin/reports/most-read/" in client.get("/admin/").content.decode()  # the menu

"""The site's time zone on every page, "N minutes ago", and cached pages that keep it true."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gazette.news import times
from gazette.news.models import ArticlePage
from gazette.news.testing import hours_ago, make_article, make_section

pytestmark = pytest.mark.django_db


def test_times_are_shown_in_the_sites_zone_with_the_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    winter = datetime(2026, 12, 6, 3, 1, tzinfo=UTC)
    summer = datetime(2026, 7, 6, 3, 1, tzinfo=UTC)
    assert times.site_time(winter) == "6 Dec 2026, 03:01 GMT"
    assert times.site_time(summer) == "6 Jul 2026, 04:01 BST"
    settings.TIME_ZONE = "America/New_York"
    assert times.site_time(winter) == "5 Dec 2026, 22:01 EST"


@pytest.mark.parametrize(("age", "text"), [
    (timedelta(seconds=20), "just now"),
    (timedelta(minutes=1, seconds=5), "1 minute ago"),
    (timedelta(minutes=59, seconds=59), "59 minutes ago"),
    (timedelta(hours=1), "1 hour ago"),
    (timedelta(hours=23, minutes=59), "23 hours ago"),
    (timedelta(hours=24), ""),
    (timedelta(minutes=-5), ""),  # a time ahead of the clock says nothing
])
def test_ago_text(age, text):
    now = timezone.now()
    assert times.ago_text(now - age, now) == text


def test_an_unknown_zone_stops_the_site_with_a_clear_error(tmp_path):
    env = {**os.environ, "GAZETTE_TIME_ZONE": "Mars/Olympus", "GAZETTE_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "gazette.settings"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "GAZETTE_TIME_ZONE='Mars/Olympus' is not a time zone" in result.stderr


def test_a_fresh_story_says_how_long_ago_on_the_server(section, settings):
    settings.TIME_ZONE = "Europe/London"
    story = make_article(section, slug="fresh", published_at=timezone.now() - timedelta(minutes=12))
    html = Client().get(story.url).content.decode()
    assert 'data-ago="' in html
    assert "· 12 minutes ago</span>" in html
    assert f"{times.site_time(story.published_at)}</time>" in html
    assert times.site_time(story.published_at).endswith(" GMT")


def test_an_older_story_shows_only_the_time(section, settings):
    settings.TIME_ZONE = "Europe/London"
    story = make_article(section, slug="old", published_at=hours_ago(30))
    html = Client().get(story.url).content.decode()
    assert "GMT</time>" in html
    assert "data-ago" not in html and " ago<" not in html


def test_cached_minutes_ago_are_refreshed_by_the_scheduler_and_only_while_fresh(section):
    fresh = make_article(section, slug="fresh", published_at=timezone.now() - timedelta(minutes=5))
    # In another section, so that its "More from" cards do not show the fresh story's time.
    old = make_article(make_section("Economy"), slug="old", published_at=hours_ago(30))
    client = Client()
    for story in (fresh, old):
        client.get(story.url)
        assert client.get(story.url)["X-Page-Cache"] == "hit"

    assert times.relative_times_refresh() is True
    assert client.get(fresh.url)["X-Page-Cache"] == "miss"  # says "5 minutes ago": redone
    assert client.get(old.url)["X-Page-Cache"] == "hit"  # shows no relative time

    # An hour after the freshest story, nothing is left to refresh.
    later = timezone.now() + timedelta(minutes=61)
    assert times.relative_times_refresh(later) is False


def test_nothing_is_refreshed_on_a_site_without_fresh_stories(section):
    story = make_article(section, slug="old", published_at=hours_ago(3))
    client = Client()
    client.get(story.url)
    assert times.relative_times_refresh() is False
    assert client.get(story.url)["X-Page-Cache"] == "hit"


def test_the_script_recomputes_the_same_texts():
    """news/newsroom.js keeps open pages right with the server's wording and thresholds."""
    from pathlib import Path

    script = (Path(times.__file__).parent / "static/news/newsroom.js").read_text()
    for fragment in ('"just now"', '" minute"', '" hour"', "seconds < 3600", "seconds >= 86400",
                     "data-ago", '"· "'):
        assert fragment in script, fragment
    assert times.MINUTE_TEXT_SECONDS == 3600 and times.HOUR_TEXT_SECONDS == 86400


def test_the_update_time_says_how_long_ago_too(section):
    story = make_article(section, slug="updated", published_at=hours_ago(5))
    ArticlePage.objects.filter(pk=story.pk).update(
        update_note="Adds the mayor's reply.", updated_at=timezone.now() - timedelta(minutes=3))
    html = Client().get(story.url).content.decode()
    assert "3 minutes ago" in html
    assert "5 hours ago" in html


def test_more_from_section_cards_kept_by_the_fragment_cache_show_no_relative_time(section):
    """The "More from" cards are kept by {% cache %} for ten minutes, whose hits would neither
    tag the page for the scheduler's refresh nor say the right "N minutes ago": they show the
    time alone, while the story's own line keeps its relative time."""
    fresh = make_article(section, slug="fresh", published_at=timezone.now() - timedelta(minutes=7))
    old = make_article(section, slug="old", published_at=hours_ago(30))
    html = Client().get(old.url).content.decode()
    more = html[html.index('id="more-heading"'):]
    assert f"{times.site_time(fresh.published_at)}</time>" in more
    assert "data-ago" not in more
    assert "· 7 minutes ago</span>" in Client().get(fresh.url).content.decode()

"""The live page as readers see it: key points on top, entries newest first, the end state, the
"Live" label on the story's cards while it runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gazette.live.models import LivePage
from gazette.live.testing import make_entry, make_live_page
from gazette.news.models import SectionPage
from gazette.news.testing import hours_ago, make_article

pytestmark = pytest.mark.django_db


def test_a_live_page_is_a_story_of_its_section(section):
    assert "live.LivePage" in SectionPage.subpage_types
    page = make_live_page(section, slug="storm-live")
    assert page.url == "/world/storm-live/"
    assert page.section.pk == section.pk


def test_key_points_on_top_then_entries_newest_first(client, section):
    page = make_live_page(section, slug="storm-live",
                          key_points=["The barrier is closed", "Schools shut at noon"])
    make_entry(page, "The first gauge readings are in.", title="Gauges", at=hours_ago(2))
    make_entry(page, "Water has reached the quay steps.", at=hours_ago(1))
    make_entry(page, "Police close the harbour road.", title="Road closed")
    html = client.get(page.url).content.decode()
    assert html.index("Key points") < html.index("The barrier is closed") \
        < html.index("Schools shut at noon") < html.index("Latest updates")
    assert html.index("Road closed") < html.index("Water has reached") < html.index("Gauges")
    assert "Live coverage since" in html
    assert "This live coverage has ended" not in html
    assert 'data-live-updates="/live/' in html
    assert "live/live.js" in html


def test_entry_text_is_escaped_paragraphs_and_links(client, section):
    page = make_live_page(section, slug="storm-live")
    make_entry(page, "First <script>alert(1)</script>\n\nMaps at https://example.org/map")
    html = client.get(page.url).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert '<a href="https://example.org/map" rel="nofollow">' in html
    assert html.count('<p>First') == 1


def test_an_ended_coverage_says_so_and_stops_polling(client, section):
    page = make_live_page(section, slug="storm-live", started_at=hours_ago(5),
                          ended_at=hours_ago(1))
    make_entry(page, "The water is going down.", at=hours_ago(1.5))
    assert page.has_ended
    html = client.get(page.url).content.decode()
    assert "This live coverage has ended." in html
    assert "data-live-updates" not in html
    assert "The water is going down." in html


def test_the_end_is_set_when_the_coverage_ends_not_before_its_start(section):
    page = make_live_page(section, slug="storm-live", started_at=hours_ago(2))
    page.coverage_ended_at = timezone.now() + timedelta(hours=3)
    with pytest.raises(ValidationError, match="when the coverage ends"):
        page.full_clean()
    page.coverage_ended_at = hours_ago(3)
    with pytest.raises(ValidationError, match="before it started"):
        page.full_clean()


def test_a_new_entry_is_the_pages_modification_time(section):
    page = make_live_page(section, slug="storm-live")
    before = page.modified_at
    entry = make_entry(page, "Update.", at=timezone.now() + timedelta(minutes=10))
    page = LivePage.objects.get(pk=page.pk)
    assert page.modified_at == entry.created_at > before


def test_older_entries_are_on_later_pages_without_polling(client, section):
    page = make_live_page(section, slug="storm-live")
    for n in range(55):
        make_entry(page, f"Update number {n}.", at=hours_ago(60 - n))
    first = client.get(page.url).content.decode()
    assert "Update number 54." in first and "Update number 4." not in first
    second = client.get(page.url + "?page=2").content.decode()
    assert "Update number 4." in second and "Update number 54." not in second
    assert "data-live-updates" not in second
    assert "Earlier updates" in second


def test_cards_say_live_with_the_number_of_updates_until_the_end(
        client, section, django_capture_on_commit_callbacks):
    make_article(section, title="An ordinary story", slug="ordinary")
    page = make_live_page(section, slug="storm-live")
    make_entry(page, "One.")
    make_entry(page, "Two.")
    html = client.get(section.url).content.decode()
    assert html.count("label--live") == 1  # the ordinary story has none
    assert "2 updates" in html
    html = client.get("/").content.decode()
    assert "label--live" in html and "2 updates" in html
    page.coverage_ended_at = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    for url in ("/", section.url):
        assert "label--live" not in client.get(url).content.decode()


def test_a_live_page_has_what_every_story_has(client, section):
    page = make_live_page(section, slug="storm-live")
    html = client.get(page.url).content.decode()
    assert f"/read/{page.pk}" in html or "data-read=" in html  # counted in "most read"
    assert "mailto:" in html  # the share links' plain fallback

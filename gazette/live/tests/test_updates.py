"""What an open live page polls: one cached JSON document per page, 304 while nothing changed,
refreshed (with the page, its section and the front page) when an entry is posted or removed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gazette.live import services
from gazette.live.models import ENTRIES_SHOWN
from gazette.live.testing import make_entry, make_live_page
from gazette.news.testing import hours_ago, make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def live(section):
    page = make_live_page(section, slug="storm-live", key_points=["The barrier is closed"])
    make_entry(page, "Gauges read four metres.", title="Gauges", at=hours_ago(1))
    return page


def updates_url(page) -> str:
    return f"/live/{page.pk}/updates.json"


def test_the_updates_are_the_newest_entries_with_the_state(client, live):
    response = client.get(updates_url(live))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["ended"] is False and data["complete"] is True
    assert [entry["html"].count("Gauges read four metres.") for entry in data["entries"]] == [1]
    assert f'id="entry-{data["entries"][0]["id"]}"' in data["entries"][0]["html"]
    assert "The barrier is closed" in data["key_points_html"]
    assert "Live coverage since" in data["status_html"]
    assert data["poll_seconds"] <= 15


def test_a_poll_that_finds_nothing_new_is_a_304_from_the_page_cache(
        client, live, django_assert_num_queries):
    first = client.get(updates_url(live))
    assert first["X-Page-Cache"] == "miss"
    etag = first["ETag"]
    assert "max-age=5" in first["Cache-Control"] and "public" in first["Cache-Control"]
    with django_assert_num_queries(0):
        again = client.get(updates_url(live), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert client.get(updates_url(live))["X-Page-Cache"] == "hit"


def test_a_posted_entry_is_in_the_next_poll_and_on_the_page(client, live, commit):
    etag = client.get(updates_url(live))["ETag"]
    client.get(live.url)
    with commit():
        services.live_entry_add(page=live, body="The harbour road is closed.", title="Road")
    response = client.get(updates_url(live), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    entries = response.json()["entries"]
    assert "The harbour road is closed." in entries[0]["html"] and len(entries) == 2
    page = client.get(live.url)
    assert page["X-Page-Cache"] == "miss"
    assert "The harbour road is closed." in page.content.decode()


def test_a_removed_entry_leaves_the_poll(client, live, commit):
    entry = make_entry(live, "Posted in error.")
    assert len(client.get(updates_url(live)).json()["entries"]) == 2
    with commit():
        services.live_entry_delete(entry=entry)
    entries = client.get(updates_url(live)).json()["entries"]
    assert [e["id"] for e in entries] != [] and entry.pk not in [e["id"] for e in entries]


def test_the_window_says_when_it_is_not_every_entry(client, live):
    for n in range(ENTRIES_SHOWN):
        make_entry(live, f"Update {n}.")
    data = client.get(updates_url(live)).json()
    assert len(data["entries"]) == ENTRIES_SHOWN and data["complete"] is False


def test_an_ended_coverage_tells_the_open_pages(client, live, commit):
    client.get(updates_url(live))
    live.coverage_ended_at = timezone.now()
    with commit():
        live.save_revision().publish()
    data = client.get(updates_url(live)).json()
    assert data["ended"] is True
    assert "This live coverage has ended." in data["status_html"]


@pytest.mark.parametrize("what", ["draft", "article", "missing"])
def test_only_a_published_live_page_has_updates(client, section, what):
    if what == "draft":
        page_id = make_live_page(section, slug="draft-live", publish=False).pk
    elif what == "article":
        page_id = make_article(section, slug="plain").pk
    else:
        page_id = 999999
    assert client.get(f"/live/{page_id}/updates.json").status_code == 404


def test_updates_refuse_writes(client, live):
    assert client.post(updates_url(live)).status_code == 405


def test_the_live_page_stays_in_the_page_cache_between_entries(client, live, commit):
    assert client.get(live.url)["X-Page-Cache"] == "miss"
    response = client.get(live.url)
    assert response["X-Page-Cache"] == "hit"
    assert "max-age=5" in response["Cache-Control"]
    with commit():
        services.live_entry_add(page=live, body="New.")
    assert client.get(live.url)["X-Page-Cache"] == "miss"
    assert client.get(live.url)["X-Page-Cache"] == "hit"


def test_an_entrys_markup_is_rendered_once_and_kept(client, live, settings, monkeypatch):
    from gazette.live import selectors

    settings.GAZETTE_PAGE_CACHE_ENABLED = False  # every request renders the document again
    first = client.get(updates_url(live)).json()
    calls: list[str] = []
    monkeypatch.setattr(selectors, "render_to_string",
                        lambda *args, **kwargs: calls.append(args[0]) or "")
    assert client.get(updates_url(live)).json() == first
    assert client.get(live.url).content.decode().count('class="live-entry"') == 1
    assert calls == []


def test_each_entry_of_a_published_page_is_announced_once_to_story_followers(live, commit):
    """Alerts' "follow this story" hears news's story_update_marked: one per entry, after the
    commit, with the entry's title (or text) as what changed; a draft page announces nothing."""
    from gazette.news.signals import story_update_marked

    heard: list[tuple[int, str]] = []

    def follower(sender, article, note, at, **kwargs):
        heard.append((article.pk, note))

    story_update_marked.connect(follower, dispatch_uid="test-live-follower")
    try:
        with commit():
            services.live_entry_add(page=live, body="The river peaked at 4.2 m.", title="Peak")
            assert heard == []  # not before the entry is committed
        with commit():
            services.live_entry_add(page=live, body="Roads reopen at noon.")
        assert heard == [(live.pk, "Peak"), (live.pk, "Roads reopen at noon.")]

        live.unpublish()
        with commit():
            services.live_entry_add(page=live, body="Draft entry.")
        assert len(heard) == 2
    finally:
        story_update_marked.disconnect(dispatch_uid="test-live-follower")

"""LiveBlogPosting JSON-LD with its updates, and the entries' feeds."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from gazette.live.testing import make_entry, make_live_page
from gazette.news.testing import hours_ago, make_author

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def live(section):
    page = make_live_page(section, slug="storm-live", started_at=hours_ago(3))
    from gazette.news.models import ArticleAuthor

    ArticleAuthor.objects.create(page=page, author=make_author(), sort_order=0)
    make_entry(page, "Gauges read four metres at the quay.", title="Gauges", at=hours_ago(2))
    make_entry(page, "The harbour road is closed </script><b>now</b> & for the night.")
    return page


def json_ld(html: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def test_live_blog_posting_with_an_update_per_entry(client, live):
    html = client.get(live.url).content.decode()
    [data] = json_ld(html)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LiveBlogPosting"
    assert data["headline"] == live.title
    assert data["coverageStartTime"] == live.coverage_started_at.replace(microsecond=0).isoformat()
    assert "coverageEndTime" not in data
    assert data["author"][0]["name"] == "Mara Quill"
    assert data["publisher"]["@type"] == "NewsMediaOrganization"
    updates = data["liveBlogUpdate"]
    assert [u["@type"] for u in updates] == ["BlogPosting", "BlogPosting"]
    newest, oldest = updates
    assert oldest["headline"] == "Gauges"
    assert newest["headline"].startswith("The harbour road is closed")
    assert newest["articleBody"] == \
        "The harbour road is closed </script><b>now</b> & for the night."
    assert newest["url"].startswith("http") and newest["url"].endswith(
        f"/world/storm-live/#entry-{live.entries.order_by('-created_at')[0].pk}")
    assert data["dateModified"] == newest["datePublished"]
    # The entry's text cannot end the script element early.
    assert "</script><b>" not in html


def test_an_ended_coverage_has_its_end_time(client, live):
    live.coverage_ended_at = hours_ago(0.5)
    live.save_revision().publish()
    [data] = json_ld(client.get(live.url).content.decode())
    assert data["coverageEndTime"] == live.coverage_ended_at.replace(microsecond=0).isoformat()


def test_the_page_links_its_entries_feeds(client, live):
    html = client.get(live.url).content.decode()
    for fmt in ("rss", "atom", "json"):
        assert f'href="/live/{live.pk}/feed/{fmt}/"' in html


def test_the_atom_feed_has_an_entry_per_update_newest_first(client, live):
    response = client.get(f"/live/{live.pk}/feed/atom/")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries][1] == "Gauges"
    assert entries[0].find(f"{ATOM}link").get("href").endswith("#entry-" + str(
        live.entries.order_by("-created_at")[0].pk))
    content = entries[0].find(f"{ATOM}content").text
    assert "<b>" not in content and "&lt;b&gt;now" in content
    assert entries[0].find(f"{ATOM}id").text.startswith("tag:")


def test_the_rss_and_json_feeds(client, live):
    rss = ET.fromstring(client.get(f"/live/{live.pk}/feed/rss/").content)
    assert [item.find("title").text for item in rss.iter("item")][1] == "Gauges"
    feed = client.get(f"/live/{live.pk}/feed/json/").json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == f"{live.title}: live updates"
    assert feed["feed_url"].endswith(f"/live/{live.pk}/feed/json/")
    assert [item["title"] for item in feed["items"]][1] == "Gauges"


def test_unknown_feeds_are_404(client, live, section):
    assert client.get(f"/live/{live.pk}/feed/xml/").status_code == 404
    draft = make_live_page(section, slug="draft-live", publish=False)
    assert client.get(f"/live/{draft.pk}/feed/atom/").status_code == 404


def test_the_live_page_is_in_the_site_feed_and_sitemap(client, live):
    assert live.title in client.get("/feeds/rss/").content.decode()
    assert "/world/storm-live/" in client.get("/news-sitemap.xml").content.decode()

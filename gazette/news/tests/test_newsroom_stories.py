"""Marked updates, corrections, the breaking bar, opinion typing and share links, everywhere
they should appear: the article, the Corrections page, JSON-LD, feeds and signals."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.test import Client
from django.utils import timezone

from gazette.news import times
from gazette.news.models import AnnouncedUpdate, ArticleCorrection, ArticlePage, CorrectionsPage
from gazette.news.signals import story_update_marked
from gazette.news.testing import home_page, hours_ago, make_article, make_section

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def json_ld(html: str) -> dict:
    return json.loads(JSON_LD.search(html).group(1))


def publish(article: ArticlePage, **changes) -> ArticlePage:
    for name, value in changes.items():
        setattr(article, name, value)
    article.full_clean()
    article.save_revision().publish()
    return ArticlePage.objects.get(pk=article.pk)


def add_correction(article: ArticlePage, text: str, at) -> ArticlePage:
    article.corrections.add(ArticleCorrection(corrected_at=at, text=text))
    article.save_revision().publish()
    return ArticlePage.objects.get(pk=article.pk)


# --- Marked updates --------------------------------------------------------------------------


def test_a_marked_update_shows_with_its_time_and_what_changed(section, commit):
    story = make_article(section, slug="vote", published_at=hours_ago(6))
    at = timezone.now() - timedelta(hours=2)
    with commit():
        story = publish(story, update_note="Adds the final count.", updated_at=at)
    html = Client().get(story.url).content.decode()
    assert f"<strong>Updated <time datetime=\"{at.replace(microsecond=0).isoformat()}\">" in html
    assert ":</strong> Adds the final count." in html
    data = json_ld(html)
    assert data["dateModified"] == at.replace(microsecond=0).isoformat()


def test_an_update_note_without_a_time_is_dated_when_saved(section):
    story = make_article(section, slug="vote")
    before = timezone.now()
    story.update_note = "Adds the reaction."
    story.full_clean()
    assert story.updated_at is not None and story.updated_at >= before


def test_the_signal_goes_out_once_per_update_after_commit(section, commit):
    received = []

    def listener(sender, article, note, at, **kwargs):
        received.append((article.pk, note, at))

    story_update_marked.connect(listener)
    try:
        story = make_article(section, slug="vote")
        first = timezone.now() - timedelta(minutes=30)
        with commit() as callbacks:
            story = publish(story, update_note="Adds the count.", updated_at=first)
            assert received == []  # not before the publication commits
        assert len(callbacks) >= 1
        assert received == [(story.pk, "Adds the count.", first)]
        with commit():
            story = publish(story, update_note="Adds the count by party.")  # a typo fixed
            story = publish(story, standfirst="A new standfirst.")
        assert len(received) == 1
        second = timezone.now()
        with commit():
            publish(story, update_note="Adds the reaction.", updated_at=second)
        assert received[-1] == (story.pk, "Adds the reaction.", second)
        assert len(received) == 2
        assert AnnouncedUpdate.objects.filter(article=story).count() == 2
        # A story without a marked update announces nothing.
        with commit():
            make_article(section, slug="plain")
        assert len(received) == 2
    finally:
        story_update_marked.disconnect(listener)


def test_feeds_carry_the_update(section, commit):
    story = make_article(section, slug="vote", published_at=hours_ago(6))
    at = timezone.now() - timedelta(hours=1)
    with commit():
        publish(story, update_note="Adds the final count.", updated_at=at)
    client = Client()
    atom = ET.fromstring(client.get("/feeds/atom/").content)
    entry = atom.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}updated").startswith(at.replace(microsecond=0).isoformat()[:19])
    assert "Adds the final count." in entry.findtext(f"{ATOM}content")
    rss = ET.fromstring(client.get("/feeds/rss/").content)
    item = rss.find("channel/item")
    assert item.findtext(f"{ATOM}updated").startswith(at.replace(microsecond=0).isoformat()[:19])
    assert "Adds the final count." in item.findtext("description")
    assert "Adds the final count." in item.findtext(
        "{http://purl.org/rss/1.0/modules/content/}encoded")
    feed = client.get("/feeds/json/").json()
    assert feed["items"][0]["date_modified"].startswith(at.strftime("%Y-%m-%dT%H:%M"))


# --- Corrections -----------------------------------------------------------------------------


def test_a_correction_shows_at_the_foot_in_json_ld_and_date_modified(section, commit):
    story = make_article(section, slug="port", published_at=hours_ago(8))
    at = timezone.now() - timedelta(hours=1)
    with commit():
        story = add_correction(story, "An earlier version gave the wrong tonnage.", at)
    html = Client().get(story.url).content.decode()
    foot = html[html.index('id="corrections"'):]
    assert "An earlier version gave the wrong tonnage." in foot
    assert times.site_time(at) in foot
    data = json_ld(html)
    assert data["correction"] == [{"@type": "CorrectionComment",
                                   "text": "An earlier version gave the wrong tonnage.",
                                   "datePublished": at.replace(microsecond=0).isoformat()}]
    # A correction dated after the last marked update moves dateModified.
    with commit():
        story = publish(story, update_note="Adds a map.", updated_at=at - timedelta(hours=2))
    assert json_ld(Client().get(story.url).content.decode())["dateModified"] == (
        at.replace(microsecond=0).isoformat())


def test_a_story_without_corrections_has_none(article):
    html = Client().get(article.url).content.decode()
    assert 'id="corrections"' not in html
    assert "correction" not in json_ld(html)


def test_the_corrections_page_lists_every_published_correction_newest_first(section, commit):
    home = home_page()
    page = CorrectionsPage(title="Corrections and clarifications", slug="corrections",
                           intro="<p>We correct our mistakes in the open.</p>")
    home.add_child(instance=page)
    page.save_revision().publish()
    one = make_article(section, slug="one", published_at=hours_ago(30))
    two = make_article(make_section("Economy"), slug="two", published_at=hours_ago(20))
    draft = make_article(section, slug="draft", publish=False)
    with commit():
        add_correction(one, "First mistake.", hours_ago(10))
        add_correction(two, "Second mistake.", hours_ago(2))
    draft.corrections.add(ArticleCorrection(corrected_at=hours_ago(1), text="Draft mistake."))
    draft.save()
    client = Client()
    html = client.get("/corrections/").content.decode()
    assert "We correct our mistakes in the open." in html
    assert html.index("Second mistake.") < html.index("First mistake.")
    assert "Draft mistake." not in html
    assert f'href="{two.url}#corrections"' in html
    # The cached list follows a new correction.
    with commit():
        add_correction(one, "Third mistake.", timezone.now())
    html = client.get("/corrections/").content.decode()
    assert html.index("Third mistake.") < html.index("Second mistake.")


def test_the_corrections_page_is_paginated(section):
    home = home_page()
    page = CorrectionsPage(title="Corrections", slug="corrections")
    home.add_child(instance=page)
    page.save_revision().publish()
    story = make_article(section, slug="many")
    for n in range(23):
        story.corrections.add(ArticleCorrection(corrected_at=hours_ago(n + 1), text=f"Note {n}."))
    story.save_revision().publish()
    client = Client()
    first = client.get("/corrections/").content.decode()
    second = client.get("/corrections/?page=2").content.decode()
    assert "Note 0." in first and "Note 19." in first and "Note 20." not in first
    assert "Note 20." in second and "Note 22." in second and 'rel="prev"' in second
    assert client.get("/corrections/?page=nonsense").status_code == 200


# --- JSON-LD types and images ----------------------------------------------------------------


def test_opinion_sections_type_their_stories_as_opinion(section):
    opinion = make_section("Opinion")
    opinion.opinion = True
    opinion.save_revision().publish()
    column = make_article(opinion, slug="column")
    report = make_article(section, slug="report")
    assert json_ld(Client().get(column.url).content.decode())["@type"] == "OpinionNewsArticle"
    assert json_ld(Client().get(report.url).content.decode())["@type"] == "NewsArticle"


def test_a_story_without_a_lead_image_still_has_an_image(article):
    data = json_ld(Client().get(article.url).content.decode())
    assert len(data["image"]) == 1
    assert data["image"][0].startswith("http") and "logo-wide" in data["image"][0]


# --- The breaking bar ------------------------------------------------------------------------


def test_the_breaking_bar_is_on_every_page_while_the_story_is_breaking(section, article, commit):
    client = Client()
    pages = [section.url, article.url, "/search/?q=harbour"]
    for url in pages:
        assert 'class="breaking breaking--bar"' not in client.get(url).content.decode(), url
    with commit():
        breaking = make_article(section, title="Quay wall collapses", slug="quay", breaking=True)
    for url in pages:
        html = client.get(url).content.decode()
        assert 'class="breaking breaking--bar"' in html, url
        assert f'<a href="{breaking.url}">Quay wall collapses</a>' in html, url
    assert client.get(section.url)["X-Page-Cache"] == "hit"
    assert client.get("/search/?q=harbour").get("X-Page-Cache") is None  # not made cacheable
    with commit():
        publish(ArticlePage.objects.get(pk=breaking.pk), breaking=False)
    for url in pages:
        assert 'class="breaking breaking--bar"' not in client.get(url).content.decode(), url


def test_a_day_old_breaking_story_leaves_the_bar(section):
    make_article(section, title="Old flood warning", slug="old", breaking=True,
                 published_at=hours_ago(25))
    assert "breaking--bar" not in Client().get(section.url).content.decode()


def test_the_bar_costs_no_query_once_cached(section, django_assert_num_queries):
    from gazette.news.newsroom import breaking_bar_stories

    make_article(section, title="Quay wall collapses", slug="quay", breaking=True)
    assert [s["title"] for s in breaking_bar_stories()] == ["Quay wall collapses"]
    with django_assert_num_queries(0):
        breaking_bar_stories()


# --- Share links -----------------------------------------------------------------------------


def test_share_links_work_without_script_and_load_no_third_party(article):
    html = Client().get(article.url).content.decode()
    share = html[html.index('class="share"'):]
    share = share[:share.index("</div>")]
    mailto = re.search(r'href="(mailto:[^"]+)"', share).group(1)
    assert unquote(mailto.replace("&amp;", "&")).startswith(f"mailto:?subject={article.title}")
    assert article.url in unquote(mailto)
    # The buttons that need script are hidden until the script finds what they need.
    assert share.count(" hidden>") == 2
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert scripts and all(src.startswith("/static/") for src in scripts)

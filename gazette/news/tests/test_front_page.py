"""The front page as editors arrange it: zones that fill themselves, editors' choices, each
story once, cards per zone, the lead image first, the meta description, and its cache."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gazette.news.frontpage import front_page
from gazette.news.models import (
    ArticlePage,
    HomeOpinionStory,
    HomePage,
    HomeSectionRow,
    HomeTopStory,
    SectionPage,
    StoryReads,
)
from gazette.news.testing import hours_ago, make_agency, make_article, make_author, make_section

pytestmark = pytest.mark.django_db


def opinion_section() -> SectionPage:
    section = make_section("Opinion")
    section.opinion = True
    section.save_revision().publish()
    return section


@pytest.fixture
def newsroom(db) -> dict:
    world, economy, opinion = make_section("World"), make_section("Economy"), opinion_section()
    columnist = make_author("Celia Brandt", "Columnist")
    stories = {
        "old_breaking": make_article(world, title="Old flood warning", slug="old-flood",
                                     breaking=True, published_at=hours_ago(30)),
        "breaking": make_article(world, title="Quay wall collapses", slug="quay-wall",
                                 breaking=True, published_at=hours_ago(2)),
        "world": [make_article(world, title=f"World story {n}", slug=f"world-{n}",
                               published_at=hours_ago(3 + n)) for n in range(8)],
        "economy": [make_article(economy, title=f"Economy story {n}", slug=f"economy-{n}",
                                 agency=make_agency(), published_at=hours_ago(3.5 + n))
                    for n in range(5)],
        "opinion": [make_article(opinion, title=f"Column {n}", slug=f"column-{n}",
                                 authors=[columnist], published_at=hours_ago(1 + n))
                    for n in range(5)],
    }
    return {"home": HomePage.objects.get(), "world_section": world, "economy_section": economy,
            "opinion_section": opinion, **stories}


def every_story(front: dict) -> list[ArticlePage]:
    shown = [front["lead"], *front["top"], *front["opinion"], *front["most_read"],
             *front["breaking"]]
    for row in front["sections"]:
        shown.extend(row["articles"])
    return shown


def test_empty_zones_fill_themselves_with_the_newest_stories_each_once(
        newsroom, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        front = front_page(newsroom["home"])
    world, economy = newsroom["world"], newsroom["economy"]
    # No lead chosen: the newest breaking story of the last day; opinion is not news.
    assert front["lead"] == newsroom["breaking"]
    assert front["top"] == [world[0], economy[0], world[1], economy[1]]
    assert front["opinion"] == newsroom["opinion"][:4]
    assert front["opinion_section"] == newsroom["opinion_section"]
    rows = {row["section"].title: row["articles"] for row in front["sections"]}
    # Every news section in the order of the section bar, opinion aside (it has its row).
    assert list(rows) == ["World", "Economy"]
    assert rows["World"] == world[2:6]
    assert rows["Economy"] == economy[2:5]
    assert front["breaking"] == []  # the breaking story leads, labelled there
    shown = every_story(front)
    assert len(shown) == len(set(shown))
    assert newsroom["old_breaking"] not in front["breaking"]


def test_editors_choices_come_first_and_the_rest_fills_itself(newsroom):
    home, world, economy = newsroom["home"], newsroom["world"], newsroom["economy"]
    home.featured_article = world[7]
    home.top_stories = [HomeTopStory(article=story)
                        for story in (economy[4], world[7], world[6], world[5])]
    home.opinion_stories = [HomeOpinionStory(article=newsroom["opinion"][4])]
    home.section_rows = [HomeSectionRow(section=newsroom["economy_section"]),
                         HomeSectionRow(section=newsroom["opinion_section"])]
    home.save_revision().publish()
    home = HomePage.objects.get()

    front = front_page(home)
    assert front["lead"] == world[7]
    # The lead is not repeated among the top stories that also name it: the newest fills in.
    assert front["top"] == [economy[4], world[6], world[5], newsroom["breaking"]]
    assert front["opinion"] == [newsroom["opinion"][4], *newsroom["opinion"][:3]]
    assert [row["section"].title for row in front["sections"]] == ["Economy", "Opinion"]
    assert [row["articles"] for row in front["sections"]] == [
        economy[:4], [newsroom["opinion"][3]]]
    shown = every_story(front)
    assert len(shown) == len(set(shown))

    # Four top stories chosen: the breaking story is on the page only in the breaking bar.
    home.top_stories = [HomeTopStory(article=story)
                        for story in (economy[4], world[6], world[5], world[4])]
    home.save_revision().publish()
    front = front_page(HomePage.objects.get())
    assert front["breaking"] == [newsroom["breaking"]]
    assert newsroom["breaking"] not in [front["lead"], *front["top"]]

    # A chosen story that is unpublished leaves its place to the newest.
    world[7].unpublish()
    front = front_page(HomePage.objects.get())
    assert front["lead"] == newsroom["breaking"]
    assert world[7] not in every_story(front)


def test_most_read_ranks_the_counted_stories_not_already_on_the_page(newsroom):
    world, economy = newsroom["world"], newsroom["economy"]
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    for views, story in ((50, economy[4]), (500, newsroom["breaking"]), (20, world[7]),
                         (30, world[6])):
        StoryReads.objects.create(article=story, hour=hour, views=views)
    StoryReads.objects.create(article=world[5], hour=hour - timedelta(hours=30), views=999)

    front = front_page(newsroom["home"])
    # The lead is the most read, shown once: as the lead. Reads older than a day do not count.
    assert front["most_read"] == [economy[4], world[6], world[7]]
    shown = every_story(front)
    assert len(shown) == len(set(shown))

    home = newsroom["home"]
    home.show_most_read = False
    home.save_revision().publish()
    assert front_page(HomePage.objects.get())["most_read"] == []


LINK = re.compile(r'<a href="([^"]+)"')


def test_the_rendered_page_shows_each_story_once_with_zone_cards_and_credits(newsroom):
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    StoryReads.objects.create(article=newsroom["world"][7], hour=hour, views=9)
    html = Client().get("/").content.decode()
    stories = {page.url for page in ArticlePage.objects.live()}
    # One link to each story shown: its headline (the image beside it is not a link of its own
    # for assistive technology: aria-hidden, out of the tab order, and starts <a class=...).
    story_links = [url for url in LINK.findall(html) if url in stories]
    # lead 1, top 4, opinion 4, most read 1, World 4, Economy 3
    assert len(story_links) == len(set(story_links)) == 17, story_links
    assert 'aria-label="Lead story"' in html and "card--lead" in html
    assert html.count("card--medium") == 4
    assert 'id="most-read-heading"' in html and "World story 7" in html
    assert 'class="opinion-item__columnist">Celia Brandt<' in html
    assert 'href="/opinion/">Opinion</a></h2>' in html
    assert "Coastal Wire News" in html  # agency credit on the economy stories


def test_lead_image_loads_first_and_every_card_image_fits_its_slot(newsroom, settings, tmp_path):
    from gazette.news.testing import make_image

    settings.MEDIA_ROOT = tmp_path
    image = make_image()
    ArticlePage.objects.filter(pk__in=[newsroom["breaking"].pk, newsroom["world"][0].pk,
                                       newsroom["world"][3].pk]).update(lead_image=image)
    html = Client().get("/").content.decode()
    images = re.findall(r"<img [^>]*>", html)
    lead = [tag for tag in images if 'fetchpriority="high"' in tag]
    assert len(lead) == 1 and 'loading="lazy"' not in lead[0]
    assert re.search(r'srcset="[^"]+ 480w, [^"]+ 960w"', lead[0]) and 'sizes="' in lead[0]
    others = [tag for tag in images if tag not in lead]
    assert others and all('loading="lazy"' in tag and 'srcset="' in tag and 'sizes="8rem"' in tag
                          for tag in others)


def test_the_meta_description_is_the_editors_not_the_site_name(
        newsroom, django_capture_on_commit_callbacks):
    home = newsroom["home"]
    home.intro = "Independent news from Northport"
    with django_capture_on_commit_callbacks(execute=True):
        home.save_revision().publish()
    assert ('<meta name="description" content="Independent news from Northport">'
            in Client().get("/").content.decode())
    home.search_description = "Reporting from the harbour to the capital."
    with django_capture_on_commit_callbacks(execute=True):
        home.save_revision().publish()
    assert ('<meta name="description" content="Reporting from the harbour to the capital.">'
            in Client().get("/").content.decode())


def test_a_story_published_in_a_rows_section_refreshes_the_cached_front_page(
        newsroom, settings, django_capture_on_commit_callbacks):
    settings.GAZETTE_PAGE_CACHE_ENABLED = True
    client = Client()
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        make_article(newsroom["economy_section"], title="Ferry fares frozen for a year",
                     slug="ferry-fares")
    response = client.get("/")
    assert response["X-Page-Cache"] == "miss"
    assert "Ferry fares frozen for a year" in response.content.decode()


def test_editors_arrange_the_zones_on_the_home_pages_edit_form(newsroom, django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("editor", "e@example.org", "x"))
    response = client.get(f"/admin/pages/{newsroom['home'].pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Lead story", "Top stories", "Opinion row", "Section rows",
                  "Show &quot;most read&quot;", "Meta description"):
        assert label in html, label

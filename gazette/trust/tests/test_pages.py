"""The trust pages as readers and editors meet them: rendered, in every page's footer, edited in
the admin, kept honest in the page cache."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from gazette.news.models import Author, HomePage
from gazette.news.testing import make_article, make_author, make_section
from gazette.trust import selectors
from gazette.trust.demo import demo_load
from gazette.trust.models import ContactPage, PrivacyPage, StaffPage, StandardPage

pytestmark = pytest.mark.django_db

FOOTER = re.compile(r'<nav class="site-footer__nav"[^>]*>(.*?)</nav>', re.S)


def footer_of(html: str) -> list[tuple[str, str]]:
    found = FOOTER.search(html)
    assert found, "no footer nav"
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', found.group(1))


EXPECTED = [("/about/", "About us"), ("/newsroom/", "Our newsroom"), ("/contact/", "Contact us"),
            ("/privacy/", "Privacy"), ("/terms/", "Terms of use")]


def test_each_page_renders_its_text(trust_pages):
    client = Client()
    for slug, words in [("about", "Northport Reader Trust"), ("newsroom", "Our newsroom"),
                        ("contact", "14 Quay Street"), ("privacy", "Reading sets no cookie"),
                        ("terms", "laws of the Republic of Veloria")]:
        response = client.get(f"/{slug}/")
        assert response.status_code == 200, slug
        html = " ".join(response.content.decode().split())
        assert words in html, slug
        assert trust_pages[slug].summary in html


def test_demo_is_idempotent(trust_pages):
    assert demo_load() == 0
    assert StandardPage.objects.count() == 2
    assert [PrivacyPage.objects.count(), StaffPage.objects.count(),
            ContactPage.objects.count()] == [1, 1, 1]


def test_footer_links_every_trust_page_on_front_section_and_article_pages(trust_pages):
    section = make_section("World")
    article = make_article(section, authors=[make_author()])
    client = Client()
    for url in ["/", section.url, article.url, "/privacy/", reverse("news:author",
                                                                   args=["mara-quill"])]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert footer_of(response.content.decode()) == EXPECTED, url


def test_footer_marks_the_page_the_reader_is_on(trust_pages):
    html = Client().get("/terms/").content.decode()
    assert '<a href="/terms/" aria-current="page">Terms of use</a>' in FOOTER.search(html)[0]
    assert 'href="/about/" aria-current' not in html


def test_no_footer_nav_without_trust_pages(section):
    html = Client().get(section.url).content.decode()
    assert 'class="site-footer__nav"' not in html


def test_footer_is_one_cached_lookup(trust_pages, django_assert_num_queries):
    selectors.footer_links()
    with django_assert_num_queries(0):
        assert [(link["url"], link["title"]) for link in selectors.footer_links()] == EXPECTED


def test_cached_pages_follow_the_footer_when_a_page_goes_or_is_renamed(
        trust_pages, settings, django_capture_on_commit_callbacks):
    settings.GAZETTE_PAGE_CACHE_ENABLED = True
    section = make_section("World")
    client = Client()
    assert client.get(section.url)["X-Page-Cache"] == "miss"
    assert client.get(section.url)["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        trust_pages["terms"].unpublish()
    response = client.get(section.url)
    assert response["X-Page-Cache"] == "miss"
    assert ("/terms/", "Terms of use") not in footer_of(response.content.decode())

    about = trust_pages["about"]
    about.title = "Who we are"
    with django_capture_on_commit_callbacks(execute=True):
        about.save_revision().publish()
    assert ("/about/", "Who we are") in footer_of(client.get(section.url).content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        trust_pages["contact"].delete()
    links = footer_of(client.get(section.url).content.decode())
    assert [url for url, _ in links] == ["/about/", "/newsroom/", "/privacy/"]


def test_corrections_page_joins_the_footer_when_news_has_one(
        trust_pages, django_capture_on_commit_callbacks):
    try:
        corrections_model = apps.get_model("news", "CorrectionsPage")
    except LookupError:
        pytest.skip("this version of news has no Corrections page")
    home = HomePage.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        page = home.add_child(instance=corrections_model(title="Corrections",
                                                          slug="corrections"))
        page.save_revision().publish()
    links = footer_of(Client().get("/about/").content.decode())
    assert ("/corrections/", "Corrections") in links


def test_demo_puts_its_pages_around_an_existing_corrections_page(
        db, django_capture_on_commit_callbacks):
    from gazette.news.testing import home_page

    try:
        corrections_model = apps.get_model("news", "CorrectionsPage")
    except LookupError:
        pytest.skip("this version of news has no Corrections page")
    home = home_page()
    page = home.add_child(instance=corrections_model(title="Corrections", slug="corrections"))
    page.save_revision().publish()
    with django_capture_on_commit_callbacks(execute=True):
        demo_load()
    assert [title for _, title in footer_of(Client().get("/about/").content.decode())] == [
        "About us", "Our newsroom", "Contact us", "Corrections", "Privacy", "Terms of use"]


def test_privacy_page_links_the_comments_generated_notice(trust_pages):
    html = Client().get("/privacy/").content.decode()
    notice = reverse("comments:privacy")
    assert f'<a href="{notice}">Learn how your comment data is processed</a>' in html
    assert Client().get(notice).status_code == 200
    for promise in ("Reading sets no cookie", "no IP address", "nothing from anyone else",
                    "the only cookies a reader can get from us"):
        assert promise in " ".join(html.split())


def test_staff_page_lists_authors_with_role_bio_photo_and_link(trust_pages):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    photo = Image.objects.create(title="Portrait", file=get_test_image_file())
    Author.objects.create(name="Ilse Marrow", role="Climate editor", bio="Sails every inlet.",
                          photo=photo)
    Author.objects.create(name="Aldo Finch", role="", bio="")
    html = Client().get("/newsroom/").content.decode()
    people = re.findall(r'<li class="staff-list__person">(.*?)</li>', html, re.S)
    assert len(people) == 2
    aldo, ilse = people  # by name
    assert '<a href="/authors/aldo-finch/">Aldo Finch</a>' in aldo
    assert "<img" not in aldo and "staff-list__role" not in aldo
    assert '<a href="/authors/ilse-marrow/">Ilse Marrow</a>' in ilse
    assert "Climate editor" in ilse and "Sails every inlet." in ilse
    assert 'class="staff-list__photo"' in ilse


def test_trust_pages_are_allowed_under_the_front_page_once_each_where_it_matters(trust_pages):
    home = HomePage.objects.get()
    allowed = set(home.specific_class.creatable_subpage_models())
    assert {StandardPage, PrivacyPage, StaffPage, ContactPage} <= allowed
    assert StandardPage.can_create_at(home)
    for model in (PrivacyPage, StaffPage, ContactPage):
        assert not model.can_create_at(home), model


@pytest.fixture
def editor_client(db):
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw-12345678")
    client = Client()
    client.force_login(user)
    return client


def test_editors_edit_every_trust_page_in_the_admin(trust_pages, editor_client):
    for page in trust_pages.values():
        response = editor_client.get(f"/admin/pages/{page.pk}/edit/")
        assert response.status_code == 200, page.slug
    home = HomePage.objects.get()
    response = editor_client.get(f"/admin/pages/add/trust/standardpage/{home.pk}/")
    assert response.status_code == 200


def test_an_editor_adds_a_page_from_the_admin_and_it_is_in_the_footer(
        trust_pages, editor_client, django_capture_on_commit_callbacks):
    home = HomePage.objects.get()
    data = {"title": "Ethics code", "slug": "ethics", "summary": "How we decide.",
            "body": '{"blocks": [{"key": "a", "type": "unstyled", "text": "We do not pay '
                    'sources.", "depth": 0, "inlineStyleRanges": [], "entityRanges": []}], '
                    '"entityMap": {}}',
            "action-publish": "publish"}
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(f"/admin/pages/add/trust/standardpage/{home.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = StandardPage.objects.get(slug="ethics")
    assert page.live
    html = Client().get("/ethics/").content.decode()
    assert "We do not pay sources." in html
    assert ("/ethics/", "Ethics code") in footer_of(html)

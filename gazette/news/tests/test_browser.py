"""A reader on a phone: front page, follow a story, read it. Real Chromium through Playwright."""

from __future__ import annotations

import shutil

import pytest
from django.conf import settings

from gazette.news.testing import make_agency, make_article, make_author, make_section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is missing"),
]

SCREENSHOT = settings.DATA_DIR / "article-phone.png"


@pytest.fixture
def story(transactional_db) -> dict:
    # Built before the browser starts: Playwright's sync API runs an event loop in this thread,
    # and Django refuses ORM calls from inside one.
    section = make_section("World")
    make_article(section, title="Older story about tides", slug="tides")
    story = make_article(
        section,
        title="Storm barrier closes for the first time",
        standfirst="Engineers lowered the gates at dawn as the surge arrived.",
        authors=[make_author()],
        agency=make_agency(),
        tags=["Weather"],
        breaking=True,
        slug="storm-barrier",
    )
    return {"title": story.title, "url": story.url}


def test_reader_on_a_phone_follows_a_story(story, live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    outside_requests: list[str] = []
    page.on("request", lambda request: outside_requests.append(request.url)
            if not request.url.startswith(live_server.url) else None)
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

    page.goto(live_server.url + "/")
    assert page.locator("header[role=banner]").is_visible()
    # The breaking story leads the front page, so it carries its label there instead of being
    # repeated in the bar (news.frontpage); the bar shows on the story's own page below.
    assert page.locator(".label--breaking").first.is_visible()
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.get_by_role("link", name=story['title']).first.click()
    page.wait_for_url(f"**{story['url']}")
    assert page.get_by_role("heading", level=1).inner_text() == story['title']
    assert page.get_by_role("complementary", name="Breaking news").is_visible()
    assert "Engineers lowered the gates" in page.locator(".standfirst").inner_text()
    assert "Mara Quill" in page.locator(".byline").inner_text()
    assert page.locator("time").first.get_attribute("datetime")
    assert page.get_by_role("link", name="Weather").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.evaluate("getComputedStyle(document.body).fontFamily")

    # Keyboard users get a skip link straight to the story.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to the story"
    assert outside_requests == []
    assert console_errors == []
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    context.close()


@pytest.fixture
def editor_setup(transactional_db, django_user_model) -> dict:
    article = make_article(make_section("World"), title="Council meets", slug="council")
    django_user_model.objects.create_superuser("admin", "admin@example.org", "a-long-password-1")
    return {"edit_url": f"/admin/pages/{article.pk}/edit/"}


def test_editor_signs_in_and_opens_a_story_without_policy_errors(editor_setup, live_server,
                                                                 browser):
    page = browser.new_page()
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "a-long-password-1")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/")
    page.goto(live_server.url + editor_setup["edit_url"])
    assert page.locator("#id_title, [name=title]").first.input_value() == "Council meets"
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
    page.close()

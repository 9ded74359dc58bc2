"""Share links and "N minutes ago" in Chromium, with and without JavaScript."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from gazette.news.testing import make_article, make_section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is missing"),
]


@pytest.fixture
def story(transactional_db) -> dict:
    published = timezone.now() - timedelta(minutes=5)
    story = make_article(make_section("World"), title="Storm barrier closes", slug="barrier",
                         published_at=published)
    return {"url": story.url, "title": story.title, "published": published.timestamp()}


def test_share_links_with_script_copy_the_address(story, live_server, browser):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(live_server.url) else None)
    page.goto(live_server.url + story["url"])
    share = page.locator("[data-share]")
    assert share.get_by_role("link", name="Email").is_visible()
    copy = share.get_by_role("button", name="Copy link")
    assert copy.is_visible()
    has_share = page.evaluate("typeof navigator.share === 'function'")
    assert share.get_by_role("button", name="Share…").is_visible() == has_share
    copy.click()
    page.wait_for_function("document.querySelector('[data-share-status]').textContent !== ''")
    assert share.locator("[data-share-status]").inner_text() == "Link copied"
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.endswith(story["url"]) and copied.startswith("http")
    assert outside == []
    context.close()


def test_without_script_the_email_link_is_all_there_is(story, live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + story["url"])
    share = page.locator("[data-share]")
    email = share.get_by_role("link", name="Email")
    assert email.is_visible()
    assert email.get_attribute("href").startswith("mailto:?subject=Storm%20barrier%20closes")
    assert not share.get_by_role("button").first.is_visible()
    # The server's text reads right without script.
    assert "5 minutes ago" in page.locator(".timestamps").inner_text()
    context.close()


def test_an_open_page_keeps_minutes_ago_true(story, live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    # The reader's clock is 25 minutes after publication when the page loads, then a minute on.
    page.clock.install(time=story["published"] + 25 * 60)
    page.goto(live_server.url + story["url"])
    ago = page.locator(".timestamps .ago")
    assert ago.inner_text() == "· 25 minutes ago"
    page.clock.run_for(60_000)
    assert ago.inner_text() == "· 26 minutes ago"
    context.close()

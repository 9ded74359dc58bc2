"""A reader's open live page shows an entry that a moderator posts in the admin meanwhile,
without a reload, within 15 s; the page's script is our own and asks nothing of anyone else.
Real Chromium through Playwright (two browser contexts: the reader, the newsroom)."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from gazette.live.testing import make_entry, make_live_page
from gazette.news.testing import make_section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is missing"),
]

PASSWORD = "a-long-password-1"
SCREENSHOTS = settings.DATA_DIR
NEW_ENTRY = "The gates are holding: water outside is 40 cm above any tide since they opened."


@pytest.fixture
def story(transactional_db, django_user_model) -> dict:
    # Built before the browser starts: Playwright's sync API runs an event loop in this thread,
    # and Django refuses ORM calls from inside one.
    page = make_live_page(make_section("World"), slug="storm-live",
                          key_points=["The barrier is closed"])
    make_entry(page, "All six gates were closed at 17:05.", title="Gates closed")
    chief = django_user_model.objects.create_user("chief", "chief@example.org", PASSWORD)
    chief.groups.add(Group.objects.get(name="Moderators"))
    return {"url": page.url, "pk": page.pk}


def test_an_entry_posted_in_the_admin_appears_on_an_open_page_within_15_s(
        story, live_server, browser):
    reader_context = browser.new_context()
    reader = reader_context.new_page()
    outside: list[str] = []
    reader.on("request", lambda r: outside.append(r.url)
              if not r.url.startswith(live_server.url) else None)
    errors: list[str] = []
    reader.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    reader.goto(live_server.url + story["url"])
    assert reader.locator(".live-entry").count() == 1
    reader.evaluate("window.__notReloaded = true")

    newsroom = browser.new_context().new_page()
    newsroom.goto(live_server.url + "/admin/login/")
    newsroom.fill("input[name=username]", "chief")
    newsroom.fill("input[name=password]", PASSWORD)
    newsroom.keyboard.press("Enter")
    newsroom.wait_for_url("**/admin/")
    newsroom.goto(f"{live_server.url}/admin/pages/{story['pk']}/edit/")
    # The edit header's "Add live entry" leads to the quick form (read from the page as served:
    # Wagtail's script keeps the header menu out of the document until it is opened).
    served = newsroom.request.get(newsroom.url).text()
    found = re.search(rf'href="([^"]+)"[^>]*data-live-entry="{story["pk"]}"', served)
    assert found and found[1] == f"/admin/live/{story['pk']}/"
    newsroom.goto(live_server.url + found[1])
    newsroom.fill("textarea[name=body]", NEW_ENTRY)
    newsroom.fill("input[name=title]", "Holding")
    newsroom.get_by_role("button", name="Post update").click()
    newsroom.wait_for_url(f"**/admin/live/{story['pk']}/")
    posted = time.monotonic()

    first = reader.locator(".live-entry").first
    first.locator(".live-entry__title", has_text="Holding").wait_for(timeout=15_000)
    waited = time.monotonic() - posted
    print(f"\nthe new entry appeared {waited:.1f} s after it was posted")
    assert NEW_ENTRY in first.inner_text()
    assert reader.locator(".live-entry").count() == 2
    assert reader.evaluate("window.__notReloaded") is True
    assert reader.locator("[data-live-announce]").inner_text() == "1 new update"
    assert outside == [] and errors == []
    # A poll that finds nothing new is a 304: the browser revalidates its copy with the ETag
    # and only headers travel (Chrome shows the cached 200 to the script; its resource timing
    # tells: fewer bytes transferred than the body has).
    reader.wait_for_timeout(12_000)
    timings = reader.evaluate("""performance.getEntriesByType("resource")
        .filter(e => e.name.includes("updates.json"))
        .map(e => [e.transferSize, e.encodedBodySize])""")
    assert any(transferred < body for transferred, body in timings), timings

    reader.screenshot(path=SCREENSHOTS / "live-desktop.png", full_page=True)

    # On a phone: the same page, nothing wider than the screen.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, device_scale_factor=2).new_page()
    phone.goto(live_server.url + story["url"])
    assert phone.locator(".live-entry").count() == 2
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.screenshot(path=SCREENSHOTS / "live-phone.png", full_page=True)

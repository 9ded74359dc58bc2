"""A reader finds the contact page from the footer and writes to the newsroom, in Chromium
without script: a mistake comes back with the text kept, the honeypot stays out of sight, and
the browser gets no cookie from any of it."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail

from gazette.news.testing import make_section
from gazette.trust.demo import demo_load
from gazette.trust.models import ContactSubmission

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is missing"),
]

MESSAGE = "The tide table in Saturday's story has the wrong times for Calder Bay."


@pytest.fixture
def site(transactional_db) -> None:
    # Built before the browser starts: Django refuses ORM calls inside Playwright's loop.
    make_section("World")
    demo_load()


def test_a_reader_writes_to_the_newsroom_from_the_footer(site, live_server, browser):
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.url + "/world/")
    footer = page.get_by_role("navigation", name="About The Gazette")
    assert footer.get_by_role("link").all_inner_texts() == [
        "About us", "Our newsroom", "Contact us", "Privacy", "Terms of use"]
    footer.get_by_role("link", name="Contact us").click()
    page.wait_for_url("**/contact/")

    trap = page.locator("input[name=contact_website]")
    box = trap.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0  # off screen
    assert trap.get_attribute("tabindex") == "-1"
    page.get_by_label("Your name").fill("Ana Ferro")
    page.get_by_label("Your email address").fill("ana at example")
    page.get_by_label("What is it about?").select_option("A correction")
    page.get_by_label("Your message").fill(MESSAGE)
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert "your message was not sent" in page.get_by_role("alert").first.inner_text()
    assert "Enter a valid email address." in page.content()
    assert page.get_by_label("Your message").input_value() == MESSAGE
    assert page.get_by_label("What is it about?").input_value() == "A correction"

    page.get_by_label("Your email address").fill("ana@example.net")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/contact/?sent=1")
    assert page.get_by_role("heading", level=1).inner_text() == "Message sent"
    assert context.cookies() == []
    context.close()

    # Playwright's loop runs in this thread, where Django refuses ORM calls: ask from another.
    with ThreadPoolExecutor(1) as pool:
        stored = pool.submit(lambda: [s.form_data["your_message"]
                                      for s in ContactSubmission.objects.all()]).result()
    assert stored == [MESSAGE]
    assert [message.reply_to for message in mail.outbox] == [["ana@example.net"]]

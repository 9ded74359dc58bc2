"""The whole discussion in real Chromium: a reader comments and replies and is told both wait
for a moderator; a moderator signs in to the admin and approves them (one by keyboard, one by
its button); another reader, in a fresh browser, finds both under the story."""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from gazette.comments.models import Comment, Status
from gazette.news.testing import make_article, make_section

from .admin_testing import make_comment, moderator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is missing"),
]

PASSWORD = "a-long-password-1"
TOP_LEVEL = "The new barrier should have come years ago; my street floods every spring."
REPLY = "Agreed with you: the council waited far too long to act on the old quay."


@pytest.fixture
def discussion(transactional_db, django_user_model, settings) -> dict:
    # Flood control (15 s a post from one address) shortened: the reader's reply follows soon.
    settings.GAZETTE_COMMENTS_FLOOD_SECONDS = 2
    # Built before the browser starts: Playwright's sync API runs an event loop in this thread,
    # and Django refuses ORM calls from inside one.
    story = make_article(make_section("World"), title="Storm barrier closes", slug="barrier")
    earlier = make_comment(story, author="Regular Reader", email="regular@example.org",
                           text="Long overdue, and I said so in March.", status=Status.APPROVED)
    moderator(django_user_model, "chief")
    return {"url": story.url, "article_id": story.pk, "earlier": earlier.pk}


def _in_thread(query):
    """Run an ORM query off this thread: Playwright's event loop runs here, and Django refuses
    database calls from inside one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(query).result()


def _held_comments() -> dict[str, tuple[int, str, int | None]]:
    return {c.text: (c.pk, c.status, c.parent_id)
            for c in Comment.objects.filter(author_name="Ada Newcomer")}


def _post(page, text: str) -> dict:
    """Type, take a few seconds as a person does (a post within 3 s of the form counts against
    it), send with the page's script; the answer the script got."""
    page.fill("#comment", text)
    page.wait_for_timeout(3500)
    with page.expect_response(lambda r: "/comments/post/" in r.url) as answer:
        page.click("#submit")
    assert answer.value.status == 201, answer.value.text()
    return answer.value.json()


def test_reader_posts_moderator_approves_another_reader_sees(discussion, live_server, browser):
    console_errors: list[str] = []

    def watch(page):
        page.on("console", lambda msg: console_errors.append(msg.text)
                if msg.type == "error" else None)
        return page

    # A first-time reader: both comments are held (the site holds first-time commenters).
    reader_context = browser.new_context()
    reader = watch(reader_context.new_page())
    reader.goto(live_server.url + discussion["url"])
    reader.fill("#author", "Ada Newcomer")
    reader.fill("#email", "ada@example.org")
    assert _post(reader, TOP_LEVEL)["status"] == "held"
    notice = reader.locator(".comment-form__message")
    notice.filter(has_text="awaiting moderation").wait_for()

    reader.get_by_role("link", name="Reply to Regular Reader").click()
    assert reader.locator(".respond__to").inner_text() == " to Regular Reader"
    assert _post(reader, REPLY)["status"] == "held"
    notice.filter(has_text="awaiting moderation").wait_for()
    assert reader.locator("#comment").input_value() == ""
    assert TOP_LEVEL not in reader.content()  # not shown before a moderator approves
    reader_context.close()

    held = _in_thread(_held_comments)
    assert {status for _, status, _ in held.values()} == {Status.PENDING}
    assert held[REPLY][2] == discussion["earlier"]
    top_id, reply_id = held[TOP_LEVEL][0], held[REPLY][0]

    # The moderator: the queue, the first comment approved with the "a" key, the reply with
    # its button.
    admin_context = browser.new_context()
    admin = watch(admin_context.new_page())
    admin.goto(live_server.url + "/admin/login/")
    admin.fill("input[name=username]", "chief")
    admin.fill("input[name=password]", PASSWORD)
    admin.keyboard.press("Enter")
    admin.wait_for_url("**/admin/")
    assert admin.get_by_role("link", name=re.compile(r"Comments \(2\)")).count() >= 1
    admin.goto(live_server.url + "/admin/comments/")
    rows = admin.locator("tr[data-comment-row]")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-comment-row") == str(top_id)
    assert "moderation-current" in (rows.nth(0).get_attribute("class") or "")
    with admin.expect_navigation():
        admin.keyboard.press("a")
    admin.get_by_text("1 comment approved").wait_for()
    assert admin.locator("tr[data-comment-row]").count() == 1
    with admin.expect_navigation():
        admin.locator(f"#row-{reply_id}").get_by_role("button", name="Approve").click()
    admin.get_by_text("Nothing is waiting for a moderator").wait_for()
    admin_context.close()

    # Another reader, a fresh browser: both are on the story now, the reply under its parent.
    other_context = browser.new_context()
    other = watch(other_context.new_page())
    other.goto(live_server.url + discussion["url"])
    top = other.locator(f"#comment-{top_id}")
    assert TOP_LEVEL in top.inner_text()
    reply = other.locator(f"#comment-{discussion['earlier']} .comment-children "
                          f"#comment-{reply_id}")
    assert REPLY in reply.inner_text()
    assert "ada@example.org" not in other.content()
    other_context.close()

    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors

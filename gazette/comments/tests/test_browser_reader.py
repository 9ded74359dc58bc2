"""The reader's side of the discussion in real Chromium.

With JavaScript: a comment and an inline reply appear without a reload, and the count follows;
a held comment says so in the form; the consent box remembers the reader in a first-party
cookie; a refused post keeps the text and says why. Without JavaScript: the plain POST and its
303, to the comment's anchor or to the author's notice."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from gazette.comments import tokens
from gazette.comments.models import Comment, ModerationMode, Status
from gazette.news.testing import make_article, make_section

from .reader import KNOWN, discussion_settings, known_commenter

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is missing"),
]

# Playwright's own waits (locators, expect) give up after this long: the machine is loaded.
WAIT_MS = 60_000
FIRST = "The new barrier should have come years ago; my street floods every spring."
REPLY = "Agreed: the council waited far too long to act on the old quay."
NAME, EMAIL = "Ada Newcomer", "ada@example.org"


@pytest.fixture
def a_minute_to_write(monkeypatch) -> None:
    """Tokens issued a minute back, as if the reader took a minute to write: a form sent
    within seconds of being served counts as a bot's, and a test types faster than anyone."""
    page_token, script_token = tokens.page_token, tokens.script_token

    def earlier(issue: Callable[..., str]) -> Callable[..., str]:
        def issued(article_id: int, now: float | None = None) -> str:
            return issue(article_id, time.time() - 60 if now is None else now)
        return issued

    monkeypatch.setattr(tokens, "page_token", earlier(page_token))
    monkeypatch.setattr(tokens, "script_token", earlier(script_token))


def _story(mode: str, settings: Any, flood_seconds: int = 0) -> dict[str, Any]:
    # Built before the browser starts: Playwright's sync API runs an event loop in this thread,
    # and Django refuses ORM calls from inside one.
    settings.GAZETTE_COMMENTS_FLOOD_SECONDS = flood_seconds
    discussion_settings(moderation_mode=mode)
    section = make_section("World")
    known_commenter(section)  # KNOWN has an approved comment on another story
    story = make_article(section, title="Storm barrier closes", slug="barrier")
    return {"url": story.url, "id": story.pk}


@pytest.fixture
def open_story(transactional_db, settings, a_minute_to_write) -> dict[str, Any]:
    return _story(ModerationMode.NONE, settings)


@pytest.fixture
def moderated_story(transactional_db, settings, a_minute_to_write) -> dict[str, Any]:
    return _story(ModerationMode.ALL, settings)


@pytest.fixture
def flood_story(transactional_db, settings, a_minute_to_write) -> dict[str, Any]:
    return _story(ModerationMode.NONE, settings, flood_seconds=60)


def _in_thread(query: Callable[[], Any]) -> Any:
    """Run an ORM query off this thread (Playwright's event loop runs here)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(query).result()


def _stored(text: str) -> list[tuple[int, str, int | None]]:
    return _in_thread(lambda: [(c.pk, c.status, c.parent_id)
                               for c in Comment.objects.filter(text=text)])


def _reader(browser: Any, live_server: Any, url: str, *, script: bool = True) -> tuple[Any, Any]:
    context = browser.new_context(java_script_enabled=script)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(live_server.url + url)
    return context, page


def _send(page: Any, text: str, status: int) -> dict[str, Any]:
    """Type the comment and send it with the page's script; the JSON the script got."""
    page.fill("#comment", text)
    with page.expect_response(lambda r: "/comments/post/" in r.url, timeout=WAIT_MS) as answer:
        page.click("#submit")
    assert answer.value.status == status, answer.value.text()
    body: dict[str, Any] = answer.value.json()
    return body


def _not_reloaded(page: Any) -> bool:
    return bool(page.evaluate("window.__marker === 1"))


def test_with_javascript_a_comment_and_a_reply_appear_without_a_reload(
        open_story, live_server, browser):
    from playwright.sync_api import expect

    context, page = _reader(browser, live_server, open_story["url"])
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    heading = page.locator("#comments-heading")
    expect(heading).to_have_text("No comments yet")
    page.evaluate("window.__marker = 1")

    page.fill("#author", NAME)
    page.fill("#email", EMAIL)
    page.check("#remember")
    answer = _send(page, FIRST, 201)
    assert answer["status"] == "published"
    first_id = int(answer["anchor"].removeprefix("comment-"))
    first = page.locator(f"#comments .comment-list > #comment-{first_id}")
    expect(first).to_contain_text(FIRST)
    expect(heading).to_have_text("1 comment")
    expect(page.locator(".comment-form__message")).to_have_text("Your comment is published.")
    expect(page.locator("#comment")).to_have_value("")
    assert _not_reloaded(page)
    assert _stored(FIRST) == [(first_id, Status.APPROVED, None)]

    # Reply: the form moves under the comment, and the reply lands nested under it.
    page.get_by_role("link", name=f"Reply to {NAME}").click()
    expect(page.locator(f"#comment-{first_id} > #respond")).to_have_count(1)
    expect(page.locator(".respond__to")).to_have_text(f" to {NAME}")
    expect(page.locator(".respond__cancel")).to_be_visible()
    assert page.input_value("#comment_parent") == str(first_id)
    answer = _send(page, REPLY, 201)
    assert answer["status"] == "published"
    reply_id = int(answer["anchor"].removeprefix("comment-"))
    reply = page.locator(f"#comment-{first_id} > .comment-children > #comment-{reply_id}")
    expect(reply).to_contain_text(REPLY)
    expect(heading).to_have_text("2 comments")
    # The form went home, under the discussion, ready for a new top-level comment.
    expect(page.locator(f"#comment-{first_id} #respond")).to_have_count(0)
    expect(page.locator(".respond__cancel")).to_be_hidden()
    assert page.input_value("#comment_parent") == ""
    assert _not_reloaded(page)
    assert _stored(REPLY) == [(reply_id, Status.APPROVED, first_id)]
    assert EMAIL not in page.content()

    # The consent box: a first-party cookie, read by the script on the next page.
    cookies = {c["name"]: c for c in context.cookies()}
    assert "gazette_commenter" in cookies
    remembered = cookies["gazette_commenter"]
    assert remembered["domain"] in live_server.url and remembered["sameSite"] == "Lax"
    again = context.new_page()
    again.goto(live_server.url + open_story["url"])
    expect(again.locator("#author")).to_have_value(NAME)
    expect(again.locator("#email")).to_have_value(EMAIL)
    expect(again.locator("#remember")).to_be_checked()
    # The new page is the shared one (the cookie fills it in, not the server): both comments.
    expect(again.locator("#comments-heading")).to_have_text("2 comments")
    context.close()

    # Another browser, no cookie: an empty form.
    stranger, other = _reader(browser, live_server, open_story["url"])
    expect(other.locator(f"#comment-{reply_id}")).to_contain_text(REPLY)
    expect(other.locator("#author")).to_have_value("")
    expect(other.locator("#remember")).not_to_be_checked()
    stranger.close()
    assert errors == []


def test_with_javascript_a_held_comment_shows_the_notice_in_the_form(
        moderated_story, live_server, browser):
    from playwright.sync_api import expect

    context, page = _reader(browser, live_server, moderated_story["url"])
    page.evaluate("window.__marker = 1")
    page.fill("#author", NAME)
    page.fill("#email", EMAIL)
    answer = _send(page, FIRST, 201)
    assert answer["status"] == "held" and answer["html"] == ""
    expect(page.locator(".comment-form__message")).to_have_text(
        "Your comment is awaiting moderation.")
    expect(page.locator(".comment-form__message--held")).to_be_visible()
    expect(page.locator("#comment")).to_have_value("")
    expect(page.locator("#comments-heading")).to_have_text("No comments yet")
    expect(page.locator("#comments .comment")).to_have_count(0)
    assert _not_reloaded(page)
    assert [status for _, status, _ in _stored(FIRST)] == [Status.PENDING]
    # The box was left unticked: no cookie.
    assert "gazette_commenter" not in {c["name"] for c in context.cookies()}
    context.close()


def test_with_javascript_a_refused_post_keeps_the_text_and_says_why(
        flood_story, live_server, browser):
    from playwright.sync_api import expect

    context, page = _reader(browser, live_server, flood_story["url"])
    page.evaluate("window.__marker = 1")
    message = page.locator(".comment-form__message")

    # An address the browser's own check would stop, sent past it.
    page.evaluate("document.querySelector('#commentform').noValidate = true")
    page.fill("#author", NAME)
    page.fill("#email", "ada-at-example.org")
    answer = _send(page, FIRST, 400)
    assert "email" in answer["errors"]
    expect(message).to_have_text("Please check the form: your comment was not sent.")
    expect(page.locator(".comment-form__message--error")).to_be_visible()
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.locator("#email-error")).to_have_text(" ".join(answer["errors"]["email"]))
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#comment")).to_have_value(FIRST)
    expect(page.locator("#submit")).to_be_enabled()
    assert _stored(FIRST) == []

    # Corrected, it goes through; the error goes away.
    page.fill("#email", EMAIL)
    assert _send(page, FIRST, 201)["status"] == "published"
    expect(page.locator("#email-error")).to_be_hidden()
    expect(page.locator("#comments-heading")).to_have_text("1 comment")

    # At once another: flood control (60 s here) refuses it with 429; the text stays.
    second = "And another thing: the pumps were never tested in winter."
    answer = _send(page, second, 429)
    expect(message).to_contain_text("You are posting too quickly")
    expect(page.locator(".comment-form__message--error")).to_be_visible()
    expect(page.locator("#comment")).to_have_value(second)
    expect(page.locator("#comments-heading")).to_have_text("1 comment")
    assert answer["message"] in message.inner_text()
    assert _not_reloaded(page)
    assert _stored(second) == []
    context.close()


def test_without_javascript_a_post_goes_back_to_the_comment_on_the_page(
        open_story, live_server, browser):
    from playwright.sync_api import expect

    context, page = _reader(browser, live_server, open_story["url"], script=False)
    expect(page.locator("#comments-heading")).to_have_text("No comments yet")  # now cached
    # A returning commenter (KNOWN): without the script, a first comment would be held.
    page.fill("#author", "Regular Reader")
    page.fill("#email", KNOWN)
    page.fill("#comment", FIRST)
    with page.expect_navigation(timeout=WAIT_MS) as navigation:
        page.click("#submit")
    # The POST's 303 led back to the story, at the comment's anchor.
    redirect = navigation.value.request.redirected_from
    assert redirect is not None and redirect.method == "POST"
    assert redirect.response().status == 303
    [(comment_id, status, _)] = _stored(FIRST)
    assert status == Status.APPROVED
    assert page.url == f"{live_server.url}{open_story['url']}#comment-{comment_id}"
    expect(page.locator(f"#comment-{comment_id}")).to_contain_text(FIRST)
    expect(page.locator("#comments-heading")).to_have_text("1 comment")
    assert KNOWN not in page.content()
    context.close()


def test_without_javascript_a_held_comment_goes_to_the_authors_notice(
        moderated_story, live_server, browser):
    from playwright.sync_api import expect

    context, page = _reader(browser, live_server, moderated_story["url"], script=False)
    page.fill("#author", NAME)
    page.fill("#email", EMAIL)
    page.fill("#comment", FIRST)
    with page.expect_navigation(timeout=WAIT_MS) as navigation:
        page.click("#submit")
    assert navigation.value.request.redirected_from.response().status == 303
    assert "/comments/held/" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your comment is awaiting moderation")
    expect(page.locator(".held-notice__text")).to_have_text(FIRST)
    expect(page.locator(".held-notice")).to_contain_text(f"Thank you, {NAME}.")
    assert [status for _, status, _ in _stored(FIRST)] == [Status.PENDING]

    # Not on the story for anyone else.
    page.get_by_role("link", name="Storm barrier closes").click()
    expect(page.locator("#comments-heading")).to_have_text("No comments yet")
    assert FIRST not in page.content()
    context.close()

"""End to end: comments across every process of the real `gazette run` (two web workers).

The story's page is cached in both web workers before a reader comments; afterwards every fresh
connection, whichever worker answers it, shows the comment. A held comment approved by another
process (an operator's shell) is on the page for every reader at once too.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from gazette.tests.running import Site, running_site

pytestmark = [pytest.mark.services, pytest.mark.embedded,
              pytest.mark.xdist_group("site-comments")]

# Enough fresh connections that both web workers answer some of them.
READS = 12
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
# A person reads the story and writes: a form sent sooner than this counts against it.
WRITING_SECONDS = 9.0

SETUP = """
from django.contrib.auth import get_user_model
from gazette.news.testing import make_article, make_section
story = make_article(make_section("World"), title="Storm barrier closes", slug="barrier")
get_user_model().objects.create_superuser("chief", "chief@example.org", "a-long-password-1")
print("story", story.pk, story.url)
"""

MODERATION = """
from wagtail.models import Site
from gazette.comments.models import DiscussionSettings
rules = DiscussionSettings.for_site(Site.objects.get(is_default_site=True))
rules.moderation_mode = {mode!r}
rules.save()
"""

APPROVE = """
from django.contrib.auth import get_user_model
from gazette.comments.models import Comment
from gazette.comments.services import comment_moderate
changed = comment_moderate(comments=Comment.objects.filter(text={text!r}), action="approve",
                           by=get_user_model().objects.get(username="chief"))
print("approved", changed, Comment.objects.get(text={text!r}).status)
"""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


def request(site: Site, method: str, path: str, *, body: bytes | None = None,
            headers: dict[str, str] | None = None, source: str | None = None) -> Answer:
    """One request on a connection of its own (either worker may answer), from ``source``, a
    loopback address: flood control counts per address, as it would for distinct readers."""
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=60,
                                            source_address=(source, 0) if source else None)
    try:
        connection.request(method, path, body=body,
                           headers={"User-Agent": BROWSER, **(headers or {})})
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


@dataclass
class Story:
    id: int
    url: str


@pytest.fixture(scope="module")
def site(site_data) -> Iterator[Site]:
    with running_site(site_data("one-site-comments"), "--no-demo") as site:
        yield site


@pytest.fixture(scope="module")
def story(site: Site) -> Story:
    found = re.search(r"story (\d+) (\S+)", site.manage_shell(SETUP))
    assert found, "the story was made"
    return Story(int(found.group(1)), found.group(2))


def cached_everywhere(site: Site, story: Story) -> None:
    """The page read many times, so that both workers hold it (a stale copy would show)."""
    answers = [request(site, "GET", story.url) for _ in range(2 * READS)]
    assert {a.status for a in answers} == {200}
    assert [a.headers.get("x-page-cache") for a in answers[-READS:]] == ["hit"] * READS


def readers_see(site: Site, story: Story, text: str) -> int:
    """How many of READS fresh connections got the story's page with ``text`` on it."""
    seen = 0
    for _ in range(READS):
        answer = request(site, "GET", story.url)
        assert answer.status == 200
        seen += text in answer.body
    return seen


def comment_count(site: Site, story: Story) -> int:
    body = request(site, "GET", story.url).body
    found = re.search(r'id="comments-heading" data-count="(\d+)"', body)
    assert found, "the discussion's heading"
    return int(found.group(1))


def start_writing(site: Site, story: Story) -> tuple[dict[str, str], float]:
    """What a reader's browser holds when they start to write: the form's token from the
    (cached) page, and the script's own token, fetched as the form takes focus."""
    page = request(site, "GET", story.url).body
    token = re.search(r'<input type="hidden" name="token" value="([^"]+)"', page)
    action = re.search(r'<form class="comment-form" id="commentform" action="([^"]+)"', page)
    assert token and action, "the comment form is on the page"
    script = request(site, "GET", f"/comments/token/{story.id}/",
                     headers={"Accept": "application/json"})
    assert script.status == 200 and "no-cache" in script.headers["cache-control"]
    fields = {"token": html.unescape(token.group(1)), "action": html.unescape(action.group(1)),
              "js_token": script_token(script.body)}
    return fields, time.monotonic()


def script_token(body: str) -> str:
    value = json.loads(body)["token"]
    assert isinstance(value, str) and value
    return value


def post_comment(site: Site, form: dict[str, str], started: float, *, text: str, name: str,
                 email: str, source: str) -> Answer:
    """Send the form as a browser posts it, from this site's page (Origin), once the reader
    has had time to write."""
    time.sleep(max(0.0, started + WRITING_SECONDS - time.monotonic()))
    body = urllib.parse.urlencode({
        "comment": text, "author": name, "email": email, "url": "", "parent": "",
        "token": form["token"], "js_token": form["js_token"], "subject": "",
    }).encode()
    origin = f"http://127.0.0.1:{site.port}"
    return request(site, "POST", form["action"], body=body, source=source, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
        "Referer": origin + "/"})


def test_a_published_comment_is_on_the_page_in_every_worker_at_once(site, story):
    text = "The new barrier should have come years ago; my street floods every spring."
    site.manage_shell(MODERATION.format(mode="none"))
    form, started = start_writing(site, story)
    cached_everywhere(site, story)
    before = comment_count(site, story)
    assert readers_see(site, story, text) == 0

    answer = post_comment(site, form, started, text=text, name="Ada Newcomer",
                          email="ada@example.org", source="127.0.0.2")
    assert answer.status == 303, answer.body[:2000]
    found = re.fullmatch(rf"(?:http://[^/]+)?{re.escape(story.url)}#comment-(\d+)",
                         answer.headers["location"])
    assert found, answer.headers["location"]
    anchor = f'id="comment-{found.group(1)}"'

    assert readers_see(site, story, text) == READS
    assert readers_see(site, story, anchor) == READS
    assert comment_count(site, story) == before + 1
    assert "ada@example.org" not in request(site, "GET", story.url).body


def test_a_held_comment_approved_by_another_process_is_on_the_page_everywhere(site, story):
    text = "Agreed about the quay, though the pumps were never tested in winter."
    form, started = start_writing(site, story)
    site.manage_shell(MODERATION.format(mode="all"))
    cached_everywhere(site, story)
    before = comment_count(site, story)

    answer = post_comment(site, form, started, text=text, name="Ben Holder",
                          email="ben@example.org", source="127.0.0.3")
    assert answer.status == 303, answer.body[:2000]
    notice = answer.headers["location"]
    assert "/comments/held/" in notice
    held = request(site, "GET", notice)
    assert held.status == 200 and "awaiting moderation" in held.body and text in held.body
    assert readers_see(site, story, text) == 0
    cached_everywhere(site, story)

    out = site.manage_shell(APPROVE.format(text=text))
    assert "approved 1 approved" in out, out

    assert readers_see(site, story, text) == READS
    assert comment_count(site, story) == before + 1

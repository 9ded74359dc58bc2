"""The moderators' queues in the Wagtail admin: counts, filters, search, one comment's page."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from gazette.comments.models import Discussion, Status
from gazette.news.testing import make_article

from .admin_testing import QUEUE, ago, client_for, make_comment, moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod_client(django_user_model):
    return client_for(moderator(django_user_model))


def listed(response) -> list[int]:
    """The comment ids of the queue's rows, in order."""
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'data-comment-row="(\d+)"', response.content.decode())]


def test_each_queue_lists_its_comments_and_every_queue_is_counted(article, mod_client):
    pending = [make_comment(article, created_at=ago(hours=h)) for h in (3, 1)]
    approved = make_comment(article, status=Status.APPROVED)
    spam = [make_comment(article, status=Status.SPAM, text=f"cheap pills {n}") for n in range(3)]
    trash = make_comment(article, status=Status.TRASH)

    response = mod_client.get(QUEUE)
    # Pending first in, first out: the oldest waits longest.
    assert listed(response) == [pending[0].pk, pending[1].pk]
    html = response.content.decode()
    for status, count in (("pending", 2), ("approved", 1), ("spam", 3), ("trash", 1)):
        assert re.search(rf'data-queue="{status}"[^>]*>\s*\w+ <span class="w-status">{count}<',
                         html), status
    assert listed(mod_client.get(QUEUE, {"status": "approved"})) == [approved.pk]
    assert sorted(listed(mod_client.get(QUEUE, {"status": "spam"}))) == sorted(
        c.pk for c in spam)
    assert listed(mod_client.get(QUEUE, {"status": "trash"})) == [trash.pk]


def test_the_age_of_the_oldest_pending_comment_is_shown(article, mod_client):
    assert "Nothing is waiting" in mod_client.get(QUEUE).content.decode()
    make_comment(article, created_at=ago(hours=5, minutes=2))
    make_comment(article, created_at=ago(minutes=10))
    make_comment(article, status=Status.SPAM, created_at=ago(days=3))  # not pending
    html = mod_client.get(QUEUE).content.decode()
    assert re.search(r"oldest pending comment has waited 5\xa0hours", html), html


def test_moderators_see_email_ip_and_user_agent(article, mod_client):
    comment = make_comment(article, email="private@example.org", ip="198.51.100.23",
                           user_agent="Agent/9.9 Secret")
    queue = mod_client.get(QUEUE).content.decode()
    assert "private@example.org" in queue and "198.51.100.23" in queue
    detail = mod_client.get(f"{QUEUE}{comment.pk}/").content.decode()
    assert "Agent/9.9 Secret" in detail and "private@example.org" in detail


@pytest.mark.parametrize("filters, expected", [
    ({"name": "grace"}, {"grace"}),
    ({"email": "lovelace.org"}, {"ada"}),
    ({"ip": "192.0.2.55"}, {"grace"}),
    ({"q": "tides"}, {"other"}),                 # text
    ({"q": "Hopper"}, {"grace"}),                # name
    ({"q": "@lovelace"}, {"ada"}),               # email
    ({"date_from": "2031-01-10", "date_to": "2031-01-10"}, {"ada"}),
    ({"date_from": "2031-01-11"}, {"grace", "other"}),
    ({"name": "Grace", "ip": "203.0.113.9"}, set()),
])
def test_filters_and_search_narrow_the_queue(section, mod_client, filters, expected):
    first = make_article(section, title="First story", slug="first")
    second = make_article(section, title="Second story", slug="second")
    zone = timezone.get_current_timezone()
    ids = {
        "ada": make_comment(first, author="Ada", email="ada@lovelace.org", ip="192.0.2.1",
                            created_at=timezone.datetime(2031, 1, 10, 23, 30, tzinfo=zone)).pk,
        "grace": make_comment(first, author="Grace Hopper", email="grace@navy.example",
                              ip="192.0.2.55",
                              created_at=timezone.datetime(2031, 1, 11, 0, 30, tzinfo=zone)).pk,
        "other": make_comment(second, author="Other", email="o@example.org",
                              text="About the tides at the quay.",
                              created_at=timezone.datetime(2031, 1, 12, tzinfo=zone)).pk,
    }
    rows = set(listed(mod_client.get(QUEUE, filters)))
    assert rows == {ids[name] for name in expected}


def test_filter_by_article(section, mod_client):
    first = make_article(section, title="First story", slug="first")
    second = make_article(section, title="Second story", slug="second")
    mine = make_comment(first)
    make_comment(second)
    assert listed(mod_client.get(QUEUE, {"article": first.pk})) == [mine.pk]
    # The filters stay on when moving to another queue.
    html = mod_client.get(QUEUE, {"article": first.pk}).content.decode()
    assert f"?article={first.pk}&amp;status=approved" in html


@pytest.mark.parametrize("params", [
    {"status": "nonsense"}, {"page": "abc"}, {"page": "99999"}, {"page": "-1"},
    {"article": "abc"}, {"article": "-4"}, {"article": "99999999999999999999"},
    {"ip": "not-an-ip"}, {"ip": "999.1.1.1"}, {"date_from": "2031-13-45"},
    {"date_to": "yesterday"}, {"q": "x" * 5000}, {"q": "\x00nul"}, {"name": "<script>"},
    {"email": "%"}, {"q": "' OR 1=1 --"},
])
def test_bad_parameters_never_fail(article, mod_client, params):
    make_comment(article)
    response = mod_client.get(QUEUE, params)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</head>")[1].replace(
        "<script src=", "")


def test_pages_of_fifty(article, mod_client):
    comments = [make_comment(article, created_at=ago(minutes=200 - n)) for n in range(55)]
    assert listed(mod_client.get(QUEUE)) == [c.pk for c in comments[:50]]
    assert listed(mod_client.get(QUEUE, {"page": 2})) == [c.pk for c in comments[50:]]


def test_the_decision_trail_is_shown(article, mod_client):
    comment = make_comment(article, held_by="spam_defence", trail=[
        {"step": "flood", "outcome": "pass", "reason": "", "at": "2031-01-10T10:00:00+00:00"},
        {"step": "spam_defence", "outcome": "pending", "reason": "The filter is unsure.",
         "at": "2031-01-10T10:00:01+00:00", "score": 0.734,
         "reasons": ["many links for a short text", "new commenter"]},
        {"step": "moderator", "outcome": "trash", "by": "chief", "reason": "off topic",
         "at": "2031-01-10T11:00:00+00:00"},
        "not a dict", {"step": 5, "score": "high", "reasons": "not a list"},
    ])
    response = mod_client.get(f"{QUEUE}{comment.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-trail-step="spam_defence"' in html
    assert "The filter is unsure." in html and "0.73" in html
    assert "many links for a short text" in html and "new commenter" in html
    assert "moderator (chief)" in html and "off topic" in html
    assert html.count("data-trail-step=") == 4  # the malformed string entry is skipped


@pytest.mark.parametrize("path", ["999999/", "0/", "abc/", "999999/edit/", "-1/",
                                  "99999999999999999999999/"])
def test_unknown_comments_are_not_found(mod_client, path):
    assert mod_client.get(QUEUE + path).status_code == 404


def test_surge_banner_names_the_story(article, mod_client):
    make_comment(article)
    assert "data-surge-banner" not in mod_client.get(QUEUE).content.decode()
    Discussion.objects.create(article=article, surge_since=timezone.now())
    html = mod_client.get(QUEUE).content.decode()
    assert f'data-surge-banner="{article.pk}"' in html and article.title in html
    comment = make_comment(article)
    assert "Surge mode" in mod_client.get(f"{QUEUE}{comment.pk}/").content.decode()


def test_comment_text_is_shown_inert(article, mod_client):
    comment = make_comment(article, text='<script>alert(1)</script><img src=x onerror=y>',
                           author="<b>Bold</b>")
    for url in (QUEUE, f"{QUEUE}{comment.pk}/", f"{QUEUE}{comment.pk}/edit/"):
        html = mod_client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html, url
        assert "<b>Bold</b>" not in html, url


def test_keyboard_script_and_shortcut_buttons_are_on_the_queue(article, mod_client):
    make_comment(article)
    html = mod_client.get(QUEUE).content.decode()
    assert re.search(r'<script src="[^"]*comments/admin/moderation[.\w]*\.js"', html)
    for key in "ast":
        assert f'data-shortcut="{key}"' in html

"""The form as readers use it: without JavaScript (POST, 303) and with it (JSON), and every
kind of bad input: a clear message, the text kept, never a 500."""

from __future__ import annotations

import json
import time
from urllib.parse import unquote

import pytest
from django.test import Client

from gazette.comments import tokens
from gazette.comments.models import Comment, DiscussionOverride, Status
from gazette.news.testing import make_article

from .reader import KNOWN, form_data, known_commenter, open_to_all, post

pytestmark = pytest.mark.django_db

TEXT = "The quay has flooded three winters running; about time."


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def published(article, settings):
    settings.GAZETTE_PAGE_CACHE_ENABLED = False
    settings.GAZETTE_COMMENTS_FLOOD_SECONDS = 0
    open_to_all()
    known_commenter(article.get_parent())
    return article


def test_without_javascript_a_post_redirects_to_the_comment_on_the_page(published, client):
    response = post(client, published.pk, comment=TEXT, author="Ines Arroyo", email=KNOWN)
    assert response.status_code == 303
    comment = Comment.objects.get(author_name="Ines Arroyo")
    assert comment.status == Status.APPROVED
    assert response["Location"] == f"{published.url}#comment-{comment.pk}"
    html = client.get(published.url).content.decode()
    assert f'id="comment-{comment.pk}"' in html and TEXT in html
    assert "1 comment<" in html


def test_with_javascript_the_answer_is_json_with_the_comment(published, client):
    script = tokens.script_token(published.pk, time.time() - 40)
    response = post(client, published.pk, json=True, comment=TEXT, js_token=script)
    assert response.status_code == 201
    body = response.json()
    comment = Comment.objects.get(text=TEXT)
    assert body["status"] == "published" and body["anchor"] == f"comment-{comment.pk}"
    assert body["html"].startswith(f'<li class="comment" id="comment-{comment.pk}"')
    assert comment.script_ran and 35 < comment.seconds_to_submit < 60


def test_a_held_comment_shows_its_author_a_notice_with_their_text(article, client, settings):
    settings.GAZETTE_PAGE_CACHE_ENABLED = False
    response = post(client, article.pk, comment=TEXT)  # first-time commenter: held
    assert response.status_code == 303
    comment = Comment.objects.get(text=TEXT)
    assert comment.status == Status.PENDING
    assert response["Location"].startswith("/comments/held/")
    notice = client.get(response["Location"])
    assert notice.status_code == 200 and "no-store" in notice["Cache-Control"]
    assert "awaiting moderation" in notice.content.decode()
    assert TEXT in notice.content.decode()
    assert TEXT not in client.get(article.url).content.decode()
    forged = response["Location"].rstrip("/")[:-3] + "abc/"
    assert client.get(forged).status_code == 404
    assert client.get(f"/comments/held/{comment.pk}/").status_code == 404

    body = post(client, article.pk, json=True, comment=TEXT + " Again.").json()
    assert body["status"] == "held" and body["html"] == ""
    assert body["url"].startswith("/comments/held/")


def test_the_notice_of_a_comment_approved_since_leads_to_the_comment(article, client):
    response = post(client, article.pk, comment=TEXT)
    comment = Comment.objects.get(text=TEXT)
    Comment.objects.filter(pk=comment.pk).update(status=Status.APPROVED)
    later = client.get(response["Location"])
    assert later.status_code == 302 and later["Location"].endswith(f"#comment-{comment.pk}")


def test_a_reply_nests_under_its_parent(published, client):
    post(client, published.pk, comment="First!", email=KNOWN)
    parent = Comment.objects.get(text="First!")
    response = post(client, published.pk, comment="A reply to the first.", parent=parent.pk,
                    email=KNOWN)
    reply = Comment.objects.get(text="A reply to the first.")
    assert response.status_code == 303 and reply.parent_id == parent.pk
    html = client.get(published.url).content.decode()
    start = html.index(f'id="comment-{parent.pk}"')
    assert start < html.index('class="comment-children"') < html.index(f'id="comment-{reply.pk}"')


def test_remember_me_sets_a_first_party_cookie_only_when_ticked(published, client):
    response = post(client, published.pk, author="Ada", email="ada@example.org",
                    url="https://ada.example/")
    assert "gazette_commenter" not in response.cookies
    response = post(client, published.pk, remember="1", author="Ada", email="ada@example.org",
                    url="https://ada.example/")
    cookie = response.cookies["gazette_commenter"]
    assert cookie["samesite"] == "Lax" and int(cookie["max-age"]) == 365 * 24 * 3600
    assert json.loads(unquote(cookie.value)) == {"name": "Ada", "email": "ada@example.org",
                                                 "url": "https://ada.example/"}
    response = post(client, published.pk, author="Ada")  # unticked: forgotten
    assert response.cookies["gazette_commenter"]["max-age"] == 0


# --- Bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"email": "not-an-address"}, "email", "valid email address"),
    ({"email": ""}, "email", "not published"),
    ({"author": "   "}, "author", "give your name"),
    ({"comment": ""}, "comment", "type your comment"),
    ({"author": "n" * 246}, "author", "at most 245"),
    ({"email": "e" * 95 + "@x.org"}, "email", "at most 100"),
    ({"url": "https://example.org/" + "p" * 190}, "url", "at most 200"),
    ({"url": "javascript:alert(1)"}, "url", "http://"),
    ({"url": "ftp://example.org/"}, "url", "http://"),
    ({"comment": "c" * 65526}, "comment", "at most 65525"),
    ({"parent": "abc"}, "parent", "not on this story"),
])
def test_bad_fields_come_back_with_a_message_and_the_text_kept(published, client, fields, field,
                                                               message):
    comment = fields.pop("comment", TEXT)
    response = post(client, published.pk, comment=comment, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "Please check the form" in html
    assert f'id="{field}-error"' in html
    assert comment in html  # the text kept
    assert not Comment.objects.filter(article=published).exists()
    body = post(client, published.pk, json=True, comment=comment, **fields).json()
    assert field in body["errors"] and message in " ".join(body["errors"][field])


def test_the_longest_allowed_values_pass(published, client):
    response = post(client, published.pk, comment="c" * 65525, author="n" * 245,
                    email="e" * 88 + "@example.org", url="https://example.org/" + "p" * 180)
    assert response.status_code == 303
    assert Comment.objects.get(author_name="n" * 245).text == "c" * 65525


def test_a_reply_to_a_comment_of_another_story_is_refused(published, section, client):
    other = make_article(section, title="Another story", slug="another")
    post(client, other.pk, comment="Elsewhere.", email=KNOWN)
    foreign = Comment.objects.get(text="Elsewhere.")
    response = post(client, published.pk, comment=TEXT, parent=foreign.pk)
    assert response.status_code == 400
    html = response.content.decode()
    assert "not on this story" in html and TEXT in html
    assert post(client, published.pk, comment=TEXT, parent=999999).status_code == 400


def test_a_reply_beyond_the_depth_limit_is_refused(published, client):
    open_to_all(max_depth=2)
    post(client, published.pk, comment="Top.", email=KNOWN)
    top = Comment.objects.get(text="Top.")
    post(client, published.pk, comment="Second level.", parent=top.pk, email=KNOWN)
    second = Comment.objects.get(text="Second level.")
    response = post(client, published.pk, comment=TEXT, parent=second.pk)
    assert response.status_code == 400 and TEXT in response.content.decode()
    assert not Comment.objects.filter(text=TEXT).exists()
    html = client.get(published.url).content.decode()
    assert f'data-parent="{top.pk}"' in html and f'data-parent="{second.pk}"' not in html


def test_closed_comments_show_no_form_and_refuse_with_the_text_kept(published, client):
    DiscussionOverride.objects.create(page=published, closed=True)
    html = client.get(published.url).content.decode()
    assert "Comments are closed." in html and 'id="commentform"' not in html
    response = post(client, published.pk, comment=TEXT)
    assert response.status_code == 403
    page = response.content.decode()
    assert "closed" in page.lower() and TEXT in page and 'id="commentform"' not in page
    assert post(client, published.pk, json=True).status_code == 403


def test_an_unknown_or_unpublished_story_is_a_clear_404_with_the_text_kept(published, client):
    response = post(client, 987654, comment=TEXT)
    assert response.status_code == 404
    assert TEXT in response.content.decode() and "no longer published" in response.content.decode()
    published.unpublish()
    assert post(client, published.pk, comment=TEXT).status_code == 404
    assert post(client, published.pk, json=True).json()["message"]
    assert client.get(f"/comments/post/{published.pk}/").status_code == 405


# --- Cross-site posting and tokens ----------------------------------------------------------

@pytest.mark.parametrize(("header", "value", "status"), [
    ("HTTP_ORIGIN", "https://evil.example", 403),
    ("HTTP_ORIGIN", "null", 403),
    ("HTTP_REFERER", "https://evil.example/page", 403),
    ("HTTP_ORIGIN", "http://testserver", 303),
    ("HTTP_REFERER", "http://testserver/world/story/", 303),
])
def test_origin_or_referer_must_be_this_site(published, client, header, value, status):
    data = form_data(published.pk, comment=TEXT)
    response = client.post(f"/comments/post/{published.pk}/", data, **{header: value})
    assert response.status_code == status
    if status == 403:
        assert TEXT in response.content.decode()
        assert not Comment.objects.filter(article=published).exists()


def test_an_expired_or_forged_or_missing_page_token_is_refused_with_the_text(published, client):
    for token in (tokens.page_token(published.pk, time.time() - 8 * 24 * 3600),
                  tokens.page_token(published.pk + 1), "5:1700000000:forged", ""):
        response = post(client, published.pk, comment=TEXT, token=token)
        assert response.status_code == 400
        html = response.content.decode()
        assert "This form has expired; your comment is below, send it again" in html
        assert TEXT in html
        # The page sent back carries a fresh token: sending again works.
        fresh = html.split('name="token" value="')[1].split('"')[0]
        assert tokens.check_page_token(fresh, published.pk).valid
    assert not Comment.objects.filter(article=published).exists()


def test_a_replayed_script_token_is_evidence_not_a_pass(published, client, monkeypatch):
    from gazette.comments import services

    seen = []
    real = services.comment_submit
    monkeypatch.setattr(services, "comment_submit",
                        lambda **kw: seen.append(kw["evidence"]) or real(**kw))
    script = tokens.script_token(published.pk, time.time() - 30)
    post(client, published.pk, js_token=script)
    post(client, published.pk, js_token=script)
    post(client, published.pk, js_token="7:1:forged")
    assert [(e.script_ran, e.token_replayed) for e in seen] == [
        (True, False), (False, True), (False, False)]
    assert seen[0].ip_address and seen[0].rendered_at < time.time() - 25


def test_the_script_token_is_never_cached_and_needs_a_live_story(published, client):
    response = client.get(f"/comments/token/{published.pk}/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert tokens.check_script_token(response.json()["token"], published.pk).valid
    assert client.get("/comments/token/987654/").status_code == 404


def test_no_email_ip_or_user_agent_in_the_page_or_json(published, client):
    script = tokens.script_token(published.pk, time.time() - 30)
    body = client.post(f"/comments/post/{published.pk}/",
                       form_data(published.pk, email="secret.person@example.org",
                                 js_token=script),
                       REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="SecretAgent/9.9",
                       HTTP_ACCEPT="application/json").content.decode()
    comment = Comment.objects.get(article=published)
    page = client.get(published.url).content.decode()
    for public in (body, page):
        for private in ("secret.person", "203.0.113.77", "SecretAgent", comment.email_key):
            assert private not in public
    assert comment.ip_address == "203.0.113.77"

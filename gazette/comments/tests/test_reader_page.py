"""What readers see: threads, pages, order, badge, avatars, counts on cards, feeds, and the
page cache that keeps the whole article page, discussion and form included."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gazette.comments import text as comment_text
from gazette.comments.models import Comment, Discussion, Status
from gazette.comments.services import email_key

from .reader import KNOWN, form_data, known_commenter, open_to_all, post

pytestmark = pytest.mark.django_db


def make_comment(article, text="Words.", *, parent=None, status=Status.APPROVED, minutes=0,
                 email="someone@example.org", **fields):
    comment = Comment.objects.create(
        article=article, parent=parent, depth=parent.depth + 1 if parent else 1,
        author_name=fields.pop("author_name", "Someone"), author_email=email, text=text,
        html=comment_text.render(text), status=status, email_key=email_key(email),
        created_at=timezone.now() - timedelta(minutes=60 - minutes), **fields)
    comment.thread_id = parent.thread_id if parent else comment.pk
    comment.save(update_fields=["thread_id"])
    return comment


@pytest.fixture
def uncached(settings):
    settings.GAZETTE_PAGE_CACHE_ENABLED = False


def test_threads_pages_and_order(article, uncached):
    open_to_all(page_size=2, max_depth=3)
    tops = [make_comment(article, f"Top {n}.", minutes=n) for n in range(3)]
    reply = make_comment(article, "Reply.", parent=tops[0], minutes=10)
    deeper = make_comment(article, "Deeper.", parent=reply, minutes=11)
    too_deep = make_comment(article, "Too deep.", parent=deeper, minutes=12)
    make_comment(article, "Held reply.", parent=tops[0], status=Status.PENDING, minutes=13)
    client = Client()
    first = client.get(article.url).content.decode()
    assert first.index("Top 0.") < first.index("Reply.") < first.index("Top 1.")
    assert "Top 2." not in first and "Held reply." not in first
    assert "Page 1 of 2" in first and "?comments=2#comments" in first
    # Shown at the deepest level, beside its parent: no reply link beyond the limit.
    assert f'id="comment-{too_deep.pk}" data-level="3"' in first
    assert f'data-parent="{deeper.pk}"' not in first
    second = client.get(article.url + "?comments=2").content.decode()
    assert "Top 2." in second and "Top 0." not in second
    assert client.get(article.url + "?comments=<x>").status_code == 200

    open_to_all(page_size=2, order="newest")
    newest = client.get(article.url).content.decode()
    assert newest.index("Top 2.") < newest.index("Top 1.") and "Top 0." not in newest


def test_staff_badge_avatars_and_links_without_personal_data(article, uncached):
    staff = make_comment(article, "From the desk. https://example.org/x", is_staff=True,
                         email="editor@gazette.example", author_url="javascript:alert(1)")
    html = Client().get(article.url).content.decode()
    item = html[html.index(f'id="comment-{staff.pk}"'):]
    assert 'class="badge badge--staff"' in item[:2000]
    assert '<svg class="avatar"' in item[:2000] and "<img" not in item[:2000]
    assert 'rel="nofollow ugc noopener"' in item[:2000]
    assert "javascript:" not in html and "editor@gazette.example" not in html
    assert staff.email_key not in html and "gravatar" not in html.lower()
    assert f'href="#comment-{staff.pk}"' in html


def test_same_commenter_same_avatar_others_differ(article):
    from gazette.comments.avatars import identicon

    assert identicon(email_key("a@example.org")) == identicon(email_key("A@example.org "))
    assert identicon(email_key("a@example.org")) != identicon(email_key("b@example.org"))
    assert "circle" in identicon("")


def test_reply_link_without_javascript_sets_the_parent(article, uncached):
    top = make_comment(article, "Top.")
    html = Client().get(f"{article.url}?replytocom={top.pk}").content.decode()
    assert f'name="parent" id="comment_parent" value="{top.pk}"' in html
    assert "Leave a Reply<span class=\"respond__to\"> to Someone" in html
    bogus = Client().get(f"{article.url}?replytocom=99999").content.decode()
    assert 'id="comment_parent" value=""' in bogus


def test_surge_notice(article, uncached):
    Discussion.objects.create(article=article, approved_count=0, surge_since=timezone.now())
    assert "Many readers are commenting" in Client().get(article.url).content.decode()


def test_story_cards_show_counts_in_one_query(article, section, uncached,
                                              django_assert_max_num_queries):
    Discussion.objects.update_or_create(article=article, defaults={"approved_count": 3})
    html = Client().get(section.url).content.decode()
    assert '<span class="card__comments">3 comments</span>' in html
    from django.test import RequestFactory

    from gazette.comments.reader_hooks import card_comment_count

    request = RequestFactory().get("/")
    with django_assert_max_num_queries(1):
        for _ in range(20):
            card_comment_count(request, article)


def test_the_cached_page_shows_a_newly_published_comment(article, settings,
                                                         django_capture_on_commit_callbacks):
    settings.GAZETTE_PAGE_CACHE_ENABLED = True
    settings.GAZETTE_COMMENTS_FLOOD_SECONDS = 0
    open_to_all()
    known_commenter(article.get_parent())
    client = Client()
    assert client.get(article.url)["X-Page-Cache"] == "miss"
    cached = client.get(article.url)
    assert cached["X-Page-Cache"] == "hit" and 'id="commentform"' in cached.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, article.pk, comment="Fresh from the quay.", email=KNOWN)
    assert response.status_code == 303
    fresh = client.get(article.url)
    assert "Fresh from the quay." in fresh.content.decode()
    # The remembered-reader cookie does not take a reader out of the cache.
    client.cookies["gazette_commenter"] = "%7B%7D"
    assert client.get(article.url)["X-Page-Cache"] == "hit"


def test_feeds_carry_approved_comments_only_and_nothing_personal(article, uncached):
    shown = make_comment(article, "Visible words.", email="hidden@example.org",
                         ip_address="203.0.113.9", user_agent="SecretAgent/1")
    make_comment(article, "Pending words.", status=Status.PENDING)
    client = Client()
    for url in ("/comments/feed/rss/", "/comments/feed/atom/",
                f"/comments/feed/{article.pk}/rss/", f"/comments/feed/{article.pk}/atom/"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "Visible words." in body and "Pending words." not in body
        assert f"/comments/{shown.pk}/" in body
        for private in ("hidden@example.org", "203.0.113.9", "SecretAgent", shown.email_key):
            assert private not in body
    assert client.get("/comments/feed/json/").status_code == 404
    assert client.get("/comments/feed/987654/rss/").status_code == 404
    permalink = client.get(f"/comments/{shown.pk}/")
    assert permalink.status_code == 302 and permalink["Location"].endswith(f"#comment-{shown.pk}")


def test_feeds_are_page_cached_under_their_tags(article, settings):
    settings.GAZETTE_PAGE_CACHE_ENABLED = True
    from gazette.news.cache import page_cache_invalidate

    client = Client()
    url = f"/comments/feed/{article.pk}/rss/"
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"
    make_comment(article, "Late words.")
    assert "Late words." not in client.get(url).content.decode()  # made behind the services
    # A story's feed is cached under the story's page: what refreshes one refreshes the other.
    page_cache_invalidate([f"page:{article.pk}"])
    assert "Late words." in client.get(url).content.decode()
    site_url = "/comments/feed/rss/"
    assert client.get(site_url)["X-Page-Cache"] == "miss"
    assert client.get(site_url)["X-Page-Cache"] == "hit"
    page_cache_invalidate(["comments-feed"])
    assert client.get(site_url)["X-Page-Cache"] == "miss"


# Any Unicode but lone surrogates (which no HTTP client can send) and NUL-free or not.
anything = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
markup = st.sampled_from(["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
                          "javascript:alert(1)", "<b onclick=x>", "&lt;", "{{ 7*7 }}"])


@hypothesis_settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
@given(values=st.fixed_dictionaries({f: st.one_of(anything, markup, st.tuples(markup, anything)
                                                  .map("".join))
                                     for f in ("comment", "author", "email", "url", "parent",
                                               "subject", "js_token")}),
       as_json=st.booleans())
def test_any_input_never_a_500_nor_live_markup(article, settings, values, as_json):
    settings.GAZETTE_PAGE_CACHE_ENABLED = False
    settings.GAZETTE_COMMENTS_FLOOD_SECONDS = 0
    client = Client()
    response = client.post(f"/comments/post/{article.pk}/",
                           form_data(article.pk, **values),
                           **({"HTTP_ACCEPT": "application/json"} if as_json else {}))
    assert response.status_code in (201, 303, 400, 403, 409, 429)
    pages = [response.content.decode()]
    if response.status_code == 303 and "/held/" in response["Location"]:
        pages.append(client.get(response["Location"]).content.decode())
    Comment.objects.filter(article=article).update(status=Status.APPROVED)
    pages.append(client.get(article.url).content.decode())
    for page in pages:
        assert live_markup(page) == []


class _LiveMarkup(HTMLParser):
    """Script elements without src, event handler attributes, javascript: links, <b>/<img>."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = dict(attrs).get("type") or ""
        if tag == "script" and not dict(attrs).get("src") and "json" not in kind or tag == "b":
            self.found.append(tag)
        for name, value in attrs:
            link = name in ("href", "src", "action", "formaction")
            if name.startswith("on") or link and "javascript:" in (value or "").lower():
                self.found.append(f"{tag} {name}")


def live_markup(page: str) -> list[str]:
    parser = _LiveMarkup()
    parser.feed(page)
    return parser.found

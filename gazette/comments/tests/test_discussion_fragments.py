"""The discussion rendered without a template per comment: the same markup as
``comments/comment.html``, kept in the shared cache and refreshed in every process when the
story's discussion changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from gazette.comments import text as comment_text
from gazette.comments.fragments import comment_html
from gazette.comments.models import Comment, Discussion, Status
from gazette.comments.reader_hooks import PAGE_PARAMETER
from gazette.comments.rules import DiscussionRules
from gazette.comments.selectors import CommentNode
from gazette.comments.services import comment_moderate, email_key

from .reader import open_to_all

NAMES = ["Ada", '<script>alert("x")</script> & "Bo"', "Ça va l'été", ""]
URLS = ["", "https://example.org/a?b=1&c=<2>", "javascript:alert(1)", "http://x.test/\""]
TEXTS = ["Plain words.", "Two\n\nparagraphs with https://example.net/x?y=1&z=2 <b>bold</b>"]


def _comment(pk: int, n: int, *, staff: bool = False) -> Comment:
    text = TEXTS[n % len(TEXTS)]
    return Comment(pk=pk, article_id=1, depth=1, author_name=NAMES[n % len(NAMES)],
                   author_url=URLS[n % len(URLS)], text=text, html=comment_text.render(text),
                   is_staff=staff, email_key=email_key(f"r{n % 3}@example.org") if n % 4 else "",
                   created_at=datetime(2026, 3, 7 + n, 9, 5 + n, 30, tzinfo=UTC))


def _tree() -> list[CommentNode]:
    top = CommentNode(_comment(10, 0), 1)
    staff = CommentNode(_comment(11, 1, staff=True), 2, host=top)
    deep = CommentNode(_comment(12, 2), 3, host=staff)
    beside = CommentNode(_comment(13, 3), 3, host=staff)
    staff.replies = [deep, beside]
    top.replies = [staff]
    return [top, CommentNode(_comment(14, 5), 1)]


@pytest.mark.parametrize("closed", [False, True])
@pytest.mark.parametrize("number", [1, 3])
@pytest.mark.parametrize("max_depth", [1, 3, 5])
def test_each_comment_as_the_template_renders_it(closed, number, max_depth, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"  # the date as readers read it, not UTC
    rules = DiscussionRules(max_depth=max_depth)
    for node in _tree():
        expected = render_to_string("comments/comment.html", {
            "node": node, "rules": rules, "closed": closed, "page_parameter": PAGE_PARAMETER,
            "discussion": {"number": number}})
        fast = comment_html(node, closed=closed, max_depth=max_depth, number=number,
                            page_parameter=PAGE_PARAMETER)
        assert fast == expected


def _approved(article, text, *, minutes=0, parent=None):
    comment = Comment.objects.create(
        article=article, parent=parent, depth=parent.depth + 1 if parent else 1,
        thread_id=parent.pk if parent else None, author_name="Reader",
        author_email="reader@example.org", text=text, html=comment_text.render(text),
        status=Status.APPROVED, email_key=email_key("reader@example.org"),
        created_at=timezone.now() - timedelta(minutes=60 - minutes))
    return comment


@pytest.mark.django_db
def test_the_kept_discussion_follows_moderation_in_every_process(
        article, settings, admin_user, django_capture_on_commit_callbacks):
    settings.GAZETTE_PAGE_CACHE_ENABLED = False  # the discussion's own cache only
    open_to_all()
    top = _approved(article, "The first word.")
    reply = _approved(article, "A reply in the thread.", parent=top, minutes=1)
    held = Comment.objects.create(
        article=article, parent=top, thread_id=top.pk, depth=2, author_name="Later",
        text="Held a while.", html=comment_text.render("Held a while."),
        status=Status.PENDING, created_at=timezone.now())
    client = Client()
    first = client.get(article.url).content.decode()
    assert "The first word." in first and f'id="comment-{reply.pk}"' in first
    assert "Held a while." not in first

    # Written behind the pipeline's back: the kept discussion is served as it was.
    Comment.objects.filter(pk=reply.pk).update(html="<p>Changed quietly.</p>")
    assert "Changed quietly." not in client.get(article.url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        comment_moderate(comments=[held], action="approve", by=admin_user)
    after = client.get(article.url).content.decode()
    assert "Held a while." in after and "Changed quietly." in after
    assert after.index("The first word.") < after.index("Held a while.")
    assert Discussion.objects.get(article=article).approved_count == 3
    assert "3 comments" in after

    with django_capture_on_commit_callbacks(execute=True):
        comment_moderate(comments=[held], action="spam", by=admin_user)
    assert "Held a while." not in client.get(article.url).content.decode()


@pytest.mark.django_db
def test_a_kept_discussion_costs_no_comment_query(article, settings):
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from gazette.comments.reader_hooks import discussion_html

    open_to_all()
    _approved(article, "Kept once.")
    request = RequestFactory().get(article.url)
    with CaptureQueriesContext(connection) as first:
        assert "Kept once." in discussion_html(request, article)
    with CaptureQueriesContext(connection) as second:
        assert "Kept once." in discussion_html(request, article)
    tables = ('"comments_comment"', '"comments_discussion"')
    assert any(t in q["sql"] for q in first.captured_queries for t in tables)
    # The rules are resolved again inside a test's transaction (never kept from one).
    assert not [q["sql"] for q in second.captured_queries if any(t in q["sql"] for t in tables)]

"""Arbitrary Unicode and markup in every field a reader (or a bot) controls: the pipeline never
raises, and what it stores renders no live markup."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gazette.comments.models import Comment
from gazette.comments.services import Accepted, CommentInput, FormEvidence, Refused, comment_submit

from .pipeline_helpers import (
    fresh_engine,  # noqa: F401 (autouse)
    site_rules,
)

pytestmark = pytest.mark.django_db

MARKUP = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<a href=\"javascript:x()\">",
    "</p><iframe src=//evil.example>", "\"><svg onload=alert(1)>", "www.example.org\"onclick=x",
    "https://example.org/<b>bold</b>", "&lt;script&gt;", "<!--", "]]>", "\x00", "\u202e",
    "\r\n\r\n", "http://", "<p>", "<br>", "{% csrf_token %}", "{{ request }}", "'; DROP TABLE",
]
pieces = st.one_of(st.text(max_size=40), st.sampled_from(MARKUP))
field = st.lists(pieces, max_size=6).map("".join)

TAG = re.compile(r"<\s*(/?)\s*([^\s>/]*)([^>]*)>")
ALLOWED_A = re.compile(r'^ href="https?://[^"<>\s]*" rel="nofollow ugc noopener"$')


def assert_inert(html: str) -> None:
    assert "<script" not in html.lower()
    for closing, name, attributes in TAG.findall(html):
        assert name in ("p", "br", "a"), html
        if name == "a" and not closing:
            assert ALLOWED_A.match(attributes), html
        elif name != "a" or closing:
            assert attributes.strip() == "", html


@pytest.fixture
def open_article(article, settings):
    settings.GAZETTE_COMMENTS_FLOOD_SECONDS = 0
    site_rules(moderation_mode="none")
    return article


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(author=field, email=field, text=field, url=field, user_agent=field, referrer=field,
       honeypot=st.one_of(st.just(""), field), ip=st.one_of(st.none(), field,
                                                            st.ip_addresses().map(str)),
       parent=st.one_of(st.none(), st.integers(min_value=-2**63, max_value=2**63 - 1)),
       rendered=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)))
def test_any_input_is_stored_inert_or_refused(open_article, author, email, text, url,
                                              user_agent, referrer, honeypot, ip, parent,
                                              rendered):
    entry = CommentInput(author=author, email=email, text=text, url=url, parent_id=parent)
    evidence = FormEvidence(ip_address=ip, user_agent=user_agent, referrer=referrer,
                            honeypot=honeypot, rendered_at=rendered,
                            submitted_at=None if rendered is None else 1.7e9,
                            token_valid=rendered is not None, script_ran=bool(text))
    result = comment_submit(article=open_article, entry=entry, evidence=evidence)
    assert isinstance(result, Accepted | Refused)
    if isinstance(result, Accepted):
        stored = Comment.objects.get(pk=result.comment.pk)
        assert_inert(stored.html)
        assert "\x00" not in stored.text + stored.author_name + stored.author_email
        assert len(stored.author_name) <= 245 and len(stored.author_url) <= 200


@pytest.mark.parametrize("where", ["author", "email", "url", "user_agent", "referrer",
                                   "honeypot"])
def test_a_nul_in_any_field_is_no_error_on_any_database(open_article, where):
    # PostgreSQL refuses NUL in every text parameter, in a lookup as much as in a write:
    # the duplicate check once asked the database with the raw name (found by the fuzz test
    # above, on PostgreSQL only).
    fields = {"author": "Ada", "email": "ada@example.org", "url": "", "user_agent": "Firefox",
              "referrer": "", "honeypot": ""}
    fields[where] = fields[where] + "\x00x"
    entry = CommentInput(author=fields["author"], email=fields["email"], url=fields["url"],
                         text=f"A fair point about the barrier ({where}).")
    evidence = FormEvidence(ip_address="203.0.113.9", user_agent=fields["user_agent"],
                            referrer=fields["referrer"], honeypot=fields["honeypot"],
                            rendered_at=1.7e9 - 30, submitted_at=1.7e9, token_valid=True,
                            script_ran=True)
    first = comment_submit(article=open_article, entry=entry, evidence=evidence)
    assert isinstance(first, Accepted)
    stored = Comment.objects.get(pk=first.comment.pk)
    assert "\x00" not in stored.author_name + stored.author_email + stored.user_agent
    if where == "honeypot":
        assert stored.status == "spam"  # a filled honeypot stays filled
    again = comment_submit(article=open_article, entry=entry, evidence=evidence)
    assert isinstance(again, Refused) and again.status == 409  # found as its duplicate

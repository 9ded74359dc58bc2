"""Reading Akismet's form bodies: the same fields and values as Django's QueryDict."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from django.core.exceptions import BadRequest, TooManyFieldsSent
from django.http import QueryDict
from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from gazette.antispam.akismet import protocol
from gazette.antispam.tests.helpers import wordpress_request

names = st.one_of(st.sampled_from(["comment_content", "comment_context[]", "a+b", "x%20y", ""]),
                  st.text(max_size=12))
values = st.one_of(st.text(max_size=30), st.sampled_from(["", "%", "%zz", "a+b", "%E2%82", "=",
                                                          "%C3%A9", "\x00"]))
# Raw bodies too, not only what urlencode makes: stray separators, bare names, broken escapes.
raw_bodies = st.lists(
    st.tuples(st.text(alphabet="ab=&+%;E9C3x ", max_size=8), st.booleans()), max_size=12
).map(lambda parts: "&".join(p if keep else p.replace("=", "") for p, keep in parts))


def assert_same_as_querydict(body: str | bytes) -> None:
    fields = protocol.read_form(body if isinstance(body, bytes) else body.encode())
    expected = QueryDict(body, encoding="utf-8")
    assert list(fields) == list(expected)
    for name in expected:
        assert name in fields
        assert fields.getlist(name) == expected.getlist(name)
        assert fields.get(name) == expected.get(name)
    assert fields.get("absent-field") is None and fields.getlist("absent-field") == []
    assert bool(fields) == bool(expected)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(form=st.lists(st.tuples(names, values), max_size=15))
def test_encoded_forms_read_like_querydict(form):
    assert_same_as_querydict(urlencode(form))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(body=raw_bodies)
def test_raw_bodies_read_like_querydict(body):
    assert_same_as_querydict(body)


def test_latin1_bodies_and_broken_escapes_read_like_querydict():
    assert_same_as_querydict("comment_content=caf\xe9&x=1".encode("latin-1"))
    assert_same_as_querydict("comment_content=%E2%82&a=%zz&b=%&c")
    assert_same_as_querydict(urlencode(wordpress_request("0123456789ab", extra_fields=300),
                                       doseq=True))


def test_the_body_overrides_the_query_string_field_by_field():
    request = RequestFactory().post(
        "/akismet/1.1/comment-check?api_key=fromquery&blog=http%3A%2F%2Fq.example&only=q",
        "blog=" + quote("http://body.example") + "&comment_context[]=a&comment_context[]=b",
        content_type="application/x-www-form-urlencoded",
    )
    data = protocol.params(request)
    assert data.get("api_key") == "fromquery" and data.get("only") == "q"
    assert data.get("blog") == "http://body.example"
    assert data.getlist("comment_context[]") == ["a", "b"]
    assert sorted(data) == ["api_key", "blog", "comment_context[]", "only"]
    assert protocol.submission_from(data).context == ("a", "b")


def test_too_many_fields_is_refused_like_django(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = "&".join(f"f{i}=x" for i in range(6)).encode()
    with pytest.raises(TooManyFieldsSent):
        protocol.read_form(body)
    with pytest.raises(TooManyFieldsSent):
        QueryDict(body)
    protocol.read_form(body[: body.rindex(b"&")])  # five fields are within the limit


def test_a_form_body_in_another_charset_is_a_bad_request():
    request = RequestFactory().post(
        "/akismet/1.1/comment-check", b"blog=x",
        content_type="application/x-www-form-urlencoded; charset=latin-1",
    )
    with pytest.raises(BadRequest):
        protocol.params(request)


def test_other_bodies_are_never_parsed():
    # Multipart is never read as fields (views refuse a non-empty one before reading it).
    request = RequestFactory().post("/akismet/1.1/comment-check?only=q",
                                    {"comment_content": "hello", "blog": "http://b.example"})
    data = protocol.params(request)
    assert isinstance(data, QueryDict)
    assert data.get("comment_content") is None and data.get("only") == "q"

"""Whatever arrives, the API answers without a server error."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gazette.antispam.tests.helpers import BLOG, form_post

pytestmark = pytest.mark.django_db

ENDPOINTS = ["1.1/verify-key", "1.1/comment-check", "1.1/submit-spam", "1.1/submit-ham",
             "1.1/test", "1.2/usage-limit", "1.2/key-sites", "1.1/get-subscription",
             "1.1/get-stats", "1.1/deactivate", "1.1/token", "1.2/compatible-plugins"]
FIELDS = ["api_key", "key", "blog", "user_ip", "user_agent", "referrer", "permalink",
          "comment_type", "comment_author", "comment_author_email", "comment_author_url",
          "comment_content", "comment_date_gmt", "comment_post_modified_gmt", "blog_lang",
          "blog_charset", "user_role", "honeypot_field_name", "recheck_reason",
          "comment_context[]", "is_test", "guid", "format", "month", "order", "limit",
          "offset", "filter", "from"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
ALLOWED = {200, 400, 405, 413, 415}

texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "1", "true", "0", "csv", "2024-13", "-1", "99999999999999999999",
                     "2024-05-01 10:00:00", "::1", "999.1.1.1", "administrator", "x" * 300,
                     "akismet-guaranteed-spam", "\x00", "\ud7ff\ufffd", BLOG]),
    st.builds(lambda chunk, n: chunk * n, st.text(min_size=1, max_size=5),
              st.integers(1000, 60_000)),
)
forms = st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=20)),
                        st.one_of(texts, st.lists(texts, max_size=3)), max_size=25)

FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(response) -> None:
    assert response.status_code in ALLOWED, (response.status_code, response.content[:300])


@FUZZ
@given(endpoint=st.sampled_from(ENDPOINTS), method=st.sampled_from(METHODS), form=forms,
       valid_key=st.booleans())
def test_random_forms(client, api_key, endpoint, method, form, valid_key):
    if valid_key:
        form = {**form, "api_key": api_key.key, "blog": BLOG}
        if "user_ip" not in form:
            form["user_ip"] = "203.0.113.5"
    body = urlencode(form, doseq=True)
    if method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        response = client.generic(method, f"/akismet/{endpoint}?{body}")
    else:
        response = client.generic(method, f"/akismet/{endpoint}", body,
                                  content_type="application/x-www-form-urlencoded")
    _check(response)


@FUZZ
@given(endpoint=st.sampled_from(ENDPOINTS), body=st.binary(max_size=2000),
       content_type=st.sampled_from([
           "application/x-www-form-urlencoded", "multipart/form-data",
           "multipart/form-data; boundary=xyz", "application/json", "text/plain", "",
           "application/x-www-form-urlencoded; charset=latin-1",
           "application/x-www-form-urlencoded; charset=bogus",
       ]),
       query=st.binary(max_size=200))
def test_random_bytes(client, api_key, endpoint, body, content_type, query):
    from urllib.parse import quote_from_bytes

    path = f"/akismet/{endpoint}?api_key={api_key.key}&{quote_from_bytes(query, safe='=&')}"
    _check(client.generic("POST", path, body, content_type=content_type))


def test_huge_and_numerous_fields(client, api_key):
    huge = {"api_key": api_key.key, "blog": BLOG, "user_ip": "203.0.113.5",
            "comment_content": "spam " * 400_000}
    _check(form_post(client, "/akismet/1.1/comment-check", huge))
    numerous = {f"field{i}": "x" for i in range(12_000)}
    _check(form_post(client, "/akismet/1.1/comment-check", {**numerous, "api_key": api_key.key}))
    long_text = {"api_key": api_key.key, "blog": BLOG, "user_ip": "203.0.113.5",
                 "comment_content": "word " * 60_000}  # past MAX_CONTENT, within the body limit
    response = form_post(client, "/akismet/1.1/comment-check", long_text)
    assert response.status_code == 200 and response.content in (b"true", b"false")

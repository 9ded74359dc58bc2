"""The API's boundaries: bodies refused from their headers, reports scoped to their key."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory

from gazette.antispam import keys
from gazette.antispam.akismet import views
from gazette.antispam.models import LabelledExample, RecentSubmission, UsageCount
from gazette.antispam.tests.helpers import BLOG, FORM, HAM_TEXTS, SPAM_TEXTS, comment, form_post

pytestmark = pytest.mark.django_db

FIFTY_MB = 50 * 1024 * 1024


class CountingInput(io.RawIOBase):
    """A request body of ``size`` bytes that counts what is read of it."""

    def __init__(self, size: int, chunk: bytes = b"x") -> None:
        self.size, self.chunk, self.read_bytes = size, chunk, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = (self.chunk * (n // len(self.chunk) + 1))[:n]
        self.read_bytes += n
        return n


def raw_request(path: str, content_type: str, body: CountingInput, length: int) -> WSGIRequest:
    environ = RequestFactory()._base_environ(
        REQUEST_METHOD="POST", PATH_INFO=path, CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(length), **{"wsgi.input": body},
    )
    return WSGIRequest(environ)


@pytest.mark.parametrize("view", [views.comment_check, views.submit_spam, views.verify_key,
                                  views.usage_limit, views.token])
def test_a_multipart_upload_is_refused_unread(view):
    # No key at all: the upload is refused before anything looks for one.
    body = CountingInput(FIFTY_MB)
    request = raw_request("/akismet/1.1/comment-check",
                          "multipart/form-data; boundary=xyz", body, FIFTY_MB)
    response = view(request)
    assert response.status_code == 415
    assert "x-www-form-urlencoded" in response["X-akismet-debug-help"]
    assert body.read_bytes == 0


def test_an_oversized_form_is_refused_unread(api_key, settings):
    body = CountingInput(FIFTY_MB, b"comment_content=spam&")
    request = raw_request("/akismet/1.1/comment-check", FORM, body, FIFTY_MB)
    response = views.comment_check(request)
    assert response.status_code == 413 and body.read_bytes == 0
    assert response["X-akismet-debug-help"] == "Bodies are limited to 524288 bytes"
    settings.GAZETTE_AKISMET_MAX_BODY = 1000
    small = urlencode(comment(api_key.key, comment_content="a" * 1000)).encode()
    body = CountingInput(len(small), small)
    assert views.comment_check(
        raw_request("/akismet/1.1/comment-check", FORM, body, len(small))).status_code == 413
    assert body.read_bytes == 0 and not UsageCount.objects.exists()


def test_bodies_within_the_limit_are_answered(client, api_key, settings):
    settings.GAZETTE_AKISMET_MAX_BODY = 2000
    data = comment(api_key.key)
    assert len(urlencode(data)) < 2000
    assert form_post(client, "/akismet/1.1/comment-check", data).content == b"false"
    # What the Django test client sends by default is multipart: refused, even when small.
    assert client.post("/akismet/1.1/comment-check", data).status_code == 415
    # An empty body with any type is nothing to read: the query string is used.
    response = client.post(f"/akismet/1.1/verify-key?key={api_key.key}&blog={BLOG}", b"",
                           content_type="multipart/form-data; boundary=xyz")
    assert response.content == b"valid"


def test_a_guid_finds_only_its_own_keys_checks(client):
    first = keys.key_create(name="A")
    second = keys.key_create(name="B")
    check = form_post(client, "/akismet/1.1/comment-check",
                      comment(first.key, comment_content=SPAM_TEXTS[0]))
    guid = check["X-akismet-guid"]
    verdict = check["X-Gazette-Verdict"]
    assert verdict in ("ham", "hold")  # so that a spam report of it counts as missed spam
    # Key B reports a different comment with A's guid: it must not find A's check.
    other = comment(second.key, comment_content=HAM_TEXTS[3], comment_author="Bo",
                    user_ip="198.51.100.4", guid=guid)
    assert form_post(client, "/akismet/1.1/submit-spam", other).status_code == 200
    reported = LabelledExample.objects.get(api_key=second)
    assert reported.checked_as == ""
    assert not UsageCount.objects.filter(api_key=second, missed_spam__gt=0).exists()
    # Key B sending A's exact comment does not find A's check by its fields either.
    same = comment(second.key, comment_content=SPAM_TEXTS[0], guid=guid)
    form_post(client, "/akismet/1.1/submit-spam", same)
    assert LabelledExample.objects.filter(api_key=second).latest("id").checked_as == ""
    # Key A's own report with its guid finds its check.
    own = comment(first.key, comment_content="not the same text at all", guid=guid)
    form_post(client, "/akismet/1.1/submit-spam", own)
    assert LabelledExample.objects.get(api_key=first).checked_as == verdict
    assert UsageCount.objects.get(api_key=first).missed_spam == 1
    assert RecentSubmission.objects.count() == 1

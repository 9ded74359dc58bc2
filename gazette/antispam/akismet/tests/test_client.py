"""The reference client, the ``akismet`` package, against Gazette in-process (WSGI)."""

from __future__ import annotations

import asyncio

import akismet
import httpx
import pytest

from gazette.antispam.akismet.client import gazette_async_http_client, gazette_http_client
from gazette.antispam.models import LabelledExample
from gazette.antispam.tests.helpers import BLOG, HAM_TEXTS
from gazette.wsgi import application

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_test_connection")]


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes database connections after each request, as it should in
    production; here that would close the test's transaction (Django's test client does the
    same as this)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def sync_client(key: str, url: str = BLOG) -> akismet.SyncClient:
    http = gazette_http_client("http://testserver/akismet", api_key=key,
                               transport=httpx.WSGITransport(app=application))
    return akismet.SyncClient(config=akismet.Config(key=key, url=url), http_client=http)


def test_sync_client_end_to_end(api_key, django_capture_on_commit_callbacks):
    client = akismet.SyncClient.validated_client(
        config=akismet.Config(key=api_key.key, url=BLOG),
        http_client=gazette_http_client("http://testserver/akismet", api_key=api_key.key,
                                        transport=httpx.WSGITransport(app=application)),
    )
    assert client.verify_key()
    assert not client.verify_key("0123456789ab", BLOG)
    comment = {"comment_content": HAM_TEXTS[2], "comment_author": "Ann Reader",
               "comment_type": "comment", "user_agent": "Mozilla/5.0"}
    assert client.comment_check("203.0.113.9", **comment) == akismet.CheckResponse.HAM
    assert client.comment_check(
        "203.0.113.9", comment_author="akismet-guaranteed-spam", comment_content="x"
    ) == akismet.CheckResponse.SPAM
    assert client.comment_check(
        "203.0.113.9", comment_content="hi", honeypot_field_name="trap"
    ) == akismet.CheckResponse.HAM
    assert client.comment_check(
        "203.0.113.9", user_role="administrator", comment_content="hi", is_test=True
    ) == akismet.CheckResponse.HAM
    with django_capture_on_commit_callbacks(execute=True):
        assert client.submit_spam("203.0.113.9", **comment) is True
        assert client.submit_ham("203.0.113.10", comment_content=HAM_TEXTS[3]) is True
        assert client.submit_ham("203.0.113.10", comment_content="test", is_test=True) is True
    assert LabelledExample.objects.count() == 2
    assert LabelledExample.objects.filter(label="spam", checked_as="ham").count() == 1

    usage = client.usage_limit()
    assert usage == {"limit": "none", "usage": 3, "percentage": "0", "throttled": False}
    sites = client.key_sites()
    month = next(k for k in sites if k not in ("limit", "offset", "total"))
    assert sites[month][0]["site"] == "blog.example.org"
    assert sites[month][0]["missed_spam"] == "1"
    csv_text = client.key_sites(result_format="csv")
    assert csv_text.startswith(f"Active sites for {api_key.key} during {month}")


def test_the_discard_tip_reaches_the_client(api_key):
    client = sync_client(api_key.key)
    verdict = client.comment_check("203.0.113.9", comment_content="Visit my site " + " ".join(
        f"http://spam{i}.example.com/" for i in range(20)))
    assert verdict == akismet.CheckResponse.DISCARD


def test_client_errors(api_key):
    with pytest.raises(akismet.APIKeyError):
        akismet.SyncClient.validated_client(
            config=akismet.Config(key="0123456789ab", url=BLOG),
            http_client=gazette_http_client("http://testserver/akismet",
                                            transport=httpx.WSGITransport(app=application)),
        )
    with pytest.raises(akismet.APIKeyError):
        sync_client("0123456789ab").comment_check("203.0.113.9", comment_content="hi")
    with pytest.raises(akismet.ProtocolError, match='Empty "user_ip" value'):
        sync_client(api_key.key).comment_check("", comment_content="hi")


def test_async_client_requests_are_rewritten_too():
    # Django's database work runs in another thread under ASGI, where this test's transaction
    # is invisible, so the async transport is checked on its own.
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url} {request.content.decode()}")
        return httpx.Response(200, text="valid")

    async def run() -> bool:
        http = gazette_async_http_client("https://news.example.org/akismet",
                                         transport=httpx.MockTransport(handler))
        client = akismet.AsyncClient(config=akismet.Config(key="0123456789ab", url=BLOG),
                                     http_client=http)
        return await client.verify_key()

    assert asyncio.run(run()) is True
    assert seen == ["https://news.example.org/akismet/1.1/verify-key "
                    "key=0123456789ab&blog=https%3A%2F%2Fblog.example.org"]


def test_requests_for_other_hosts_are_left_alone():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, text="ok")

    http = gazette_http_client("https://news.example.org/akismet",
                               transport=httpx.MockTransport(handler))
    http.post("https://rest.akismet.com/1.1/comment-check?x=1", data={"a": "b"})
    http.post("https://0123456789ab.rest.akismet.com/1.1/submit-ham", data={"a": "b"})
    http.get("https://example.com/elsewhere")
    assert seen == [
        "https://news.example.org/akismet/1.1/comment-check?x=1",
        "https://news.example.org/akismet/1.1/submit-ham",
        "https://example.com/elsewhere",
    ]

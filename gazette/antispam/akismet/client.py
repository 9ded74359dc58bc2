"""Point the ``akismet`` Python package (or any httpx user) at Gazette instead of Akismet.

The ``akismet`` package always requests absolute URLs (``https://rest.akismet.com/1.1/...``),
so an httpx ``base_url`` alone changes nothing; its requests are rewritten in the transport::

    import akismet
    from gazette.antispam.akismet.client import gazette_http_client

    client = akismet.SyncClient.validated_client(
        config=akismet.Config(key="0123456789ab", url="https://blog.example.org"),
        http_client=gazette_http_client("https://news.example.org/akismet",
                                        api_key="0123456789ab"),
    )

``api_key`` is sent as a default query parameter because the package's ``key_sites()`` sends
no key of its own. This module needs only httpx; copy it into a project that does not
install Gazette.
"""

from __future__ import annotations

from typing import TypedDict

import httpx

AKISMET_HOST = "rest.akismet.com"


def _is_akismet(url: httpx.URL) -> bool:
    host = url.host.lower()
    return host == AKISMET_HOST or host.endswith("." + AKISMET_HOST)


def _rewrite(request: httpx.Request, base: httpx.URL) -> None:
    """Send a request for Akismet to ``base``, keeping its path, query string and body."""
    if not _is_akismet(request.url):
        return
    request.url = request.url.copy_with(
        scheme=base.scheme,
        host=base.host,
        port=base.port,
        path=base.path.rstrip("/") + request.url.path,
    )
    request.headers["Host"] = base.netloc.decode("ascii")


class GazetteTransport(httpx.BaseTransport):
    def __init__(self, base_url: str, transport: httpx.BaseTransport | None = None) -> None:
        self.base = httpx.URL(base_url)
        self.transport = transport or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _rewrite(request, self.base)
        return self.transport.handle_request(request)

    def close(self) -> None:
        self.transport.close()


class AsyncGazetteTransport(httpx.AsyncBaseTransport):
    def __init__(self, base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base = httpx.URL(base_url)
        self.transport = transport or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _rewrite(request, self.base)
        return await self.transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self.transport.aclose()


class _ClientOptions(TypedDict):
    params: dict[str, str] | None
    headers: dict[str, str]
    timeout: float


def _defaults(api_key: str | None, timeout: float) -> _ClientOptions:
    try:
        from akismet import USER_AGENT
    except ImportError:  # the transport is useful without the package too
        USER_AGENT = "gazette-akismet-client"  # noqa: N806
    return {
        "params": {"api_key": api_key} if api_key else None,
        "headers": {"User-Agent": USER_AGENT},
        "timeout": timeout,
    }


def gazette_http_client(
    base_url: str,
    *,
    api_key: str | None = None,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 5.0,
) -> httpx.Client:
    """An ``httpx.Client`` for ``akismet.SyncClient(http_client=...)`` that talks to Gazette.

    ``base_url`` is where Gazette serves the API, e.g. ``https://news.example.org/akismet``
    (or a GAZETTE_AKISMET_HOSTS host's root); ``transport`` replaces the network, e.g.
    ``httpx.WSGITransport(app=gazette.wsgi.application)`` in tests.
    """
    return httpx.Client(transport=GazetteTransport(base_url, transport),
                        **_defaults(api_key, timeout))


def gazette_async_http_client(
    base_url: str,
    *,
    api_key: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 5.0,
) -> httpx.AsyncClient:
    """The same for ``akismet.AsyncClient``."""
    return httpx.AsyncClient(transport=AsyncGazetteTransport(base_url, transport),
                             **_defaults(api_key, timeout))

"""The statistics frames in a real browser, framed by a WordPress admin on another origin:
styled under their own Content-Security-Policy, and refused to any other page."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from gazette.antispam import keys
from gazette.antispam.models import UsageCount
from gazette.antispam.tests.helpers import form_post

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("live_server"),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is missing"),
]


class _Admin(BaseHTTPRequestHandler):
    """A page of a WordPress admin that frames the statistics page, as the plugin's does."""

    frame_src = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = (f'<!doctype html><title>Akismet stats</title>'
                f'<iframe id="stats" src="{self.frame_src}" width="800" height="600">'
                f"</iframe>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def admin_origins() -> Iterator[tuple[str, str]]:
    """Two origins serving the admin page: the blog's own, and a stranger's."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Admin) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tuple(f"http://127.0.0.1:{s.server_address[1]}" for s in servers)  # type: ignore[misc]
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def stats_page(live_server, admin_origins) -> str:
    """A key for the blog's origin with a month of counts; the admin page frames its
    statistics page. Made before the browser starts: Playwright's sync API runs an event
    loop in this thread, and the ORM refuses to run inside one."""
    blog, _ = admin_origins
    key = keys.key_create(sites=[blog])
    UsageCount.objects.create(api_key=key, site="127.0.0.1",
                              month=timezone.localdate().replace(day=1), calls=50, spam=41, ham=9)
    token = form_post(Client(), "/akismet/1.1/token", {"api_key": key.key}).content.decode()
    _Admin.frame_src = (f"{live_server.url}/akismet/1.0/user-stats.php?"
                        + urlencode({"blog": blog, "token": token, "locale": "en_US"}))
    return _Admin.frame_src


def test_the_blogs_admin_frames_the_statistics_and_no_one_else(stats_page, live_server,
                                                                admin_origins, browser):
    blog, stranger = admin_origins
    page = browser.new_page()
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith((live_server.url, blog, stranger)) else None)
    page.goto(blog + "/wp-admin/options-general.php?page=akismet-key-config&view=stats")
    frame = page.frame_locator("#stats")
    heading = frame.get_by_role("heading", level=1)
    assert heading.inner_text() == "Spam defence for 127.0.0.1"
    # The stylesheet ran under the page's policy (its hash), the bars are drawn.
    assert heading.evaluate("h => getComputedStyle(h).fontSize") == "20px"
    assert frame.locator("rect.spam").count() == 12
    assert outside == []

    refused: list[str] = []
    other = browser.new_page()
    other.on("console", lambda message: refused.append(message.text))
    other.goto(stranger + "/")
    other.wait_for_timeout(500)
    assert any("frame-ancestors" in text for text in refused), refused
    assert "Spam defence" not in other.frames[-1].content()

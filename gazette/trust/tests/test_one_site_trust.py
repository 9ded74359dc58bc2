"""End to end on the real `gazette run` (two web workers, a task worker): the contact form's
allowance is counted by both web workers together, its messages are mailed by the worker, and
a footer change made in another process reaches pages both workers had cached."""

from __future__ import annotations

import html
import http.client
import re
import urllib.parse
from collections.abc import Iterator

import pytest

from gazette.tests.running import Site, running_site, site_environment, wait_until

pytestmark = [pytest.mark.services, pytest.mark.embedded,
              pytest.mark.xdist_group("site-trust")]

LIMIT = 3
POSTS = 7
READS = 12

SETUP = """
from gazette.news.testing import make_section
from gazette.trust.demo import demo_load
from gazette.trust.models import ContactPage
make_section("World")
demo_load()
print("contact", ContactPage.objects.get().pk)
"""

MAILED = """
from gazette.trust.models import ContactSubmission
print("stored", ContactSubmission.objects.count(),
      "mailed", ContactSubmission.objects.filter(mailed_at__isnull=False).count())
"""

UNPUBLISH_TERMS = """
from gazette.trust.models import StandardPage
StandardPage.objects.get(slug="terms").unpublish()
"""


@pytest.fixture(scope="module")
def site(site_data) -> Iterator[Site]:
    # Migrated already (a copy of the run's template): a loaded machine takes minutes to
    # migrate, which would count against the time running_site gives the server.
    data = site_data("trust-site")
    env = site_environment(data, GAZETTE_CONTACT_PER_HOUR=str(LIMIT),
                           EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    with running_site(data, "--no-demo", env=env) as running:
        yield running


@pytest.fixture(scope="module")
def contact_id(site: Site) -> int:
    return int(site.manage_shell(SETUP).split("contact", 1)[1].split()[0])


def exchange(site: Site, method: str, path: str, body: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_the_allowance_is_shared_by_the_web_workers_and_the_worker_mails(site, contact_id):
    statuses = []
    for number in range(POSTS):
        status, page = exchange(site, "GET", "/contact/")
        assert status == 200
        token = html.unescape(re.search(r'name="contact_token" value="([^"]+)"', page)[1])
        body = urllib.parse.urlencode({
            "your_name": "Ana Ferro", "your_email_address": "ana@example.net",
            "what_is_it_about": "A tip", "your_message": f"Tip number {number} about the quay",
            "contact_token": token, "contact_website": ""})
        status, _ = exchange(site, "POST", f"/trust/contact/{contact_id}/", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{site.port}"})
        statuses.append(status)
    assert statuses == [303] * LIMIT + [429] * (POSTS - LIMIT)

    def mailed() -> bool:
        return f"stored {LIMIT} mailed {LIMIT}" in site.manage_shell(MAILED)

    wait_until(mailed, 60, "the worker mailing every stored message")
    log = site.log.read_text()
    for number in range(LIMIT):
        assert f"Tip number {number} about the quay" in log
    assert f"Tip number {LIMIT} about the quay" not in log


def test_a_footer_change_elsewhere_reaches_every_cached_page(site, contact_id):
    for _ in range(READS):
        status, page = exchange(site, "GET", "/world/")
        assert status == 200 and 'href="/terms/"' in page
    site.manage_shell(UNPUBLISH_TERMS)
    for _ in range(READS):
        status, page = exchange(site, "GET", "/world/")
        assert status == 200
        assert 'href="/terms/"' not in page and 'href="/privacy/"' in page

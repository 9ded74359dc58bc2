"""End to end on the real `gazette run` (two web workers): an entry posted by another process
(an operator's shell; the admin's is the same service) is on the live page, its updates, its
section and the front page from every web worker at the next request, though all of them were
cached in both workers a moment before."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from gazette.tests.running import Site, running_site

pytestmark = [pytest.mark.services, pytest.mark.embedded,
              pytest.mark.xdist_group("site-live")]

READS = 12

MAKE_LIVE = """
from gazette.live.testing import make_live_page, make_entry
from gazette.news.testing import make_section
page = make_live_page(make_section("World"), slug="storm-live", title="Storm tide: live")
make_entry(page, "The barrier is closed.")
print(page.pk)
"""


@pytest.fixture(scope="module")
def site(site_data) -> Iterator[tuple[Site, int]]:
    with running_site(site_data("live-site"), "--no-demo") as site:
        page_id = int(site.manage_shell(MAKE_LIVE).split()[-1])
        yield site, page_id


def pages(page_id: int) -> tuple[str, ...]:
    return ("/world/storm-live/", f"/live/{page_id}/updates.json", "/world/", "/",
            f"/live/{page_id}/feed/atom/")


def shown(site: Site, page_id: int, text: str) -> dict[str, int]:
    counts = {}
    for path in pages(page_id):
        count = 0
        for _ in range(READS):
            status, body = site.request(path)
            assert status == 200, (path, status)
            if path.endswith(".json"):
                body = json.dumps(json.loads(body))  # the entries' HTML, unescaped
            count += text in body.replace("\\u2019", "’")
        counts[path] = count
    return counts


def test_an_entry_posted_by_another_process_is_everywhere_at_once(site):
    site, page_id = site
    text = "Water is running over the outer quay."
    # Cached in both workers: a stale copy would be served if it were kept.
    assert shown(site, page_id, text) == dict.fromkeys(pages(page_id), 0)
    assert shown(site, page_id, "1 update")["/world/"] == READS
    site.manage_shell(f"""
from gazette.live import services
from gazette.live.models import LivePage
services.live_entry_add(page=LivePage.objects.get(pk={page_id}), body={text!r})
""")
    counts = shown(site, page_id, text)
    # The section and the front page show the story's count of updates, not the text.
    assert counts["/world/storm-live/"] == counts[f"/live/{page_id}/updates.json"] == READS
    assert counts[f"/live/{page_id}/feed/atom/"] == READS
    for listing in ("/world/", "/"):
        assert shown(site, page_id, "2 updates")[listing] == READS
    status, body = site.request("/world/storm-live/")
    assert re.search(r"label--live", body)

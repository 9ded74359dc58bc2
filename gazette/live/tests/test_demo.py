"""The demo's live story: a dozen entries and key points under Climate, loaded once."""

from __future__ import annotations

import io
import json
import re

import pytest

from gazette.live import demo
from gazette.live.models import LivePage
from gazette.news.testing import make_author, make_section

pytestmark = pytest.mark.django_db


def test_the_demo_live_page_with_a_dozen_entries_loads_once(client):
    assert demo.demo_load() == 0  # no Climate section yet: nothing to hang it on
    make_section("Climate")
    make_author("Ilse Marrow")
    out = io.StringIO()
    assert demo.demo_load(stdout=out) == 1
    assert "12 entries" in out.getvalue()
    assert demo.demo_load() == 0
    page = LivePage.objects.get(slug=demo.SLUG)
    assert page.entries.count() == 12 and page.key_points.count() == 4
    assert [a.name for a in page.authors] == ["Ilse Marrow"]
    assert not page.has_ended
    html = client.get(page.url).content.decode()
    assert html.index(demo.ENTRIES[-1][2][:40]) < html.index(demo.ENTRIES[0][2][:40])
    [data] = [json.loads(m) for m in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    assert len(data["liveBlogUpdate"]) == 12
    assert "Live" in client.get("/climate/").content.decode()

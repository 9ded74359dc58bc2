"""The WordPress plugin's statistics frames: a token from 1.1/token, then two HTML pages at
tools.akismet.com's paths that show a site's monthly counts."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gazette.antispam import keys
from gazette.antispam.akismet import charts
from gazette.antispam.akismet.reports import SiteStats, StatsCounts
from gazette.antispam.models import UsageCount
from gazette.antispam.tests.helpers import BLOG, form_post

pytestmark = pytest.mark.django_db

PAGES = ("1.0/snapshot.php", "1.0/user-stats.php")


def token_for(client: Client, key: str) -> str:
    response = form_post(client, "/akismet/1.1/token", {"api_key": key})
    assert response.status_code == 200
    return response.content.decode()


def frame(client: Client, page: str, **params: str):
    return client.get(f"/akismet/{page}?{urlencode(params)}")


def counts(api_key, site: str, month: date, **values: int) -> None:
    UsageCount.objects.create(api_key=api_key, site=site, month=month,
                              calls=sum(values.values()), **values)


def numbers(html: str) -> list[str]:
    return re.findall(r"<dd>([^<]*)</dd>", html)


def test_a_token_names_the_key_without_showing_it(client, api_key):
    token = token_for(client, api_key.key)
    assert token and api_key.key not in token
    assert token != token_for(client, keys.key_create(sites=[BLOG]).key)


@pytest.mark.parametrize("page", PAGES)
def test_the_frames_show_the_sites_counts_framed_by_the_blog_only(client, api_key, page):
    this_month = timezone.localdate().replace(day=1)
    counts(api_key, "blog.example.org", this_month, spam=37, ham=12, missed_spam=2,
           false_positives=1)
    counts(api_key, "other.example", this_month, spam=9001)  # another site of the key
    response = frame(client, page, blog=BLOG, token=token_for(client, api_key.key),
                     locale="en_US", is_redecorated="1", height="200")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "9001" not in html
    # Bars: one rect a series a month, each titled with its value.
    assert f"{this_month:%B %Y}: 37</title>" in html and f"{this_month:%B %Y}: 12</title>" in html
    # The WordPress admin of this blog may frame it, and nothing else; no script, nothing
    # loaded from anywhere.
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://blog.example.org http://blog.example.org" in policy
    assert "default-src 'none'" in policy and "script" not in policy
    assert "<script" not in html and "http" not in html.split("</head>")[1]
    assert "no-store" in response["Cache-Control"]


def test_the_detailed_page_has_totals_charts_and_every_month(client, api_key):
    this_month = timezone.localdate().replace(day=1)
    long_ago = date(this_month.year - 3, 1, 1)
    counts(api_key, "blog.example.org", this_month, spam=6, ham=4, missed_spam=1)
    counts(api_key, "blog.example.org", long_ago, spam=1, ham=4, false_positives=1)
    html = frame(client, "1.0/user-stats.php", blog=BLOG,
                 token=token_for(client, api_key.key)).content.decode()
    # Past six months, then all time: spam, legitimate, missed, false positives, accuracy.
    assert numbers(html) == ["6", "4", "1", "0", "90%", "7", "8", "1", "1", "86.67%"]
    assert html.index(f"{this_month:%B %Y}</th>") < html.index(f"{long_ago:%B %Y}</th>")
    assert html.count("<svg") == 2


def test_the_snapshot_is_as_high_as_asked_within_bounds(client, api_key):
    token = token_for(client, api_key.key)
    for asked, frame_height in (("180", 180), ("5", 100), ("99999", 600), ("tall", 200)):
        html = frame(client, "1.0/snapshot.php", blog=BLOG, token=token,
                     height=asked).content.decode()
        # The legend below the bars takes the frame's last pixels.
        assert f'height="{frame_height - charts.LEGEND_HEIGHT}"' in html


@pytest.mark.parametrize("page", PAGES)
def test_a_bad_token_or_site_is_refused_with_a_page_not_an_error(client, api_key, page,
                                                                  settings):
    good = token_for(client, api_key.key)
    refused = {
        "missing": {"blog": BLOG},
        "made up": {"blog": BLOG, "token": "1:abc:def"},
        "altered": {"blog": BLOG, "token": good[:-1] + ("a" if good[-1] != "a" else "b")},
        "another site": {"blog": "https://elsewhere.example", "token": good},
        "not an address": {"blog": "http://[", "token": good},
    }
    for why, params in refused.items():
        response = frame(client, page, **params)
        assert response.status_code == 403, why
        assert "Reload the Akismet settings page" in response.content.decode(), why
    api_key.is_active = False
    api_key.save()
    assert frame(client, page, blog=BLOG, token=good).status_code == 403


def test_a_token_expires_after_a_day(client, api_key, monkeypatch):
    token = token_for(client, api_key.key)
    assert frame(client, PAGES[0], blog=BLOG, token=token).status_code == 200
    later = signing.TimestampSigner.unsign

    def a_day_later(self, value, max_age=None):
        return later(self, value, max_age=None if max_age is None else max_age - 24 * 3600 - 1)

    monkeypatch.setattr(signing.TimestampSigner, "unsign", a_day_later)
    response = frame(client, PAGES[0], blog=BLOG, token=token)
    assert response.status_code == 403 and "expired" in response.content.decode()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.sampled_from(PAGES),
       params=st.dictionaries(st.sampled_from(["blog", "token", "height", "locale", "x"]),
                              st.text(max_size=40), max_size=5))
def test_no_query_makes_a_frame_fail(client, page, params):
    response = frame(client, page, **params)
    assert response.status_code in (200, 403)


# --- the charts ---------------------------------------------------------------------------
def test_last_months_fill_gaps_across_a_new_year():
    stats = SiteStats(StatsCounts(3), {"2025-12": StatsCounts(3)})
    months = charts.last_months(stats, 3, date(2026, 2, 14))
    assert [m for m, _ in months] == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert [c.spam for _, c in months] == [3, 0, 0]


def test_bars_scale_to_a_round_top_and_stay_inside_the_plot():
    months = [(date(2026, m, 1), StatsCounts(spam=s, ham=h))
              for m, s, h in ((1, 0, 3), (2, 37, 12), (3, 5, 0))]
    chart = charts.monthly_chart(months, width=300, height=120)
    assert [g.value for g in chart.gridlines][-1] == 50  # 37 rounds up to 50
    tallest = max((b for c in chart.columns for b in c.bars), key=lambda b: b.height)
    assert tallest.value == 37
    assert tallest.height == pytest.approx((chart.plot_bottom - chart.plot_top) * 37 / 50,
                                           abs=0.01)
    for column in chart.columns:
        for bar in column.bars:
            assert bar.y + bar.height == pytest.approx(chart.plot_bottom, abs=0.02)
            assert bar.x >= 0 and bar.x + bar.width <= chart.width
    with pytest.raises(ValueError):
        charts.monthly_chart(months, series=("spam", "comments"))

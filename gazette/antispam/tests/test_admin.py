"""The spam defence in the Wagtail admin."""

from __future__ import annotations

import re

import pytest

from gazette.antispam import services
from gazette.antispam.engine import Submission
from gazette.antispam.models import ApiKey

from .helpers import HAM_TEXTS, SPAM_TEXTS

pytestmark = pytest.mark.django_db


def test_dashboard_panel_counts_checks_and_reports(admin_client,
                                                   django_capture_on_commit_callbacks):
    services.spam_check(submission=Submission(content=HAM_TEXTS[0], user_agent="M"))
    # Spam on the engine's rules alone (a link disguised as another domain's): Akismet's
    # test values are the Akismet door's, not the in-process check's.
    spam = Submission(content=SPAM_TEXTS[0] + ' <a href="http://pills.example/">bank.example</a>')
    services.spam_check(submission=spam)
    with django_capture_on_commit_callbacks(execute=True):
        services.spam_learn(submission=spam, label="ham")  # a false positive
    html = admin_client.get("/admin/").content.decode()
    assert "Spam defence, last 14 days" in html
    total = re.search(r"<th scope=\"row\">Total</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", total) == ["2", "1", "0", "1", "0"]


def test_no_dashboard_panel_until_there_is_something_to_report(admin_client):
    assert "Spam defence, last 14 days" not in admin_client.get("/admin/").content.decode()
    services.spam_check(submission=Submission(content=HAM_TEXTS[0], user_agent="M"))
    assert "Spam defence, last 14 days" in admin_client.get("/admin/").content.decode()


def _binning(html: str) -> tuple[str, str]:
    match = re.search(r'data-binning="([^"]+)">(.*?)</p>', html, re.S)
    return match.group(1), " ".join(match.group(2).split())


def test_dashboard_panel_says_which_rule_bins(admin_client, settings,
                                              django_capture_on_commit_callbacks):
    settings.GAZETTE_ANTISPAM_ENGINE_OPTIONS = {"cold_bin_min_ham": 3, "ham_bin_budget": 0.1}

    def judge(first: int, last: int) -> tuple[str, str]:
        with django_capture_on_commit_callbacks(execute=True):
            for i in range(first, last):
                text = f"{HAM_TEXTS[i % len(HAM_TEXTS)]} {i}"
                services.spam_learn(submission=Submission(content=text), label="ham")
        return _binning(admin_client.get("/admin/").content.decode())

    # The panel shows once the filter has checked something (a check judges nothing).
    services.spam_check(submission=Submission(content=HAM_TEXTS[0], user_agent="M"))
    rule, text = judge(0, 0)
    assert rule == "evidence only"
    assert "judged 3 legitimate comments (0 so far" in text
    rule, text = judge(0, 3)
    assert rule == "cold start" and "3 judged, 9 needed to keep the 10% budget" in text
    rule, text = judge(3, 9)
    assert rule == "budget"
    assert "the scores of the last 9 legitimate comments judged here" in text
    assert "at most 10% of legitimate comments" in text


def test_api_keys_are_managed_in_the_admin(admin_client, api_key):
    listing = admin_client.get("/admin/antispam_keys/")
    assert listing.status_code == 200
    assert api_key.key in listing.content.decode()
    assert "blog.example.org" in listing.content.decode()
    form = admin_client.get("/admin/antispam_keys/new/")
    assert form.status_code == 200
    response = admin_client.post("/admin/antispam_keys/new/", {
        "name": "Partner site",
        "is_active": "on",
        "monthly_limit": "",
        "sites-TOTAL_FORMS": "1",
        "sites-INITIAL_FORMS": "0",
        "sites-MIN_NUM_FORMS": "0",
        "sites-MAX_NUM_FORMS": "1000",
        "sites-0-url": "https://partner.example",
        "sites-0-is_revoked": "",
        "sites-0-id": "",
        "sites-0-DELETE": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    created = ApiKey.objects.get(name="Partner site")
    assert re.fullmatch(r"[0-9a-f]{12}", created.key)
    assert list(created.sites.values_list("host", flat=True)) == ["partner.example"]


def test_learned_examples_show_todays_verdict(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.spam_learn(submission=Submission(content=SPAM_TEXTS[1], author="Best Casino",
                                                  honeypot_value="x"), label="spam")
        example = services.spam_learn(submission=Submission(content=HAM_TEXTS[1]), label="ham")
    listing = admin_client.get("/admin/antispam_examples/")
    html = listing.content.decode()
    assert listing.status_code == 200
    assert "Verdict today" in html
    assert "<strong>discard</strong>" in html and "hidden honeypot field was filled in" in html
    assert HAM_TEXTS[1][:40] in html
    inspect = admin_client.get(f"/admin/antispam_examples/inspect/{example.pk}/")
    assert inspect.status_code == 200
    assert HAM_TEXTS[1] in inspect.content.decode()
    # The log is append-only: no adding, editing or deleting, even for a superuser.
    for url in ("/admin/antispam_examples/new/", f"/admin/antispam_examples/edit/{example.pk}/",
                f"/admin/antispam_examples/delete/{example.pk}/"):
        assert admin_client.get(url).status_code in (302, 403)

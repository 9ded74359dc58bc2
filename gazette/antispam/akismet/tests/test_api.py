"""The Akismet-compatible API, byte for byte."""

from __future__ import annotations

import json
import logging
import re
from contextlib import contextmanager
from unittest.mock import patch
from urllib.parse import urlencode

import pytest
from django.core.signals import request_finished
from django.db import DatabaseError, close_old_connections
from django.test import Client, RequestFactory
from django.utils import timezone

from gazette.antispam import keys, services
from gazette.antispam.activity import DatabaseHistory
from gazette.antispam.akismet import views
from gazette.antispam.engine import Submission
from gazette.antispam.models import (
    DailyCount,
    LabelledExample,
    RecentSubmission,
    UsageCount,
)
from gazette.antispam.tests.helpers import (
    BLOG,
    FORM,
    HAM_TEXTS,
    SPAM_TEXTS,
    comment,
    form_post,
    wordpress_request,
)
from gazette.news.cache import PageCacheMiddleware

pytestmark = pytest.mark.django_db

TEXT = "text/plain; charset=utf-8"
THANKS = b"Thanks for making the web a better place."


def post(client: Client, endpoint: str, data: dict, **extra):
    return form_post(client, f"/akismet/{endpoint}", data, **extra)


def assert_text(response, body: bytes, debug: str | None = None) -> None:
    assert response.status_code == 200
    assert response.content == body
    assert response["Content-Type"] == TEXT
    assert response.get("X-akismet-debug-help") == debug
    assert "no-store" in response["Cache-Control"]


# --- test and verify-key ---------------------------------------------------------------------
def test_connection_test_answers_connected(client):
    response = client.get("/akismet/1.1/test")
    assert_text(response, b"connected")
    assert client.post("/akismet/1.1/test").status_code == 405


def test_verify_key_accepts_key_or_api_key(client, api_key):
    assert_text(post(client, "1.1/verify-key", {"key": api_key.key, "blog": BLOG}), b"valid")
    assert_text(post(client, "1.1/verify-key", {"api_key": api_key.key, "blog": BLOG}), b"valid")
    # The site is matched by host: scheme, www., a path or a port do not matter.
    assert_text(post(client, "1.1/verify-key",
                     {"key": api_key.key, "blog": "http://www.blog.example.org:8080/news/"}),
                b"valid")


@pytest.mark.parametrize(("data", "debug"), [
    ({"blog": BLOG}, 'Empty "key" value'),
    ({"key": "0123456789ab"}, 'Empty "blog" value'),
    ({"key": "0123456789ab", "blog": BLOG}, "Unknown API key"),
    ({"key": "0123456789AB", "blog": BLOG}, "API keys are 12 lowercase hexadecimal characters"),
    ({"key": "0123456789abc", "blog": BLOG}, "API keys are 12 lowercase hexadecimal characters"),
])
def test_verify_key_refusals(client, api_key, data, debug):
    assert_text(post(client, "1.1/verify-key", data), b"invalid", debug)


def test_verify_key_checks_the_site_and_the_key_state(client, api_key):
    other = post(client, "1.1/verify-key", {"key": api_key.key, "blog": "https://other.example"})
    assert_text(other, b"invalid", "This key is not registered for other.example")
    site = api_key.sites.get()
    site.is_revoked = True
    site.save()
    revoked = post(client, "1.1/verify-key", {"key": api_key.key, "blog": BLOG})
    assert_text(revoked, b"invalid", "This key was revoked for blog.example.org")
    api_key.is_active = False
    api_key.save()
    inactive = post(client, "1.1/verify-key", {"key": api_key.key, "blog": BLOG})
    assert_text(inactive, b"invalid", "This API key is no longer active")


def test_a_key_without_sites_serves_any_site(client):
    key = keys.key_create()
    assert_text(post(client, "1.1/verify-key", {"key": key.key, "blog": "https://any.example"}),
                b"valid")


def test_wrong_methods_are_405(client, api_key):
    for endpoint in ("1.1/verify-key", "1.1/comment-check", "1.1/submit-spam", "1.1/submit-ham"):
        response = client.get(f"/akismet/{endpoint}", {"api_key": api_key.key})
        assert response.status_code == 405
        assert response["Allow"] == "POST"
    for endpoint in ("1.2/usage-limit", "1.2/key-sites"):
        assert client.put(f"/akismet/{endpoint}").status_code == 405


def test_a_key_with_several_sites_serves_each_and_only_them(client):
    key = keys.key_create(sites=["https://a.example", "https://b.example"])
    site = key.sites.get(host="b.example")
    site.is_revoked = True
    site.save()
    verify = {"key": key.key}
    assert_text(post(client, "1.1/verify-key", dict(verify, blog="https://a.example/x")),
                b"valid")
    assert_text(post(client, "1.1/verify-key", dict(verify, blog="https://b.example")),
                b"invalid", "This key was revoked for b.example")
    assert_text(post(client, "1.1/verify-key", dict(verify, blog="https://c.example")),
                b"invalid", "This key is not registered for c.example")


def test_the_body_wins_over_the_query_string(client, api_key):
    # Parameters may come from either; a field in both takes the body's value.
    query = f"?api_key={api_key.key}&blog=https://other.example&user_ip=192.0.2.1"
    response = form_post(client, f"/akismet/1.1/comment-check{query}",
                         {"blog": BLOG, "comment_content": HAM_TEXTS[1]})
    assert_text(response, b"false")
    assert UsageCount.objects.get().site == "blog.example.org"
    only_query = form_post(client, f"/akismet/1.1/verify-key?key={api_key.key}&blog={BLOG}")
    assert_text(only_query, b"valid")


def test_csrf_is_not_required(api_key):
    client = Client(enforce_csrf_checks=True)
    assert_text(post(client, "1.1/comment-check", comment(api_key.key)), b"false")


# --- comment-check -----------------------------------------------------------------------------
def test_comment_check_ham(client, api_key):
    response = post(client, "1.1/comment-check", comment(api_key.key))
    assert_text(response, b"false")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-akismet-guid"])
    assert "X-akismet-pro-tip" not in response
    assert response["X-Gazette-Verdict"] == "ham"


@contextmanager
def connections_kept():
    """Close responses as the test client does: without closing the test's connection."""
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_finished.connect(close_old_connections)


def test_a_check_is_recorded_once_its_answer_is_handed_over(api_key, caplog):
    # The recent activity and the counts are written when the server closes the response,
    # after sending it (Django's test client closes before returning).
    factory = RequestFactory()
    request = factory.post("/akismet/1.1/comment-check", urlencode(comment(api_key.key)),
                           content_type=FORM)
    response = views.comment_check(request)
    assert_text(response, b"false")
    assert not RecentSubmission.objects.exists() and not UsageCount.objects.exists()
    with connections_kept():
        response.close()
    recorded = RecentSubmission.objects.get()
    assert recorded.kind == "ham"
    assert recorded.guid == services.stored_guid(response["X-akismet-guid"], f"key:{api_key.pk}")
    assert UsageCount.objects.get().calls == 1 and DailyCount.objects.get().checks == 1
    with connections_kept():
        response.close()  # a second close records nothing more
    assert RecentSubmission.objects.count() == 1 and UsageCount.objects.get().calls == 1

    # A failure then is logged; the answer was given already.
    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    with patch.object(DatabaseHistory, "write", broken):
        request = factory.post("/akismet/1.1/comment-check", urlencode(comment(api_key.key)),
                           content_type=FORM)
        response = views.comment_check(request)
        assert_text(response, b"false")
        with caplog.at_level(logging.ERROR, logger="gazette.antispam"), connections_kept():
            response.close()
    assert "could not record a comment-check" in caplog.text
    assert UsageCount.objects.get().calls == 1  # the failed check's transaction rolled back


@pytest.mark.parametrize("author", ["akismet-guaranteed-spam", "viagra-test-123"])
def test_akismet_test_authors_are_always_spam(client, api_key, author):
    response = post(client, "1.1/comment-check", comment(api_key.key, comment_author=author))
    assert_text(response, b"true")
    assert "X-akismet-pro-tip" not in response


def test_administrators_are_always_ham(client, api_key):
    data = comment(api_key.key, user_role="administrator", comment_author="viagra-test-123",
                   comment_content=SPAM_TEXTS[0] + " http://bit.ly/x " * 20)
    assert_text(post(client, "1.1/comment-check", data), b"false")


def test_blatant_spam_gets_the_discard_tip(client, api_key):
    data = comment(api_key.key, honeypot_field_name="hp_field", hp_field="filled by a bot")
    response = post(client, "1.1/comment-check", data)
    assert_text(response, b"true")
    assert response["X-akismet-pro-tip"] == "discard"
    assert response["X-Gazette-Verdict"] == "discard"


def test_an_empty_honeypot_is_not_spam(client, api_key):
    data = comment(api_key.key, honeypot_field_name="hp_field", hp_field="")
    assert_text(post(client, "1.1/comment-check", data), b"false")


@pytest.mark.parametrize("field", ["user_ip", "blog"])
def test_comment_check_missing_required_field(client, api_key, field):
    data = comment(api_key.key)
    del data[field]
    response = post(client, "1.1/comment-check", data)
    assert_text(response, f"Missing required field: {field}.".encode(), f'Empty "{field}" value')
    assert "X-akismet-guid" not in response


@pytest.mark.parametrize("endpoint", ["1.1/comment-check", "1.1/submit-spam", "1.1/submit-ham"])
def test_unknown_or_missing_key_is_invalid(client, api_key, endpoint):
    assert_text(post(client, endpoint, comment("fedcba987654")), b"invalid", "Unknown API key")
    data = comment("")
    assert_text(post(client, endpoint, data), b"invalid", 'Empty "api_key" value')
    other_site = comment(api_key.key, blog="https://elsewhere.example")
    assert_text(post(client, endpoint, other_site), b"invalid",
                "This key is not registered for elsewhere.example")


def test_wordpress_request_with_hundreds_of_extra_fields(client, api_key):
    data = wordpress_request(api_key.key, extra_fields=400)
    assert len(data) > 400
    response = post(client, "1.1/comment-check", data)
    assert_text(response, b"false")
    recorded = RecentSubmission.objects.get()
    assert recorded.kind == "ham" and recorded.guid == services.stored_guid(
        response["X-akismet-guid"], f"key:{api_key.pk}")


def test_unknown_fields_and_odd_values_are_accepted(client, api_key):
    data = comment(api_key.key, comment_date_gmt="not a date", comment_post_modified_gmt="",
                   is_test="maybe", something_new="x", **{"comment_context[0]": "a"})
    assert_text(post(client, "1.1/comment-check", data), b"false")


# --- submit-spam / submit-ham ------------------------------------------------------------------
@pytest.mark.parametrize(("endpoint", "label"), [("1.1/submit-spam", "spam"),
                                                 ("1.1/submit-ham", "ham")])
def test_submit_answers_thanks_and_learns(client, api_key, endpoint, label,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, endpoint, comment(api_key.key))
    assert_text(response, THANKS)
    example = LabelledExample.objects.get()
    assert (example.label, example.source, example.api_key, example.site) == (
        label, "api", api_key, "blog.example.org")
    assert example.content == HAM_TEXTS[0]


def test_submit_spam_changes_later_verdicts(client, api_key, django_capture_on_commit_callbacks):
    # The filter bins on its learned score only once it has seen enough legitimate comments
    # to keep its promise about them (one in a hundred), so a site's history comes first.
    for i in range(120):
        text = f"{HAM_TEXTS[i % len(HAM_TEXTS)]} Reply number {i} from reader {i * 7}."
        services.spam_learn(submission=Submission(content=text, user_agent="M",
                                                  user_ip=f"198.51.100.{i % 200}"),
                            label="ham", source="moderation")
    spam = comment(api_key.key, comment_content=SPAM_TEXTS[0], comment_author="Kim Lee",
                   comment_author_email="kim@example.com", user_ip="192.0.2.50")
    before = post(client, "1.1/comment-check", spam)
    assert before.content == b"false"
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(6):
            report = dict(spam, comment_content=f"{SPAM_TEXTS[i % len(SPAM_TEXTS)]} {i}",
                          user_ip=f"192.0.2.{60 + i}")
            assert post(client, "1.1/submit-spam", report).content == THANKS
    after = post(client, "1.1/comment-check", spam)
    assert after.content == b"true"
    assert after["X-Gazette-Verdict"] in ("spam", "discard")


# --- is_test -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["1", "true", "TRUE", " true "])
def test_is_test_leaves_no_trace(client, api_key, value, django_capture_on_commit_callbacks):
    check = post(client, "1.1/comment-check", comment(api_key.key, is_test=value))
    assert check.content == b"false" and check["X-akismet-guid"]
    with django_capture_on_commit_callbacks(execute=True):
        for endpoint in ("1.1/submit-spam", "1.1/submit-ham"):
            assert post(client, endpoint, comment(api_key.key, is_test=value)).content == THANKS
    assert not LabelledExample.objects.exists()
    assert not RecentSubmission.objects.exists()
    assert not UsageCount.objects.exists()
    assert not DailyCount.objects.exists()


@pytest.mark.parametrize("value", ["", "0", "false", "no", "yes"])
def test_is_test_needs_true_or_1(client, api_key, value):
    post(client, "1.1/comment-check", comment(api_key.key, is_test=value))
    assert RecentSubmission.objects.count() == 1
    assert UsageCount.objects.get().calls == 1


def test_rechecks_count_but_are_not_new_activity(client, api_key):
    post(client, "1.1/comment-check", comment(api_key.key, recheck_reason="edit"))
    assert not RecentSubmission.objects.exists()
    assert UsageCount.objects.get().calls == 1


# --- usage-limit and key-sites --------------------------------------------------------------------
def _month() -> str:
    return timezone.now().strftime("%Y-%m")


def test_usage_counts_calls_spam_ham_missed_and_false_positives(
    client, api_key, django_capture_on_commit_callbacks
):
    ham = comment(api_key.key)
    spam = comment(api_key.key, comment_author="viagra-test-123", comment_content=SPAM_TEXTS[1])
    assert post(client, "1.1/comment-check", ham).content == b"false"
    assert post(client, "1.1/comment-check", dict(ham, comment_content=HAM_TEXTS[1])).content \
        == b"false"
    assert post(client, "1.1/comment-check", spam).content == b"true"
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "1.1/submit-spam", ham)       # we said ham: missed spam
        post(client, "1.1/submit-ham", spam)       # we said spam: a false positive
        post(client, "1.1/submit-ham", dict(ham, comment_content=HAM_TEXTS[1]))  # agreed
    usage = UsageCount.objects.get()
    assert (usage.calls, usage.spam, usage.ham, usage.missed_spam, usage.false_positives) == (
        3, 1, 2, 1, 1)
    day = DailyCount.objects.get()
    assert (day.checks, day.ham, day.spam, day.missed_spam, day.false_positives) == (3, 2, 1, 1, 1)
    examples = dict(LabelledExample.objects.values_list("content", "checked_as"))
    assert examples[HAM_TEXTS[0]] == "ham" and examples[SPAM_TEXTS[1]] == "spam"

    response = client.get("/akismet/1.2/key-sites", {"api_key": api_key.key})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        _month(): [{"site": "blog.example.org", "api_calls": "3", "spam": "1", "ham": "2",
                    "missed_spam": "1", "false_positives": "1", "is_revoked": False}],
        "limit": 500, "offset": 0, "total": 1,
    }
    limit = form_post(client, "/akismet/1.2/usage-limit", {"api_key": api_key.key})
    assert limit.content == b'{"limit":"none","usage":3,"percentage":"0","throttled":false}'


def test_usage_limit_with_a_limit(client, api_key):
    api_key.monthly_limit = 2
    api_key.save()
    for text in HAM_TEXTS[:3]:
        post(client, "1.1/comment-check", comment(api_key.key, comment_content=text))
    response = client.get("/akismet/1.2/usage-limit", {"api_key": api_key.key})
    assert response.content == b'{"limit":2,"usage":3,"percentage":"150.00","throttled":true}'
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("endpoint", ["1.2/usage-limit", "1.2/key-sites"])
def test_reports_need_a_valid_key(client, endpoint):
    assert_text(client.get(f"/akismet/{endpoint}", {"api_key": "0123456789ab"}), b"invalid",
                "Unknown API key")
    assert_text(client.get(f"/akismet/{endpoint}"), b"invalid", 'Empty "api_key" value')


def _counts(api_key, site: str, calls: int, spam: int = 0, month=None) -> None:
    month = month or timezone.now().date().replace(day=1)
    UsageCount.objects.create(api_key=api_key, site=site, month=month, calls=calls, spam=spam,
                              ham=calls - spam)


def test_key_sites_csv_order_limit_offset_month(client, api_key):
    key = keys.key_create(sites=["https://b.example", "https://c.example"])
    site_c = key.sites.get(host="c.example")
    site_c.is_revoked = True
    site_c.save()
    _counts(key, "a.example", 10, spam=1)
    _counts(key, "b.example", 30, spam=2)
    _counts(key, "c.example", 20, spam=15)
    _counts(key, "old.example", 99, month=timezone.datetime(2022, 9, 1).date())
    month = _month()
    response = client.get("/akismet/1.2/key-sites", {"api_key": key.key, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode() == (
        f"Active sites for {key.key} during {month} (limit:500, offset: 0, total: 3)\n"
        "Site,Total API Calls,Spam,Ham,Missed Spam,False Positives,Is Revoked\n"
        "b.example,30,2,28,0,0,false\n"
        "c.example,20,15,5,0,0,true\n"
        "a.example,10,1,9,0,0,false"
    )
    by_spam = client.get("/akismet/1.2/key-sites", {
        "api_key": key.key, "format": "csv", "order": "spam", "limit": "1", "offset": "1"})
    assert by_spam.content.decode().splitlines()[0] == (
        f"Active sites for {key.key} during {month} (limit:1, offset: 1, total: 3)")
    assert by_spam.content.decode().splitlines()[2:] == ["b.example,30,2,28,0,0,false"]
    old = form_post(client, "/akismet/1.2/key-sites", {"api_key": key.key, "month": "2022-09"})
    assert json.loads(old.content) == {
        "2022-09": [{"site": "old.example", "api_calls": "99", "spam": "0", "ham": "99",
                     "missed_spam": "0", "false_positives": "0", "is_revoked": False}],
        "limit": 500, "offset": 0, "total": 1,
    }
    filtered = client.get("/akismet/1.2/key-sites", {"api_key": key.key, "filter": "c.ex"})
    assert [s["site"] for s in json.loads(filtered.content)[month]] == ["c.example"]
    odd = client.get("/akismet/1.2/key-sites", {"api_key": key.key, "month": "2022-13",
                                                "limit": "x", "offset": "-4", "order": "?"})
    assert json.loads(odd.content)["total"] == 3


# --- what the WordPress plugin's settings page asks for -------------------------------------------
def test_get_subscription_answers_active_for_a_key_and_its_site(client, api_key):
    response = post(client, "1.1/get-subscription", {"key": api_key.key, "blog": BLOG})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert response.content == (
        b'{"account_id":false,"account_name":"Gazette (self-hosted)",'
        b'"account_type":"gazette-self-hosted","status":"active","next_billing_date":false,'
        b'"limit_reached":false}'
    )
    api_key.monthly_limit = 1
    api_key.save()
    for text in HAM_TEXTS[:2]:
        post(client, "1.1/comment-check", comment(api_key.key, comment_content=text))
    over = post(client, "1.1/get-subscription", {"api_key": api_key.key, "blog": BLOG})
    assert json.loads(over.content)["limit_reached"] is True


def test_get_subscription_of_a_key_for_another_site_or_no_key(client, api_key):
    # The plugin reads "invalid" as a bad key and "missing" as a problem with the key.
    other = post(client, "1.1/get-subscription", {"key": api_key.key, "blog": "https://x.example"})
    assert json.loads(other.content)["status"] == "missing"
    assert other["X-akismet-debug-help"] == "This key is not registered for x.example"
    assert_text(post(client, "1.1/get-subscription", {"key": "0123456789ab", "blog": BLOG}),
                b"invalid", "Unknown API key")
    api_key.is_active = False
    api_key.save()
    assert_text(post(client, "1.1/get-subscription", {"key": api_key.key, "blog": BLOG}),
                b"invalid", "This API key is no longer active")


def test_get_stats_counts_a_site_by_period_with_accuracy(client, api_key):
    today = timezone.now().date().replace(day=1)
    long_ago = today.replace(year=today.year - 2)
    UsageCount.objects.create(api_key=api_key, site="blog.example.org", month=today, calls=10,
                              spam=6, ham=4, missed_spam=1, false_positives=0)
    UsageCount.objects.create(api_key=api_key, site="blog.example.org", month=long_ago,
                              calls=5, spam=1, ham=4, missed_spam=0, false_positives=1)
    UsageCount.objects.create(api_key=api_key, site="other.example", month=today, calls=7,
                              spam=7)
    month, old = today.strftime("%Y-%m"), long_ago.strftime("%Y-%m")
    everything = post(client, "1.1/get-stats", {"key": api_key.key, "blog": BLOG, "from": "all"})
    assert everything["Content-Type"] == "application/json"
    assert json.loads(everything.content) == {
        "spam": 7, "ham": 8, "missed_spam": 1, "false_positives": 1, "accuracy": 86.67,
        "breakdown": {
            old: {"spam": 1, "ham": 4, "missed_spam": 0, "false_positives": 1},
            month: {"spam": 6, "ham": 4, "missed_spam": 1, "false_positives": 0},
        },
    }
    recent = json.loads(post(client, "1.1/get-stats",
                             {"key": api_key.key, "blog": BLOG, "from": "6-months"}).content)
    assert (recent["spam"], recent["accuracy"], list(recent["breakdown"])) == (6, 90.0, [month])
    # With no blog: every site of the key.
    assert json.loads(post(client, "1.1/get-stats", {"api_key": api_key.key}).content)["spam"] == 14
    assert_text(post(client, "1.1/get-stats", {"key": api_key.key, "blog": "https://x.example"}),
                b"invalid", "This key is not registered for x.example")


def test_get_stats_of_a_new_key_is_all_zero_and_fully_accurate(client, api_key):
    assert post(client, "1.1/get-stats", {"key": api_key.key, "blog": BLOG}).content == (
        b'{"spam":0,"ham":0,"missed_spam":0,"false_positives":0,"accuracy":100.0,'
        b'"breakdown":{}}'
    )


def test_stats_periods_start_at_a_month():
    from datetime import date

    from gazette.antispam.akismet.reports import stats_since

    assert stats_since("6-months", date(2026, 3, 15)) == date(2025, 10, 1)
    assert stats_since("6-months", date(2026, 11, 29)) == date(2026, 6, 1)
    assert stats_since("60-days", date(2026, 3, 15)) == date(2026, 1, 1)
    assert stats_since("all", date(2026, 3, 15)) is None
    assert stats_since("fortnight", date(2026, 3, 15)) is None


def test_deactivate_token_and_compatible_plugins(client, api_key):
    assert_text(post(client, "1.1/deactivate", {"key": api_key.key, "blog": BLOG}),
                b"deactivated")
    assert_text(post(client, "1.1/deactivate", {"key": "nope"}), b"invalid",
                "API keys are 12 lowercase hexadecimal characters")
    # A token for the statistics frames (tests in test_stats_frames.py); none for a bad key.
    assert post(client, "1.1/token", {"api_key": api_key.key}).content
    assert_text(post(client, "1.1/token", {"api_key": "0123456789ab"}), b"", "Unknown API key")
    plugins = client.get("/akismet/1.2/compatible-plugins")
    assert (plugins.status_code, plugins.content) == (200, b"[]")
    assert plugins["Content-Type"] == "application/json"


# --- hosts of its own, caching --------------------------------------------------------------------
def test_an_akismet_host_serves_the_api_at_its_root(client, api_key, settings):
    settings.GAZETTE_AKISMET_HOSTS = ["akismet.example.org", ".rest.example.org"]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "akismet.example.org", ".rest.example.org"]
    for host in ("akismet.example.org", f"{api_key.key}.rest.example.org"):
        response = form_post(client, "/1.1/comment-check", comment(api_key.key), HTTP_HOST=host)
        assert_text(response, b"false")
        assert_text(client.get("/akismet/1.1/test", HTTP_HOST=host), b"connected")
    assert client.get("/1.1/test").status_code == 404


def test_api_responses_are_never_page_cached(client, api_key, settings):
    settings.GAZETTE_PAGE_CACHE_ENABLED = True
    for _ in range(2):
        response = client.get("/akismet/1.2/usage-limit", {"api_key": api_key.key})
        assert "no-store" in response["Cache-Control"]
        assert "public" not in response["Cache-Control"]
        # The page cache marks what it stores ("miss") and what it serves ("hit").
        assert "X-Page-Cache" not in response


def test_api_calls_ask_the_page_and_route_cache_at_most_on_reads(client, api_key, settings):
    """The page cache knows nothing of /akismet/: a GET there costs it one lookup (and is
    never stored, see above); checks and reports are POSTs, which ask nothing, and a host of
    the API's own (a URLconf of its own) serves no pages, so asks nothing either. Remembered
    routes are asked by Wagtail's page routing only, which no API call reaches."""
    settings.GAZETTE_PAGE_CACHE_ENABLED = True
    settings.GAZETTE_AKISMET_HOSTS = ["akismet.example.org"]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "akismet.example.org"]
    with patch.object(PageCacheMiddleware, "_lookup", return_value=None) as lookup, \
            patch("gazette.news.routing._remembered_page", return_value=None) as route:
        post(client, "1.1/comment-check", comment(api_key.key))
        post(client, "1.1/submit-ham", comment(api_key.key))
        assert_text(client.get("/1.1/test", HTTP_HOST="akismet.example.org"), b"connected")
        assert lookup.call_count == 0 and route.call_count == 0
        assert_text(client.get("/akismet/1.1/test"), b"connected")
        assert lookup.call_count == 1 and route.call_count == 0

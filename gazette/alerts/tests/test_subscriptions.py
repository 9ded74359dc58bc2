"""Email subscriptions: confirmation before anything, signed links for preferences and the
one-click unsubscribe; forged or expired links change nothing."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing

from gazette.alerts import subscriptions
from gazette.alerts.models import Subscription
from gazette.alerts.subscriptions import CONFIRM, MANAGE, UNSUBSCRIBE, token_for
from gazette.news.testing import make_article

pytestmark = pytest.mark.django_db

ADDRESS = "reader@example.org"


@pytest.fixture
def signup(client, django_capture_on_commit_callbacks):
    def send(email=ADDRESS, topics=("breaking",), **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/alerts/subscribe/", {"email": email, "topics": list(topics)},
                               **extra)
    return send


def link_in(message, name):
    match = re.search(rf"https?://\S+/alerts/{name}/(\S+?)/", message.body)
    assert match, message.body
    return match.group(0), match.group(1)


def test_signup_sends_a_confirmation_and_nothing_is_confirmed_yet(signup):
    response = signup()
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    subscription = Subscription.objects.get(channel="email")
    assert subscription.email == ADDRESS and subscription.confirmed_at is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [ADDRESS]
    link_in(mail.outbox[0], "confirm")


def test_confirm_link_get_shows_a_button_post_confirms(client, signup):
    signup()
    url, _ = link_in(mail.outbox[0], "confirm")
    path = url.split("testserver", 1)[-1] if "testserver" in url else "/" + url.split("/", 3)[3]
    assert client.get(path).status_code == 200
    assert Subscription.objects.get().confirmed_at is None
    response = client.post(path)
    assert response.status_code == 200
    assert Subscription.objects.get().confirmed_at is not None
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response[
        "Cache-Control"]


def test_confirmed_address_signing_up_again_gets_its_link_not_a_change(signup, section):
    signup()
    subscription = Subscription.objects.get()
    subscriptions.email_confirm(subscription)
    mail.outbox.clear()
    response = signup(topics=[f"section:{section.pk}"])
    assert response.status_code == 200
    assert subscriptions.topics_of(subscription) == ["breaking"]
    assert len(mail.outbox) == 1
    link_in(mail.outbox[0], "manage")


def test_address_case_does_not_make_a_second_subscription(signup):
    signup()
    signup(email=ADDRESS.upper())
    assert Subscription.objects.filter(channel="email").count() == 1


@pytest.mark.parametrize("form", [
    {"email": "not-an-address", "topics": ["breaking"]},
    {"email": ADDRESS},
    {"email": ADDRESS, "topics": ["nonsense"]},
    {"email": ADDRESS, "topics": ["story:424242"]},
])
def test_bad_form_is_400_and_stores_nothing(client, form):
    response = client.post("/alerts/subscribe/", form)
    assert response.status_code == 400
    assert Subscription.objects.count() == 0 and not mail.outbox


def test_cross_site_form_is_refused(signup):
    response = signup(HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert Subscription.objects.count() == 0 and not mail.outbox


def _confirmed(topics=("breaking",)):
    subscriptions.email_subscribe(email=ADDRESS, topics=list(topics))
    return subscriptions.email_confirm(Subscription.objects.get(email=ADDRESS))


def test_manage_changes_topics(client, section):
    article = make_article(section)
    subscription = _confirmed(["breaking", f"story:{article.pk}"])
    path = f"/alerts/manage/{token_for(subscription, MANAGE)}/"
    page = client.get(path)
    assert page.status_code == 200
    assert article.title.encode() in page.content
    response = client.post(path, {"topics": [f"story:{article.pk}"]})
    assert response.status_code == 200
    assert subscriptions.topics_of(subscription) == [f"story:{article.pk}"]


def test_manage_cancel_deletes_and_kills_every_link(client):
    subscription = _confirmed()
    manage = f"/alerts/manage/{token_for(subscription, MANAGE)}/"
    unsubscribe = f"/alerts/unsubscribe/{token_for(subscription, UNSUBSCRIBE)}/"
    assert client.post(manage, {"cancel": "1"}).status_code == 200
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    assert client.get(manage).status_code == 404
    assert client.get(unsubscribe).status_code == 404


def test_one_click_unsubscribe_post_without_csrf(settings):
    from django.test import Client

    subscription = _confirmed()
    headers = subscriptions.unsubscribe_headers(subscription)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    path = "/" + url.split("/", 3)[3]
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(path).status_code == 200
    assert Subscription.objects.filter(pk=subscription.pk).exists()
    response = strict.post(path, {"List-Unsubscribe": "One-Click"},
                           HTTP_ORIGIN="https://mail.example")
    assert response.status_code == 200
    assert not Subscription.objects.filter(pk=subscription.pk).exists()


def _forgeries(subscription, purpose):
    genuine = token_for(subscription, purpose)
    other_purpose = token_for(subscription, CONFIRM if purpose != CONFIRM else MANAGE)
    wrong_key = signing.dumps({"s": subscription.pk, "k": subscription.token_salt},
                              key="not-our-secret-key", salt="gazette.alerts.link." + purpose)
    stale_salt = signing.dumps({"s": subscription.pk, "k": "old"},
                               salt="gazette.alerts.link." + purpose)
    return [genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"), other_purpose,
            wrong_key, stale_salt, "garbage", "x" * 500]


@pytest.mark.parametrize("name,purpose", [("manage", MANAGE), ("unsubscribe", UNSUBSCRIBE),
                                          ("confirm", CONFIRM)])
def test_forged_links_change_nothing(client, name, purpose, section):
    subscriptions.email_subscribe(email=ADDRESS, topics=["breaking"])
    subscription = Subscription.objects.get()
    if purpose != CONFIRM:
        subscriptions.email_confirm(subscription)
    confirmed_before = Subscription.objects.get().confirmed_at
    for token in _forgeries(subscription, purpose):
        path = f"/alerts/{name}/{token}/"
        response = client.post(path, {"cancel": "1", "topics": [f"section:{section.pk}"]})
        assert response.status_code == 404, token
        assert client.get(path).status_code == 404
    after = Subscription.objects.get()
    assert after.confirmed_at == confirmed_before
    assert subscriptions.topics_of(after) == ["breaking"]


def test_expired_manage_link_changes_nothing(client, monkeypatch):
    subscription = _confirmed()
    token = token_for(subscription, MANAGE)
    monkeypatch.setitem(subscriptions.MAX_AGE, MANAGE, -1)
    response = client.post(f"/alerts/manage/{token}/", {"cancel": "1"})
    assert response.status_code == 404
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_expired_unsubscribe_link_changes_nothing_and_a_fresh_one_works(client, monkeypatch):
    subscription = _confirmed()
    old = token_for(subscription, UNSUBSCRIBE)
    assert subscriptions.MAX_AGE[UNSUBSCRIBE] == 365 * 24 * 3600
    monkeypatch.setitem(subscriptions.MAX_AGE, UNSUBSCRIBE, -1)
    assert client.post(f"/alerts/unsubscribe/{old}/").status_code == 404
    assert Subscription.objects.filter(pk=subscription.pk).exists()
    monkeypatch.setitem(subscriptions.MAX_AGE, UNSUBSCRIBE, 3600)
    fresh = token_for(subscription, UNSUBSCRIBE)
    assert client.post(f"/alerts/unsubscribe/{fresh}/").status_code in (200, 204, 303)
    assert not Subscription.objects.filter(pk=subscription.pk).exists()


def test_expired_confirm_link_confirms_nothing(client, monkeypatch):
    subscriptions.email_subscribe(email=ADDRESS, topics=["breaking"])
    subscription = Subscription.objects.get()
    token = token_for(subscription, CONFIRM)
    monkeypatch.setitem(subscriptions.MAX_AGE, CONFIRM, -1)
    assert client.post(f"/alerts/confirm/{token}/").status_code == 404
    assert Subscription.objects.get().confirmed_at is None


def test_manage_url_and_headers_are_absolute_links_of_the_site(settings):
    subscription = _confirmed()
    assert subscriptions.manage_url(subscription).startswith(("http://", "https://"))
    assert "/alerts/manage/" in subscriptions.manage_url(subscription)
    assert ADDRESS not in subscriptions.manage_url(subscription)
    assert ADDRESS not in subscriptions.unsubscribe_headers(subscription)["List-Unsubscribe"]

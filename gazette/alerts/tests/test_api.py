"""The push JSON API: the key, and every malformed subscription refused with nothing stored."""

from __future__ import annotations

import json

import pytest

from gazette.alerts import vapid
from gazette.alerts.models import Subscription, SubscriptionTopic
from gazette.alerts.subscriptions import MANAGE, subscription_from_token
from gazette.news.testing import make_article

from .subscribers import b64url, browser_keys

pytestmark = pytest.mark.django_db

URL = "/api/v1/push/subscriptions"
ENDPOINT = "https://93.184.216.34/push/abc123"


def post(client, body, **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **extra)


def good_body(**changes):
    body = {"endpoint": ENDPOINT, "keys": browser_keys(), "topics": ["breaking"]}
    body.update(changes)
    return body


def test_key_is_the_stored_vapid_key(client):
    response = client.get("/api/v1/push/key")
    assert response.status_code == 200
    assert response.json() == {"publicKey": vapid.public_key_b64()}


def test_subscription_is_stored_with_topics_and_a_manage_link(client, section):
    article = make_article(section)
    topics = ["breaking", f"section:{section.pk}", f"story:{article.pk}"]
    response = post(client, good_body(topics=topics))
    assert response.status_code == 201, response.content
    data = response.json()
    subscription = Subscription.objects.get(pk=data["id"])
    assert subscription.channel == "push" and subscription.endpoint == ENDPOINT
    assert subscription.confirmed_at is not None
    assert sorted(data["topics"]) == sorted(topics)
    token = data["manage"].rstrip("/").rsplit("/", 1)[1]
    assert subscription_from_token(token, MANAGE) == subscription


def test_same_endpoint_again_updates_instead_of_duplicating(client, section):
    first = post(client, good_body()).json()
    keys = browser_keys()
    second = post(client, good_body(keys=keys, topics=[f"section:{section.pk}"])).json()
    assert first["id"] == second["id"]
    subscription = Subscription.objects.get()
    assert subscription.p256dh == keys["p256dh"]
    assert list(subscription.topics.values_list("topic", flat=True)) == [f"section:{section.pk}"]


def _off_curve_point() -> str:
    # x = 1, y = 1 is not on P-256.
    return b64url(b"\x04" + (1).to_bytes(32, "big") + (1).to_bytes(32, "big"))


BAD_BODIES = {
    "not a URL": good_body(endpoint="not a url"),
    "plain http": good_body(endpoint="http://93.184.216.34/push"),
    "private address": good_body(endpoint="https://10.0.0.7/push"),
    "loopback": good_body(endpoint="https://127.0.0.1:9/push"),
    "metadata address": good_body(endpoint="https://169.254.169.254/latest"),
    "endpoint not a string": good_body(endpoint=["x"]),
    "keys missing": {"endpoint": ENDPOINT, "topics": ["breaking"]},
    "p256dh too short": good_body(keys={**browser_keys(), "p256dh": b64url(b"\x04" + b"1" * 32)}),
    "p256dh compressed": good_body(keys={**browser_keys(), "p256dh": b64url(b"\x02" + b"1" * 32)}),
    "p256dh off the curve": good_body(keys={**browser_keys(), "p256dh": _off_curve_point()}),
    "p256dh not base64": good_body(keys={**browser_keys(), "p256dh": "!!!not base64!!!"}),
    "auth 15 bytes": good_body(keys={**browser_keys(), "auth": b64url(b"a" * 15)}),
    "auth 17 bytes": good_body(keys={**browser_keys(), "auth": b64url(b"a" * 17)}),
    "unknown topic": good_body(topics=["weather"]),
    "missing section": good_body(topics=["section:999999"]),
    "no topics": good_body(topics=[]),
    "topics not a list": good_body(topics="breaking"),
    "topic not a string": good_body(topics=[7]),
    "array body": [good_body()],
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_subscription_is_a_json_4xx_and_stores_nothing(client, case):
    response = post(client, BAD_BODIES[case])
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]
    assert Subscription.objects.count() == 0
    assert SubscriptionTopic.objects.count() == 0


def test_not_json_is_400(client):
    response = post(client, b"{not json")
    assert response.status_code == 400 and response.json()["error"]
    assert Subscription.objects.count() == 0


def test_oversized_body_is_413(client):
    body = good_body(padding="x" * (9 * 1024))
    response = post(client, body)
    assert response.status_code == 413 and "body" in response.json()["error"]
    assert Subscription.objects.count() == 0


def test_draft_story_is_not_a_topic(client, section):
    draft = make_article(section, publish=False)
    response = post(client, good_body(topics=[f"story:{draft.pk}"]))
    assert response.status_code == 422
    assert Subscription.objects.count() == 0


def test_cross_site_browser_post_is_refused(client):
    response = post(client, good_body(), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert Subscription.objects.count() == 0


def test_same_origin_post_is_accepted(client):
    response = post(client, good_body(), HTTP_ORIGIN="http://testserver")
    assert response.status_code == 201


def test_loopback_http_allowed_with_the_development_setting(client, settings):
    settings.GAZETTE_PUSH_ALLOW_INSECURE = True
    response = post(client, good_body(endpoint="http://127.0.0.1:8123/push/1"))
    assert response.status_code == 201
    response = post(client, good_body(endpoint="http://10.0.0.1:8123/push/1"))
    assert response.status_code == 422


def test_delete_by_endpoint(client):
    post(client, good_body())
    response = client.delete(URL, data=json.dumps({"endpoint": ENDPOINT}),
                             content_type="application/json")
    assert response.status_code == 204
    assert Subscription.objects.count() == 0
    again = client.delete(URL, data=json.dumps({"endpoint": ENDPOINT}),
                          content_type="application/json")
    assert again.status_code == 404


def test_nothing_personal_in_the_answer(client):
    keys = browser_keys()
    response = post(client, good_body(keys=keys), HTTP_USER_AGENT="Secret-Agent/1.0")
    text = response.content.decode()
    assert keys["auth"] not in text and keys["p256dh"] not in text
    assert "Secret-Agent" not in text


def test_api_docs_load_nothing_from_another_origin(client):
    import re

    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.content.decode())
    assert sources and all(source.startswith("/") for source in sources), sources

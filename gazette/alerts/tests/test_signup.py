"""The "Always be the first to know" box: on every page and under every story, the same for
every reader (pages stay cached), a plain email form that works without JavaScript, and no
reader's address on any public page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import Client

from gazette.alerts import subscriptions
from gazette.alerts.models import Subscription
from gazette.news.testing import make_article

pytestmark = pytest.mark.django_db

ADDRESS = "first.to.know@example.org"


class FormReader(HTMLParser):
    """What a browser without JavaScript would send from the first sign-up form of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and "alerts-box__form" in (attributes.get("class") or ""):
            self._current = {"action": attributes["action"], "method": attributes["method"],
                             "topics": [], "choices": [], "fields": []}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None:
            self._current["fields"].append(attributes.get("name"))
            if attributes.get("name") == "topics":
                self._current["choices"].append(attributes["value"])
                if "checked" in attributes:
                    self._current["topics"].append(attributes["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def boxes(html: str) -> list[dict]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms


@pytest.fixture
def article(section):
    return make_article(section)


def test_footer_box_on_every_page(client, section, article):
    for url in ["/", section.url, article.url, "/search/?q=harbour"]:
        html = client.get(url).content.decode()
        assert "Always be the first to know" in html, url
        footer = html.split('<footer class="site-footer"', 1)[1]
        assert boxes(footer) and boxes(footer)[0]["choices"] == ["breaking"], url


def test_box_under_each_story_offers_its_section_and_the_story(client, section, article):
    html = client.get(article.url).content.decode()
    story_box = boxes(html)[0]
    assert story_box["choices"] == ["breaking", f"section:{section.pk}", f"story:{article.pk}"]
    assert story_box["topics"] == ["breaking", f"story:{article.pk}"]
    assert story_box["action"] == "/alerts/subscribe/" and story_box["method"] == "post"
    assert "email" in story_box["fields"]


def test_no_inline_script_and_no_per_reader_token(client, article):
    html = client.get(article.url).content.decode()
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "application/ld+json" in attrs or (not body.strip() and "src=" in attrs), attrs
    assert "/static/alerts/signup.js" in html
    assert "csrfmiddlewaretoken" not in html


def test_pages_with_the_box_stay_cached_and_identical(section, article):
    client = Client()
    for url in ["/", article.url]:
        first = client.get(url)
        second = Client().get(url)
        assert second["X-Page-Cache"] == "hit", url
        assert first.content == second.content
        assert "public" in second["Cache-Control"]


def test_form_without_javascript_subscribes(client, article, django_capture_on_commit_callbacks):
    form = boxes(client.get(article.url).content.decode())[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form["action"], {"email": ADDRESS, "topics": form["topics"]},
                               HTTP_ORIGIN="http://testserver",
                               HTTP_REFERER=f"http://testserver{article.url}")
    assert response.status_code == 200
    subscription = Subscription.objects.get(email=ADDRESS)
    assert subscriptions.topics_of(subscription) == sorted(form["topics"])
    assert len(mail.outbox) == 1
    assert response["Cache-Control"] and "no-cache" in response["Cache-Control"]


def test_no_subscriber_address_on_any_public_page(section, article,
                                                  django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/alerts/subscribe/", {"email": ADDRESS, "topics": ["breaking"]})
    subscriptions.email_confirm(Subscription.objects.get(email=ADDRESS))
    urls = ["/", section.url, article.url, "/feeds/rss/", "/feeds/atom/", "/feeds/json/",
            "/sitemap.xml", "/api/v1/push/key", "/search/?q=first", "/alerts-sw.js"]
    for url in urls:
        response = Client().get(url)
        body = b"".join(response) if response.streaming else response.content
        assert response.status_code == 200, url
        assert ADDRESS.encode() not in body and b"first.to.know" not in body, url


def test_service_worker_at_the_root(client):
    response = client.get("/alerts-sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = b"".join(response.streaming_content).decode()
    assert 'addEventListener("push"' in body and "/alerts/clicked/" in body


def test_click_report_calls_the_service(client, monkeypatch):
    from gazette.alerts import services

    seen: list[int] = []
    monkeypatch.setattr(services, "alert_clicked", lambda alert_id: seen.append(alert_id))
    assert client.post("/alerts/clicked/42/").status_code == 204
    assert seen == [42]
    assert client.post("/alerts/clicked/42/",
                       HTTP_ORIGIN="https://evil.example").status_code == 403
    assert client.get("/alerts/clicked/42/").status_code == 405
    assert seen == [42]

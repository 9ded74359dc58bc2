"""The preferences page (signed link, no account) offers every live section, so a reader who
signed up for breaking news can add a section there."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from gazette.alerts import subscriptions
from gazette.alerts.tests.sending import email_subscribe
from gazette.alerts.topics import section_topic, story_topic
from gazette.news.testing import make_section

pytestmark = pytest.mark.django_db


def offered(page: str) -> set[str]:
    return set(re.findall(r'<input type="checkbox" name="topics" value="([^"]+)"', page))


def ticked(page: str) -> set[str]:
    return set(re.findall(r'<input type="checkbox" name="topics" value="([^"]+)"[^>]*checked',
                          page))


def test_a_reader_can_add_a_live_section(article: Any) -> None:
    world = article.section
    sport = make_section("Sport", slug="sport")
    draft = make_section("Gardening", slug="gardening")
    draft.unpublish()
    subscription = email_subscribe("reader@example.org", "breaking", story_topic(article.pk))
    path = urlsplit(subscriptions.manage_url(subscription)).path
    client = Client()

    page = client.get(path).content.decode()

    assert offered(page) == {"breaking", section_topic(world.pk), section_topic(sport.pk),
                             story_topic(article.pk)}
    assert ticked(page) == {"breaking", story_topic(article.pk)}
    assert "Section: Sport" in page and "Gardening" not in page

    response = client.post(path, {"topics": ["breaking", section_topic(sport.pk)],
                                  "save": "1"})
    assert response.status_code == 200 and "saved" in response.content.decode()
    assert subscriptions.topics_of(subscription) == sorted(["breaking",
                                                             section_topic(sport.pk)])
    # A section that is not live cannot be slipped in.
    response = client.post(path, {"topics": [section_topic(draft.pk)], "save": "1"})
    assert response.status_code == 400
    assert subscriptions.topics_of(subscription) == sorted(["breaking",
                                                             section_topic(sport.pk)])

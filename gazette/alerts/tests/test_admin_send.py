"""Sending an alert from a story in the Wagtail admin: who sees "Send alert" and where, the form's
defaults, the preview and the audience, the confirmation that sends (to the tests' own push
service on loopback), a second alert refused unless "Send again" is ticked, bad input."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import Group

from gazette.alerts.models import Alert, Delivery
from gazette.alerts.services import article_url
from gazette.alerts.tests.sending import (  # noqa: F401  (a fixture)
    email_subscribe,
    push_service_fixture,
    subscribe,
)
from gazette.alerts.topics import section_topic, story_topic
from gazette.news.testing import make_article, make_image

from .admin_testing import client_for, editor, refused, send_url

pytestmark = pytest.mark.django_db


def fields(article: Any, **changes: Any) -> dict[str, Any]:
    values = {"title": "Barrier approved", "body": "Nine votes to four.",
              "url": "https://news.example.org/world/barrier/", "image_url": "",
              "topic": "breaking", **changes}
    return {name: value for name, value in values.items() if value is not None}


def attribute(response: Any, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', response.content.decode())
    assert found, f"no {name} in the page"
    return html.unescape(found.group(1))


def input_value(response: Any, name: str) -> str:
    page = response.content.decode()
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found, f"no input {name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


# --- Who sees "Send alert", and where -------------------------------------------------------


def test_the_button_is_in_a_storys_header_menu_for_those_who_may_send(
        article: Any, django_user_model: Any) -> None:
    edit = f"/admin/pages/{article.pk}/edit/"
    allowed = client_for(editor(django_user_model)).get(edit)
    assert allowed.status_code == 200
    assert f'data-send-alert="{article.pk}"' in allowed.content.decode()
    assert send_url(article.pk) in allowed.content.decode()

    not_allowed = client_for(editor(django_user_model, "writer", may_send=False)).get(edit)
    assert not_allowed.status_code == 200
    assert "data-send-alert" not in not_allowed.content.decode()


def test_the_button_is_not_offered_for_sections_or_drafts(
        article: Any, section: Any, django_user_model: Any) -> None:
    client = client_for(editor(django_user_model))
    page = client.get(f"/admin/pages/{section.pk}/edit/").content.decode()
    assert "data-send-alert" not in page
    draft = make_article(section, title="Not yet", publish=False)
    assert "data-send-alert" not in client.get(
        f"/admin/pages/{draft.pk}/edit/").content.decode()
    assert client.get(send_url(draft.pk)).status_code == 404
    assert client.get(send_url(section.pk)).status_code == 404


def test_the_page_listing_offers_it_in_a_storys_more_menu(
        article: Any, section: Any, django_user_model: Any) -> None:
    draft = make_article(section, title="Not yet", publish=False)
    listing = client_for(editor(django_user_model)).get(f"/admin/pages/{section.pk}/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert f'data-send-alert="{article.pk}"' in page
    assert f'data-send-alert="{draft.pk}"' not in page
    other = client_for(editor(django_user_model, "writer", may_send=False))
    assert "data-send-alert" not in other.get(f"/admin/pages/{section.pk}/").content.decode()


def test_the_form_is_refused_without_the_permission(article: Any,
                                                    django_user_model: Any) -> None:
    client = client_for(editor(django_user_model, may_send=False))
    assert refused(client.get(send_url(article.pk)))
    assert refused(client.post(send_url(article.pk), {**fields(article), "step": "send"}))
    assert not Alert.objects.exists()


def test_wagtails_moderators_may_send_and_editors_may_not() -> None:
    def permissions(name: str) -> set[str]:
        return set(Group.objects.get(name=name).permissions.filter(
            content_type__app_label="alerts").values_list("codename", flat=True))

    assert "send_alert" in permissions("Moderators")
    assert "send_alert" not in permissions("Editors")


# --- The form, the preview, the audience ----------------------------------------------------


def test_the_form_starts_from_the_story(article: Any, django_user_model: Any, tmp_path: Any,
                                        settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    article.lead_image = make_image()
    article.save_revision().publish()
    response = client_for(editor(django_user_model)).get(send_url(article.pk))
    assert response.status_code == 200
    assert input_value(response, "title") == article.title
    assert article.standfirst in html.unescape(response.content.decode())
    image = input_value(response, "image_url")
    assert image.startswith("http") and image.endswith(".jpg") and "fill-720x360" in image
    assert input_value(response, "url") == article_url(article)  # the site's public address
    assert article_url(article).endswith(article.url)
    page = response.content.decode()
    # The choice of topics: breaking news, the story's section, its followers.
    for topic in ("breaking", section_topic(article.section.pk), story_topic(article.pk)):
        assert f'value="{topic}"' in page
    # A story that is not breaking news goes to its followers unless the editor says otherwise.
    assert re.search(rf'value="{story_topic(article.pk)}"[^>]*checked', page)
    # No earlier alert: no "Send again".
    assert 'name="force"' not in page


def test_the_form_and_the_command_line_take_the_image_from_one_rendition(
        article: Any, django_user_model: Any, tmp_path: Any, settings: Any,
        monkeypatch: Any, django_capture_on_commit_callbacks: Any) -> None:
    from gazette.alerts import services

    settings.MEDIA_ROOT = tmp_path
    article.lead_image = make_image()
    article.save_revision().publish()
    # Defined once: a change reaches the admin's default and every alert made from the story.
    monkeypatch.setattr(services, "NOTIFICATION_RENDITION", "fill-360x180|format-jpeg")
    response = client_for(editor(django_user_model)).get(send_url(article.pk))
    image = input_value(response, "image_url")
    assert "fill-360x180" in image
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.alert_for_article(article)
    assert alert.image_url == image


def test_the_preview_shows_the_notification_its_size_and_audience(
        article: Any, django_user_model: Any) -> None:
    for number in range(3):
        email_subscribe(f"reader{number}@example.org", "breaking")
    email_subscribe("unconfirmed@example.org", "breaking", confirmed=False)
    email_subscribe("section@example.org", section_topic(article.section.pk))
    client = client_for(editor(django_user_model))

    response = client.post(send_url(article.pk), {
        **fields(article, image_url="https://img.example.org/quay.jpg"), "step": "preview"})

    assert response.status_code == 200
    assert attribute(response, "data-audience") == "3"
    assert attribute(response, "data-audience-email") == "3"
    assert attribute(response, "data-audience-push") == "0"
    assert "Send to 3 subscribers?" in response.content.decode()
    page = html.unescape(response.content.decode())
    assert re.search(r"data-preview-title>Barrier approved<", page)
    assert re.search(r"data-preview-body>Nine votes to four.<", page)
    assert 'href="https://news.example.org/world/barrier/"' in page
    assert 'href="https://img.example.org/quay.jpg"' in page
    # The service worker's icon when an alert names none: the site's logo.
    assert re.search(r'<img src="/static/news/logo\.png"[^>]*data-preview-icon', page)
    # The payload as it would go out (with the largest alert id the database could give).
    payload = {"id": 2**63 - 1, "title": "Barrier approved", "body": "Nine votes to four.",
               "url": "https://news.example.org/world/barrier/",
               "image": "https://img.example.org/quay.jpg", "tag": f"story-{article.pk}"}
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    assert attribute(response, "data-payload-size") == str(size)
    # Previewing sends nothing.
    assert not Alert.objects.exists()


def test_the_audience_follows_the_chosen_topic(article: Any, django_user_model: Any,
                                               push_service: Any) -> None:
    story = story_topic(article.pk)
    for _ in range(2):
        subscribe(push_service.make_subscriber(), story)
    subscribe(push_service.make_subscriber(), "breaking")
    email_subscribe("follower@example.org", story)
    response = client_for(editor(django_user_model)).post(
        send_url(article.pk), {**fields(article, topic=story), "step": "preview"})
    assert (attribute(response, "data-audience"), attribute(response, "data-audience-push"),
            attribute(response, "data-audience-email")) == ("3", "2", "1")


@pytest.mark.parametrize("change, message", [
    ({"title": ""}, "This field is required"),
    ({"url": "not a link at all"}, "Enter a valid URL"),
    ({"topic": "section:999999"}, "Select a valid choice"),
    ({"title": "x" * 121}, "at most 120 characters"),
])
def test_bad_input_comes_back_with_the_reason(article: Any, django_user_model: Any,
                                              change: dict[str, str], message: str) -> None:
    response = client_for(editor(django_user_model)).post(
        send_url(article.pk), {**fields(article, **change), "step": "send"})
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not Alert.objects.exists()


def test_a_payload_over_the_push_limit_is_refused(article: Any, django_user_model: Any
                                                   ) -> None:
    # Each field within its length, but in UTF-8 together over 3,993 bytes even with the text
    # left out (the text alone would be shortened to fit).
    wide = "é" * 970
    response = client_for(editor(django_user_model)).post(send_url(article.pk), {
        **fields(article, title="é" * 120, url=f"https://news.example.org/{wide}",
                 image_url=f"https://img.example.org/{wide}"), "step": "preview"})
    assert response.status_code == 400
    assert "too long for a push message" in html.unescape(response.content.decode())
    assert not Alert.objects.exists()


# --- Sending --------------------------------------------------------------------------------


def test_confirming_sends_to_every_subscriber_of_the_topic(
        article: Any, django_user_model: Any, push_service: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    readers = [push_service.make_subscriber() for _ in range(3)]
    for reader in readers:
        subscribe(reader, "breaking")
    outsider = push_service.make_subscriber()
    subscribe(outsider, section_topic(article.section.pk))
    user = editor(django_user_model)
    client = client_for(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(article.pk), {**fields(article), "step": "send"})

    alert = Alert.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/alerts/{alert.pk}/"
    assert (alert.article_id, alert.topic, alert.title, alert.created_by_id) == (
        article.pk, "breaking", "Barrier approved", user.pk)
    assert alert.urgency == "high"  # breaking news
    # The fan-out ran (tasks run inline in tests): each reader got one decryptable message.
    assert {reader.id: push_service.received[reader.id] for reader in readers} == {
        reader.id: 1 for reader in readers}
    assert push_service.received[outsider.id] == 0
    assert push_service.messages(readers[0].id)[0].data()["title"] == "Barrier approved"
    assert Delivery.objects.filter(alert=alert, status="delivered").count() == 3
    alert.refresh_from_db()
    assert (alert.targeted, alert.delivered) == (3, 3) and alert.finished_at is not None
    # The manual breaking alert is the story's one automatic alert too.
    assert alert.auto_for_article_id == article.pk


def test_a_second_alert_is_refused_unless_send_again_is_ticked(
        article: Any, django_user_model: Any, push_service: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    reader = push_service.make_subscriber()
    subscribe(reader, "breaking", story_topic(article.pk))
    client = client_for(editor(django_user_model))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(send_url(article.pk), {**fields(article), "step": "send"})
    first = Alert.objects.get()

    # The form now names the earlier alert and offers "Send again".
    form = client.get(send_url(article.pk)).content.decode()
    assert f'data-earlier-alert="{first.pk}"' in form and 'name="force"' in form

    for step in ("preview", "send"):
        response = client.post(send_url(article.pk), {**fields(article), "step": step})
        assert response.status_code == 409
        assert f'data-earlier-alert="{first.pk}"' in response.content.decode()
        assert "Send again" in html.unescape(response.content.decode())
    assert Alert.objects.count() == 1 and push_service.received[reader.id] == 1

    preview = client.post(send_url(article.pk), {
        **fields(article, title="Update: work starts", topic="breaking"), "step": "preview",
        "force": "on"})
    assert preview.status_code == 200
    assert input_value(preview, "force") == "on"  # the tick travels to the confirmation
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(article.pk), {
            **fields(article, title="Update: work starts"), "step": "send", "force": "on"})
    assert response.status_code == 302
    second = Alert.objects.exclude(pk=first.pk).get()
    assert second.title == "Update: work starts" and second.auto_for_article_id is None
    assert push_service.received[reader.id] == 2


def test_the_same_rule_as_the_command_line_other_readers_need_no_tick_the_same_ones_do(
        article: Any, django_user_model: Any, push_service: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    from django.core.management import CommandError, call_command

    follower = push_service.make_subscriber()
    subscribe(follower, story_topic(article.pk))
    client = client_for(editor(django_user_model))
    # The story's followers were alerted from the command line...
    with django_capture_on_commit_callbacks(execute=True):
        call_command("alerts", "send", str(article.pk), "--topic", story_topic(article.pk))
    # ...so the admin refuses the same readers a second alert without "Send again"...
    story = fields(article, topic=story_topic(article.pk))
    response = client.post(send_url(article.pk), {**story, "step": "preview"})
    assert response.status_code == 409 and "Send again" in html.unescape(
        response.content.decode())
    # ...but breaking news is another audience: no tick needed, and it is the story's
    # automatic alert, which the command line then refuses to repeat.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(article.pk), {**fields(article), "step": "send"})
    assert response.status_code == 302
    assert Alert.objects.get(topic="breaking").auto_for_article_id == article.pk
    with pytest.raises(CommandError, match="already sent"):
        call_command("alerts", "send", str(article.pk))
    assert Alert.objects.count() == 2 and push_service.received[follower.id] == 1


def test_change_goes_back_to_the_form_with_the_values(article: Any,
                                                      django_user_model: Any) -> None:
    response = client_for(editor(django_user_model)).post(
        send_url(article.pk), {**fields(article, title="Edited headline"), "step": "edit"})
    assert response.status_code == 200
    assert input_value(response, "title") == "Edited headline"
    assert not Alert.objects.exists()


@pytest.mark.parametrize("path", ["/admin/alerts/send/999999/", "/admin/alerts/999999/",
                                  "/admin/alerts/send/abc/", "/admin/alerts/0/"])
def test_unknown_ids_are_404(path: str, django_user_model: Any) -> None:
    client = client_for(editor(django_user_model))
    assert client.get(path).status_code == 404


def test_resuming_an_unknown_alert_is_404(django_user_model: Any) -> None:
    client = client_for(editor(django_user_model))
    assert client.post("/admin/alerts/999999/resume/").status_code == 404
    assert client.get("/admin/alerts/999999/resume/").status_code == 405

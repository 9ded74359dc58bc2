"""The contact form: stored, mailed by a task, guarded by a honeypot, a signed token, the
browser's Origin and a per-network limit; every refusal keeps the reader's text; never a 500."""

from __future__ import annotations

import html
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from gazette.trust import services, tokens
from gazette.trust.forms import HONEYPOT, MULTILINE_MAX
from gazette.trust.models import ContactSubmission

pytestmark = pytest.mark.django_db

MESSAGE = "Your story on the quay wall gives the wrong year: it was built in 1911, not 1912."


def form_page(client: Client, contact) -> str:
    return client.get(contact.url).content.decode()


def token_of(page_html: str) -> str:
    found = re.search(r'name="contact_token" value="([^"]+)"', page_html)
    assert found
    return html.unescape(found.group(1))


def action_of(page_html: str) -> str:
    found = re.search(r'<form method="post" action="([^"]+)"', page_html)
    assert found
    return found.group(1)


def fields(contact, **overrides) -> dict[str, str]:
    data = {"your_name": "Ana Ferro", "your_email_address": "ana@example.net",
            "what_is_it_about": "A correction", "your_message": MESSAGE, HONEYPOT: "",
            "contact_token": tokens.form_token(contact.pk)}
    data.update(overrides)
    return data


def post(client: Client, contact, data: dict[str, str], **headers: str):
    return client.post(contact.form_action(), data, **headers)


@pytest.fixture
def client():
    return Client(REMOTE_ADDR="203.0.113.7")


def test_the_page_is_cached_cookie_free_and_carries_the_form(contact, client, settings):
    settings.GAZETTE_PAGE_CACHE_ENABLED = True
    first = client.get(contact.url)
    assert first.status_code == 200
    assert first["X-Page-Cache"] == "miss"
    assert not first.cookies
    second = client.get(contact.url)
    assert second["X-Page-Cache"] == "hit"
    page = first.content.decode()
    assert action_of(page) == f"/trust/contact/{contact.pk}/"
    assert tokens.form_token_check(token_of(page), contact.pk).valid
    assert f'name="{HONEYPOT}"' in page and 'aria-hidden="true"' in page
    assert "csrfmiddlewaretoken" not in page
    for label in ("Your name", "Your email address", "What is it about?", "Your message"):
        assert label in page


def test_a_message_is_stored_and_mailed_to_the_newsroom_by_the_task(
        contact, client, mailoutbox, django_capture_on_commit_callbacks):
    page = form_page(client, contact)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, contact, fields(contact, contact_token=token_of(page)),
                        HTTP_ORIGIN="http://testserver")
    assert response.status_code == 303
    assert response["Location"] == f"{contact.url}?sent=1"
    submission = ContactSubmission.objects.get()
    assert submission.form_data == {
        "your_name": "Ana Ferro", "your_email_address": "ana@example.net",
        "what_is_it_about": "A correction", "your_message": MESSAGE}
    assert submission.mailed_at is not None
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["newsdesk@example.org"]
    assert mail.reply_to == ["ana@example.net"]
    assert "A message from the contact form" in mail.subject
    assert "Your message:\n" + MESSAGE in mail.body
    assert f"/admin/forms/submissions/{contact.pk}/" in mail.body
    assert "203.0.113.7" not in str(submission.form_data) + mail.body

    landing = client.get(response["Location"])
    assert landing.status_code == 200
    assert "your message has reached the newsroom" in landing.content.decode()


def test_the_mail_goes_once_and_not_without_an_address(contact, mailoutbox):
    submission = ContactSubmission.objects.create(page=contact, form_data={"your_message": "Hi"})
    assert services.contact_mail_send(submission.pk) is True
    assert services.contact_mail_send(submission.pk) is False
    assert len(mailoutbox) == 1
    contact.to_address = ""
    contact.save()
    kept = ContactSubmission.objects.create(page=contact, form_data={"your_message": "Hello"})
    assert services.contact_mail_send(kept.pk) is False
    assert ContactSubmission.objects.get(pk=kept.pk).mailed_at is None
    assert len(mailoutbox) == 1
    assert services.contact_mail_send(999_999) is False


def test_a_queue_that_fails_loses_no_message(
        contact, client, monkeypatch, django_capture_on_commit_callbacks):
    from gazette.trust import tasks

    class BrokenQueue:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "contact_submission_mail", BrokenQueue())
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, contact, fields(contact))
    assert response.status_code == 303
    assert ContactSubmission.objects.count() == 1


def test_the_honeypot_answers_sent_and_keeps_nothing(
        contact, client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, contact, fields(contact, **{HONEYPOT: "http://spam.example"}))
    assert response.status_code == 303
    assert response["Location"].endswith("?sent=1")
    assert ContactSubmission.objects.count() == 0
    assert mailoutbox == []


def kept_in(response, *texts: str) -> str:
    page = html.unescape(response.content.decode())
    for text in texts:
        assert text in page, text
    return page


@pytest.mark.parametrize(("overrides", "error"), [
    ({"your_email_address": "not an address"}, "Enter a valid email address."),
    ({"your_name": ""}, "This field is required."),
    ({"what_is_it_about": "Free holidays"}, "Select a valid choice."),
    ({"your_message": "x" * (MULTILINE_MAX + 1)},
     f"Ensure this value has at most {MULTILINE_MAX} characters"),
    ({"your_name": "Ana\x00Ferro"}, "Null characters are not allowed."),
])
def test_bad_input_comes_back_with_the_text_and_a_clear_error(contact, client, overrides, error):
    response = post(client, contact, fields(contact, **overrides))
    assert response.status_code == 400
    page = kept_in(response, "Please check the form: your message was not sent.", error)
    if "your_message" not in overrides:
        assert MESSAGE in page
    assert "no-cache" in response["Cache-Control"]
    assert ContactSubmission.objects.count() == 0


def test_a_form_from_another_site_is_refused_with_the_text(contact, client):
    response = post(client, contact, fields(contact), HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 403
    kept_in(response, "sent from another site", MESSAGE)
    response = post(client, contact, fields(contact),
                    HTTP_REFERER="https://elsewhere.example/form")
    assert response.status_code == 403
    assert ContactSubmission.objects.count() == 0


def test_a_missing_forged_or_expired_token_is_refused_with_the_text(contact, client):
    for token in ("", "123:456:forged", tokens.form_token(contact.pk + 1)):
        response = post(client, contact, fields(contact, contact_token=token))
        assert response.status_code == 400
        kept_in(response, "Please check the form", MESSAGE)
    old = tokens.form_token(contact.pk, now=time.time() - tokens.MAX_AGE_SECONDS - 60)
    response = post(client, contact, fields(contact, contact_token=old))
    assert response.status_code == 400
    page = kept_in(response, "This form had expired", MESSAGE)
    assert tokens.form_token_check(token_of(page), contact.pk).valid  # a fresh one to resend
    assert ContactSubmission.objects.count() == 0


def test_the_rate_limit_counts_per_network_and_keeps_the_text(contact, settings):
    settings.GAZETTE_CONTACT_PER_HOUR = 2
    reader = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        assert post(reader, contact, fields(contact)).status_code == 303
    refused = post(reader, contact, fields(contact))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    kept_in(refused, "Too many messages were sent from your network", MESSAGE)
    # The honeypot counts too, so a script cannot probe the limit for free.
    assert post(reader, contact, fields(contact, **{HONEYPOT: "x"})).status_code == 429
    assert post(Client(REMOTE_ADDR="198.51.100.9"), contact, fields(contact)).status_code == 303
    assert ContactSubmission.objects.count() == 3

    # One IPv6 /64 is one household: its addresses share an allowance.
    for host in ("1", "2"):
        neighbour = Client(REMOTE_ADDR=f"2001:db8:1:2::{host}")
        assert post(neighbour, contact, fields(contact)).status_code == 303
    assert post(Client(REMOTE_ADDR="2001:db8:1:2::ff"), contact,
                fields(contact)).status_code == 429
    assert post(Client(REMOTE_ADDR="2001:db8:1:3::1"), contact,
                fields(contact)).status_code == 303


def test_the_cache_holds_no_address(contact, settings):
    post(Client(REMOTE_ADDR="203.0.113.7"), contact, fields(contact))
    key = services.sender_key("203.0.113.7")
    assert "203" not in key and len(key) == 24
    assert services.sender_key("2001:db8:1:2::1") == services.sender_key("2001:db8:1:2::99")
    window = int(time.time() // services.RATE_WINDOW_SECONDS)
    assert cache.get(f"{services.RATE_PREFIX}{key}:{window}") == 1


def test_odd_requests_get_clear_answers_never_a_500(contact, client):
    assert client.post("/trust/contact/999999/", fields(contact)).status_code == 404
    assert client.get(contact.form_action()).status_code == 405
    assert client.post(contact.url, fields(contact)).status_code in (403, 405)
    assert client.post(contact.form_action(), {}).status_code == 400
    odd = client.post(contact.form_action(), "garbage\x00", content_type="text/plain")
    assert odd.status_code == 400
    many = {**fields(contact), "your_message": ["one", "two"]}
    assert client.post(contact.form_action(), many).status_code in (303, 400)
    contact.unpublish()
    assert client.post(contact.form_action(), fields(contact)).status_code == 404


def test_editors_read_the_messages_in_the_admin(contact, client):
    post(client, contact, fields(contact))
    user = get_user_model().objects.create_superuser("editor", "e@example.org", "pw-12345678")
    editor = Client()
    editor.force_login(user)
    response = editor.get(f"/admin/forms/submissions/{contact.pk}/")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Ana Ferro" in page and "ana@example.net" in page
    assert "Emailed to the newsroom" in page
    assert editor.get(f"/admin/pages/{contact.pk}/edit/").status_code == 200

"""The quick entry screen: who may post, what posting does (an entry, fresh pages everywhere),
removing an entry, and the buttons that lead there."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from gazette.live.models import LiveEntry
from gazette.live.testing import make_entry, make_live_page
from gazette.news.testing import make_article

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-1"


def member(django_user_model, username: str, group: str):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name=group))
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def live(section):
    return make_live_page(section, slug="storm-live")


@pytest.fixture
def moderator(django_user_model):
    # Wagtail's Moderators may publish; an entry is public at once, so that is what it takes.
    return client_for(member(django_user_model, "chief", "Moderators"))


def entries_url(page) -> str:
    return f"/admin/live/{page.pk}/"


def test_a_moderator_posts_an_entry_and_every_page_showing_the_story_is_fresh(
        client, moderator, live, section, django_capture_on_commit_callbacks):
    for url in (live.url, section.url, "/", f"/live/{live.pk}/updates.json"):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit", url
    form = moderator.get(entries_url(live))
    assert form.status_code == 200 and b"Post update" in form.content
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator.post(entries_url(live), {"title": "Road closed",
                                                      "body": "Police close the harbour road."})
    assert response.status_code == 302 and response["Location"] == entries_url(live)
    entry = LiveEntry.objects.get()
    assert (entry.page_id, entry.title, entry.created_by.username) == (live.pk, "Road closed",
                                                                        "chief")
    for url in (live.url, section.url, "/", f"/live/{live.pk}/updates.json"):
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", url
    assert "Police close the harbour road." in client.get(live.url).content.decode()
    assert "1 update" in client.get(section.url).content.decode()
    listing = moderator.get(entries_url(live)).content.decode()
    assert "Update posted." in listing and "Police close the harbour road." in listing


def test_posting_sends_the_entry_signal_after_the_commit(
        moderator, live, django_capture_on_commit_callbacks):
    from gazette.live.signals import live_entry_published

    seen = []

    def receiver(sender, page, entry, **kwargs):
        seen.append((page.pk, entry.body))

    live_entry_published.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            moderator.post(entries_url(live), {"body": "Signal me."})
        assert seen == []
        for callback in callbacks:
            callback()
        assert seen == [(live.pk, "Signal me.")]
    finally:
        live_entry_published.disconnect(receiver)


def test_an_empty_or_overlong_entry_comes_back_with_an_error(moderator, live):
    response = moderator.post(entries_url(live), {"title": "Only a title", "body": "   "})
    assert response.status_code == 400 and b"This field is required" in response.content
    assert b"Only a title" in response.content
    response = moderator.post(entries_url(live), {"body": "x" * 5001})
    assert response.status_code == 400
    assert not LiveEntry.objects.exists()


def test_who_may_not_publish_the_page_may_not_post(client, django_user_model, live):
    # Wagtail's Editors add and edit pages but submit them for moderation: no direct entries.
    editor = client_for(member(django_user_model, "writer", "Editors"))
    for response in (editor.get(entries_url(live)),
                     editor.post(entries_url(live), {"body": "Sneaked in."})):
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or response["Location"].startswith("/admin/")
    assert client.post(entries_url(live), {"body": "Anonymous."})["Location"].startswith(
        "/admin/login/")
    assert not LiveEntry.objects.exists()


def test_only_live_pages_have_a_quick_entry_screen(moderator, section):
    story = make_article(section, slug="plain")
    assert moderator.get(entries_url(story)).status_code == 404


def test_a_moderator_removes_an_entry(client, moderator, live,
                                      django_capture_on_commit_callbacks):
    entry = make_entry(live, "Posted in error.")
    client.get(live.url)
    assert moderator.get(f"/admin/live/{live.pk}/entries/{entry.pk}/delete/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator.post(f"/admin/live/{live.pk}/entries/{entry.pk}/delete/")
    assert response.status_code == 302
    assert not LiveEntry.objects.exists()
    assert "Posted in error." not in client.get(live.url).content.decode()


def test_an_entry_of_another_page_is_not_removed_through_this_one(moderator, live, section):
    other = make_live_page(section, slug="other-live", title="Other live")
    entry = make_entry(other, "Elsewhere.")
    assert moderator.post(f"/admin/live/{live.pk}/entries/{entry.pk}/delete/").status_code == 404
    assert LiveEntry.objects.filter(pk=entry.pk).exists()


def test_the_button_is_in_the_edit_header_and_the_listing_for_publishers_only(
        django_user_model, moderator, live, section):
    story = make_article(section, slug="plain")
    edit = moderator.get(f"/admin/pages/{live.pk}/edit/").content.decode()
    assert f'data-live-entry="{live.pk}"' in edit
    assert "data-live-entry=" not in moderator.get(f"/admin/pages/{story.pk}/edit/"
                                                   ).content.decode()
    listing = moderator.get(f"/admin/pages/{section.pk}/").content.decode()
    assert f'data-live-entry="{live.pk}"' in listing
    assert f'data-live-entry="{story.pk}"' not in listing
    editor = client_for(member(django_user_model, "writer", "Editors"))
    assert "data-live-entry=" not in editor.get(f"/admin/pages/{live.pk}/edit/").content.decode()


def test_a_live_page_is_created_under_a_section_in_the_admin(django_user_model, section):
    admin = django_user_model.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    client = client_for(admin)
    response = client.get(f"/admin/pages/add/live/livepage/{section.pk}/")
    assert response.status_code == 200
    assert b"Key points" in response.content and b"Coverage ended" in response.content

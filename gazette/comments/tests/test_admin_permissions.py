"""Who may moderate: the Comment moderators group, its exact permissions, the menu item; and the
editors' screens for the discussion rules (a snippet, the site setting)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from gazette.comments.models import DiscussionOverride, Status

from .admin_testing import (
    ACTION,
    MODERATORS,
    QUEUE,
    client_for,
    editor_without_moderation,
    group_permissions,
    make_comment,
    moderator,
)

pytestmark = pytest.mark.django_db


def menu_labels(response) -> list[str]:
    """The labels of the admin sidebar's menu items (Wagtail renders them as JSON props)."""
    html = response.content.decode()
    props = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>',
                      html, re.S)
    assert props, "no sidebar props"
    return re.findall(r'"label": "([^"]*)"', json.dumps(json.loads(props.group(1))))


def test_the_group_has_exactly_admin_access_and_moderation():
    assert group_permissions(MODERATORS) == {"wagtailadmin.access_admin",
                                             "comments.moderate_comment"}


def test_wagtails_story_moderators_do_not_get_the_comments():
    # Wagtail's own "Moderators" group reviews stories; tending the discussion is another job.
    assert "comments.moderate_comment" not in group_permissions("Moderators")


def test_a_group_member_uses_the_queue_and_acts(article, django_user_model):
    client = client_for(moderator(django_user_model))
    comment = make_comment(article)
    assert client.get(QUEUE).status_code == 200
    assert client.get(f"{QUEUE}{comment.pk}/").status_code == 200
    assert client.get(f"{QUEUE}{comment.pk}/edit/").status_code == 200
    response = client.post(ACTION, {"action": "trash", "ids": [comment.pk]})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.TRASH


def refused(response) -> bool:
    """Wagtail's answer to PermissionDenied in its admin: back to the dashboard with "Sorry,
    you do not have permission to access this area." (a 403 for a script asking)."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_an_editor_without_the_permission_is_refused(article, django_user_model):
    client = client_for(editor_without_moderation(django_user_model))
    comment = make_comment(article)
    for url in (QUEUE, f"{QUEUE}{comment.pk}/", f"{QUEUE}{comment.pk}/edit/"):
        assert refused(client.get(url)), url
    assert client.get(QUEUE, headers={"X-Requested-With": "XMLHttpRequest"}).status_code == 403
    for url, data in ((ACTION, {"action": "approve", "ids": [comment.pk]}),
                      (f"{QUEUE}{comment.pk}/reply/", {"text": "Hello"}),
                      (f"{QUEUE}{comment.pk}/edit/", {"text": "Changed"})):
        assert refused(client.post(url, data)), url
    followed = client.get(QUEUE, follow=True).content.decode()
    assert "do not have permission" in followed
    comment.refresh_from_db()
    assert comment.status == Status.PENDING and comment.text != "Changed"
    assert not any(label.startswith("Comments") for label in menu_labels(client.get("/admin/")))


def test_anonymous_visitors_are_sent_to_the_login(article):
    response = Client().get(QUEUE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Client().post(ACTION, {"action": "approve"}).status_code in (302, 403)


def test_the_menu_item_counts_pending_comments(article, django_user_model):
    client = client_for(moderator(django_user_model))
    assert "Comments" in menu_labels(client.get("/admin/"))
    make_comment(article)
    make_comment(article)
    make_comment(article, status=Status.SPAM)
    assert "Comments (2)" in menu_labels(client.get("/admin/"))


def test_discussion_rules_are_a_snippet_for_sections_and_stories(article, section,
                                                                  django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "b@example.org", "pw-long-123x")
    client = client_for(admin)
    listing = client.get("/admin/snippets/comments/discussionoverride/")
    assert listing.status_code == 200
    response = client.post("/admin/snippets/comments/discussionoverride/add/", {
        "page": section.pk, "closed": "", "moderation_mode": "all", "close_after_days": "",
        "link_limit": "", "max_depth": "3", "page_size": "", "order": "",
        "disallowed_words": "", "moderation_words": "casino", "surge_threshold": "",
    })
    assert response.status_code == 302, response.content.decode()[-3000:]
    override = DiscussionOverride.objects.get(page=section)
    assert override.moderation_mode == "all" and override.max_depth == 3

    from gazette.comments.rules import rules_for

    rules = rules_for(article)
    assert rules.moderation_mode == "all" and rules.max_depth == 3
    assert "casino" in rules.moderation_words


def test_the_site_setting_is_in_settings(django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "b@example.org", "pw-long-123x")
    client = client_for(admin)
    response = client.get("/admin/settings/comments/discussionsettings/", follow=True)
    assert response.status_code == 200
    assert 'name="moderation_mode"' in response.content.decode()
    # And it is offered in the Settings menu.
    home = client.get("/admin/").content.decode()
    assert "/admin/settings/comments/discussionsettings/" in home

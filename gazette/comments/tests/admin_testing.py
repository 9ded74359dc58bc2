"""Builders for the moderation admin's tests: comments in any status, and the people who act."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from gazette.comments.models import Comment, Status
from gazette.comments.services import email_key
from gazette.comments.text import render

QUEUE = "/admin/comments/"
ACTION = "/admin/comments/action/"
MODERATORS = "Comment moderators"


def make_comment(article: Any, *, text: str = "A fair point about the barrier.",
                 author: str = "Ada Reader", email: str = "ada@example.org",
                 ip: str | None = "203.0.113.7", status: str = Status.PENDING,
                 created_at: datetime | None = None, parent: Comment | None = None,
                 trail: list[dict[str, Any]] | None = None, held_by: str = "premoderation",
                 user_agent: str = "Mozilla/5.0 (X11; Linux) Firefox/140.0") -> Comment:
    comment = Comment.objects.create(
        article=article, parent=parent, depth=(parent.depth + 1 if parent else 1),
        author_name=author, author_email=email, text=text, html=render(text), status=status,
        ip_address=ip, user_agent=user_agent, email_key=email_key(email),
        created_at=created_at or timezone.now(), held_by=held_by,
        trail=trail if trail is not None else [
            {"step": held_by, "outcome": status, "reason": "First comment from this address.",
             "at": timezone.now().isoformat()}],
    )
    Comment.objects.filter(pk=comment.pk).update(
        thread_id=parent.thread_id if parent else comment.pk)
    comment.refresh_from_db()
    return comment


def moderator(django_user_model: Any, username: str = "mod") -> Any:
    user = django_user_model.objects.create_user(username, f"{username}@example.org",
                                                 "a-long-password-1")
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user


def editor_without_moderation(django_user_model: Any) -> Any:
    """Into the admin (Wagtail's Editors group: stories, images), but not the comments."""
    user = django_user_model.objects.create_user("editor", "editor@example.org",
                                                 "a-long-password-1")
    user.groups.add(Group.objects.get(name="Editors"))
    assert user.has_perm("wagtailadmin.access_admin")
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ago(**kwargs: float) -> datetime:
    return timezone.now() - timedelta(**kwargs)


def group_permissions(name: str) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}"
            for p in Permission.objects.filter(group__name=name).select_related("content_type")}

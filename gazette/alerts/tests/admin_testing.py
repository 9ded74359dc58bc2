"""Builders for the alerts admin's tests: people who may (or may not) send, and their clients."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.test import Client

REPORT = "/admin/alerts/"


def send_url(page_id: object) -> str:
    return f"/admin/alerts/send/{page_id}/"


def editor(django_user_model: Any, username: str = "editor", *, may_send: bool = True) -> Any:
    """Into the admin through Wagtail's Editors group (stories, images); with or without
    ``alerts.send_alert`` of their own."""
    user = django_user_model.objects.create_user(username, f"{username}@example.org",
                                                 "a-long-password-1")
    user.groups.add(Group.objects.get(name="Editors"))
    if may_send:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="alerts",
                                                         codename="send_alert"))
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refused(response: Any) -> bool:
    """Wagtail's answer to PermissionDenied in its admin: back to the dashboard."""
    return response.status_code in (302, 403) and (
        response.status_code == 403 or response["Location"].startswith("/admin/"))

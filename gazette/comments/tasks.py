"""Slow work of the discussion, out of the request: every email it sends."""

from __future__ import annotations

from django_tasks import task


@task()
def moderators_notify_held() -> int:
    """Mail the moderators the comments held since the last mail (``held_mail.py``)."""
    from .held_mail import held_mail_send

    return held_mail_send()


@task()
def moderators_notify(comment_id: int) -> int:
    """Kept for tasks queued before an upgrade: the same as :func:`moderators_notify_held`."""
    from .held_mail import held_mail_send

    return held_mail_send()


@task()
def notify_confirmation_send(comment_id: int) -> bool:
    """Ask a commenter who wants reply emails to confirm the address."""
    from .notifications import notify_confirmation_send as send

    return send(comment_id)


@task()
def reply_notify(comment_id: int) -> bool:
    """Tell a commenter who asked for it that their comment has a reply."""
    from .notifications import reply_notify_send

    return reply_notify_send(comment_id)


@task()
def privacy_link_send(address_id: int, action: str) -> bool:
    """Mail a reader the link that lets them download or erase their data."""
    from .privacy import privacy_link_send as send

    return send(address_id, action)

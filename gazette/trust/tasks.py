"""Slow work of the trust pages, out of the request: the contact form's emails."""

from __future__ import annotations

from django_tasks import task


@task()
def contact_submission_mail(submission_id: int) -> bool:
    """Email a message from the contact form to the newsroom."""
    from .services import contact_mail_send

    return contact_mail_send(submission_id)

"""The dashboard's spam panel (owned by antispam) reports this site's comments: the pipeline
checks them in the site's default pool, and a moderator's decision counts as the engine's miss
or false positive there."""

from __future__ import annotations

import re
import time

import pytest

from gazette.comments.models import Status
from gazette.comments.services import Accepted, CommentInput, FormEvidence, comment_submit

from .admin_testing import ACTION, client_for

pytestmark = pytest.mark.django_db

COLUMNS = ("checks", "caught", "held", "false_positives", "missed_spam")


def panel_totals(html: str) -> dict[str, int]:
    if "Spam defence, last 14 days" not in html:  # shown once there is something to report
        return dict.fromkeys(COLUMNS, 0)
    footer = re.search(r'<th scope="row">Total</th>(.*?)</tr>', html, re.S)
    assert footer, "no totals row in the spam panel"
    cells = [int(n) for n in re.findall(r"<td>(\d+)</td>", footer.group(0))]
    return dict(zip(COLUMNS, cells, strict=True))


def test_comment_checks_and_moderator_decisions_show_on_the_dashboard(
        article, django_user_model, django_capture_on_commit_callbacks):
    admin = django_user_model.objects.create_superuser("boss", "b@example.org", "pw-long-123x")
    client = client_for(admin)
    before = panel_totals(client.get("/admin/").content.decode())

    now = time.time()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = comment_submit(
            article=article,
            entry=CommentInput(author="Ada Reader", email="ada@example.org",
                               text="The barrier vote was long overdue; the quay floods."),
            evidence=FormEvidence(ip_address="198.51.100.4",
                                  user_agent="Mozilla/5.0 Firefox/128", rendered_at=now - 90,
                                  submitted_at=now, token_valid=True, script_ran=True),
        )
    assert isinstance(outcome, Accepted)
    comment = outcome.comment
    assert comment.status != Status.SPAM  # a person's comment: published or held

    after_check = panel_totals(client.get("/admin/").content.decode())
    assert after_check["checks"] == before["checks"] + 1

    # The moderator disagrees with the engine: spam it missed.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ACTION, {"action": "spam", "ids": [comment.pk]})
    after_decision = panel_totals(client.get("/admin/").content.decode())
    assert after_decision["missed_spam"] == before["missed_spam"] + 1

"""Surge mode: a busy story holds first-time commenters until the rate falls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gazette.comments.models import Discussion, Status
from gazette.comments.surge import surge_active, surge_settle
from gazette.news.cache import tags_version

from .pipeline_helpers import (
    approved_comment,
    entry,
    fresh_engine,  # noqa: F401 (autouse)
    override,
    site_rules,
    submit,
)

pytestmark = pytest.mark.django_db

SAYINGS = [
    "The tide tables were ignored for years by the old council.",
    "My grandmother's shop on the quay flooded twice last winter.",
    "Who pays for the maintenance once the contractors leave town?",
    "Fishermen were not consulted about the gates, as far as I know.",
    "Nine votes to four seems a healthy margin for something this big.",
    "Brilliant news for the lifeboat station and the harbour cafes.",
    "Concrete is not the answer; salt marsh restoration would be cheaper.",
    "Will the footpath along the sea wall stay open during the works?",
]


@pytest.fixture
def busy(article):
    """Publish what passes; surge above 3 comments a minute."""
    site_rules(moderation_mode="none")
    override(article, surge_threshold=3)
    return article


def post_many(article, count, start):
    return [submit(article, entry(text=SAYINGS[n % len(SAYINGS)] + f" ({n})"),
                   now=start + timedelta(seconds=n)).comment for n in range(count)]


def test_more_than_the_threshold_switches_on_and_holds_first_timers(
        busy, django_capture_on_commit_callbacks):
    start = timezone.now()
    before = tags_version(f"page:{busy.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        first = post_many(busy, 3, start)
    assert not surge_active(busy.pk)
    assert all(c.status == Status.APPROVED for c in first)
    version = tags_version(f"page:{busy.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        fourth = submit(busy, entry(text="A fourth voice on the barrier, and a calm one."),
                        now=start + timedelta(seconds=10)).comment
    assert fourth.status == Status.APPROVED  # the comment that tipped it is not held
    assert surge_active(busy.pk)
    assert Discussion.objects.get(article=busy).surge_since == start + timedelta(seconds=10)
    assert tags_version(f"page:{busy.pk}") not in (before, version)

    newcomer = submit(busy, entry(text="First time here, but I had to say something."),
                      now=start + timedelta(seconds=20)).comment
    assert (newcomer.status, newcomer.held_by) == (Status.PENDING, "surge")
    assert newcomer.trail[-1]["step"] == "surge"
    approved_comment(busy, "regular@example.org")
    regular = submit(busy, entry(text="Regulars still get through during the rush.",
                                 email="regular@example.org"),
                     now=start + timedelta(seconds=25)).comment
    assert regular.status == Status.APPROVED


def test_switches_back_when_the_rate_falls(busy, django_capture_on_commit_callbacks):
    start = timezone.now()
    post_many(busy, 4, start)
    assert surge_active(busy.pk)
    # Still busy half a minute later: stays on.
    submit(busy, entry(text="Still plenty of people talking about it."),
           now=start + timedelta(seconds=30))
    assert surge_active(busy.pk)
    version = tags_version(f"page:{busy.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        calm = submit(busy, entry(text="Quiet again on the quay this evening."),
                      now=start + timedelta(minutes=3)).comment
    assert not surge_active(busy.pk)
    assert calm.status == Status.APPROVED
    assert tags_version(f"page:{busy.pk}") != version


def test_settle_switches_back_a_story_nobody_posts_to(busy, django_capture_on_commit_callbacks):
    start = timezone.now()
    post_many(busy, 4, start)
    assert surge_active(busy.pk)
    assert surge_settle(start + timedelta(seconds=30)) == 0  # too soon, still busy
    version = tags_version(f"page:{busy.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        assert surge_settle(start + timedelta(minutes=5)) == 1
    assert not surge_active(busy.pk)
    assert tags_version(f"page:{busy.pk}") != version


def test_threshold_zero_turns_surge_mode_off(busy, section):
    override(busy, surge_threshold=0)
    post_many(busy, 6, timezone.now())
    assert not surge_active(busy.pk)
    override(busy, surge_threshold=None)
    override(section, surge_threshold=2)
    post_many(busy, 3, timezone.now() + timedelta(minutes=5))
    assert surge_active(busy.pk)

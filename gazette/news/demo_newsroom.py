"""The demo newsroom's corrections, marked updates, opinion section and Corrections page.

Idempotent: a story that already has its update or a correction is left alone, and the
Corrections page is created once. Texts are invented, like the rest of the demo.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from .models import ArticleCorrection, ArticlePage, CorrectionsPage, HomePage, SectionPage

OPINION_SECTION_SLUG = "opinion"

UPDATES = [
    ("vell-survives-confidence-vote", 12,
     "Adds the vote by party and the opposition leader's reaction."),
    ("bank-of-veloria-holds-rates", 90,
     "Adds the governor's remarks at the press conference."),
]

CORRECTIONS = [
    ("northport-container-volumes-record", 3,
     "An earlier version of this story gave June's volume as 412,000 containers. "
     "The port authority's figure is 421,000."),
    ("keep-night-buses-pay-honestly", 20,
     "An earlier version of this column said the night buses carry 9,000 passengers a week. "
     "They carry 9,000 a night."),
]

CORRECTIONS_INTRO = (
    "<p>We correct our mistakes in the open. When a story was wrong, we say so at its foot, "
    "with the date, and list the correction here, newest first. To report an error, use the "
    "contact page.</p>"
)


def _story(slug: str) -> ArticlePage | None:
    story: ArticlePage | None = ArticlePage.objects.live().filter(slug=slug).first()
    return story


@transaction.atomic
def demo_load(*, stdout: TextIO | None = None) -> int:
    """Add what is missing; returns how many things were added."""
    now = timezone.now()
    added = 0
    section = SectionPage.objects.filter(slug=OPINION_SECTION_SLUG).first()
    if section is not None and not section.opinion:
        section.opinion = True
        section.save_revision().publish()
        added += 1
    for slug, minutes_ago, note in UPDATES:
        story = _story(slug)
        if story is None or story.update_note:
            continue
        story.update_note = note
        story.updated_at = now - timedelta(minutes=minutes_ago)
        story.save_revision().publish()
        added += 1
    for slug, hours_ago, text in CORRECTIONS:
        story = _story(slug)
        if story is None or story.corrections.exists():
            continue
        corrected_at = max(now - timedelta(hours=hours_ago), story.published_at)
        story.corrections.add(ArticleCorrection(corrected_at=corrected_at, text=text))
        story.save_revision().publish()
        added += 1
    home = HomePage.objects.first()
    if home is not None and not CorrectionsPage.objects.exists():
        page = CorrectionsPage(title="Corrections and clarifications", slug="corrections",
                               intro=CORRECTIONS_INTRO)
        home.add_child(instance=page)
        page.save_revision().publish()
        added += 1
    if stdout is not None:
        stdout.write(f"Demo corrections, updates and opinion section: {added} added.\n")
    return added

"""A live story in progress for the demo newsroom: a storm tide at Northport, its key points and
a dozen entries over the last hours. Fictional, like the rest of the demo (news.demo_content).
Idempotent: nothing is created if the page exists; needs the news demo's sections first."""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from gazette.news.models import ArticleAuthor, Author, SectionPage

from .models import LiveEntry, LiveKeyPoint, LivePage

SECTION_SLUG = "climate"
SLUG = "storm-idris-northport-live"
TITLE = "Storm Idris reaches Northport: the tide, the barrier and the evacuation, live"
STANDFIRST = ("The highest tide in a decade is expected at 21:40. The barrier is closed, the "
              "lower quays are being cleared and trains to the coast have stopped.")
AUTHORS = ("ilse-marrow", "mara-quill")
KEY_POINTS = (
    "High water is forecast at 21:40, 1.2 m above the usual spring tide",
    "All six gates of the tidal barrier have been closed since 17:05",
    "Around 900 residents of the Lower Quay and Saltmarsh Row are being moved to schools inland",
    "Coastal trains are suspended until Thursday morning; the ring road stays open",
)
# (minutes before now, title, text): oldest first.
ENTRIES = (
    (235, "Warning raised to red",
     "The coastal service has raised its warning for Northport to red, the highest level, "
     "for the first time since the barrier opened. Forecasters expect the surge to peak "
     "with the evening tide."),
    (214, "",
     "The harbour master has ordered all small craft out of the inner basin. Fishing boats "
     "are tying up two deep along the North Mole."),
    (190, "Barrier to close early",
     "City engineers say the six gates will close at five, almost three hours before they "
     "would on an ordinary high tide, to leave room for the river behind them."),
    (168, "",
     "Our reporter on the Lower Quay says shopkeepers are stacking sandbags in doorways and "
     "carrying stock upstairs. \"We did this in 2016 and lost everything anyway,\" says the "
     "owner of the chandlery at number 14."),
    (151, "Evacuation of the Lower Quay",
     "The council has asked about 900 residents of the Lower Quay and Saltmarsh Row to "
     "leave their homes by eight. Buses are waiting at the fish market; the two schools on "
     "Hill Street are open as shelters.\n\nThe list of shelters and what to bring is on the "
     "council's page: https://example.org/northport/shelters"),
    (127, "",
     "Coastal Rail has suspended all trains between Northport and Gull Head until Thursday "
     "morning. The ring road remains open, but the harbour road is closed to traffic."),
    (109, "Gates closed",
     "All six gates of the tidal barrier were closed at 17:05. Engineers watched the last "
     "gate settle from the control tower; the river level behind the barrier is being "
     "checked every ten minutes."),
    (86, "",
     "The wind gusted to 104 km/h at the harbour mouth at six o'clock, according to the port's "
     "own station. Waves are breaking over the North Mole."),
    (63, "Shelters filling",
     "Both Hill Street schools say they have taken in about 400 people so far. Volunteers are "
     "asking for blankets and phone chargers rather than food, of which there is plenty."),
    (41, "",
     "A correction to an earlier update: the shelters are at the Hill Street schools, not the "
     "Hill Road community hall, which is closed tonight."),
    (22, "Water over the outer quay",
     "Sea water is running over the outer quay wall near the lifeboat station, about an hour "
     "before high water. The inner town, behind the barrier, is dry so far."),
    (6, "",
     "The barrier's operators say the water outside the gates is 40 cm higher than on any "
     "tide since the barrier opened, and the gates are holding as designed. We will bring "
     "you the high water at 21:40 as it happens."),
)


def demo_load(*, stdout: TextIO | None = None) -> int:
    """Create the demo's live page if it is missing; return 1 if it was created, else 0."""
    section = SectionPage.objects.filter(slug=SECTION_SLUG).first()
    if section is None or LivePage.objects.filter(slug=SLUG).exists():
        return 0
    now = timezone.now()
    with transaction.atomic():
        page = LivePage(title=TITLE, slug=SLUG, standfirst=STANDFIRST, dateline="NORTHPORT",
                        coverage_started_at=now - timedelta(minutes=240))
        section.add_child(instance=page)
        authors = {author.slug: author for author in Author.objects.filter(slug__in=AUTHORS)}
        for position, slug in enumerate(AUTHORS):
            if slug in authors:
                ArticleAuthor.objects.create(page=page, author=authors[slug],
                                             sort_order=position)
        for position, text in enumerate(KEY_POINTS):
            LiveKeyPoint.objects.create(page=page, text=text, sort_order=position)
        page.tags.add("Northport", "Storms")
        page.save_revision().publish()
        # Published "four hours ago", when the coverage began.
        LivePage.objects.filter(pk=page.pk).update(
            first_published_at=now - timedelta(minutes=240),
            last_published_at=now - timedelta(minutes=240))
        LiveEntry.objects.bulk_create(
            LiveEntry(page=page, title=title, body=body,
                      created_at=now - timedelta(minutes=minutes))
            for minutes, title, body in ENTRIES)
    if stdout is not None:
        stdout.write(f"Demo live coverage: {page.title} ({len(ENTRIES)} entries).\n")
    return 1

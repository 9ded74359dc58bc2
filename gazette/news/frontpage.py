"""Which stories the front page shows, zone by zone, each story once.

Editors arrange the front page on the home page in the admin (``HomePage``): the lead story,
up to four top stories, up to four opinion pieces, the sections that get a row and in what
order, and whether "most read" is shown. Every zone an editor leaves empty, or part-filled,
fills itself with the newest stories that are not already on the page, in this order:

1. the lead: the editor's choice, else the newest breaking story of the last day, else the
   newest story (opinion sections aside: the lead and top stories are news);
2. top stories: the editor's, then the newest;
3. the opinion row: the editor's, then the newest of the sections marked ``opinion``;
4. most read: the stories read most in the last 24 hours (``gazette.news.reads``);
5. a row per section: the editor's sections in order, or every news section in the order of
   the section bar, each with its newest stories;
6. the breaking bar: breaking stories not shown elsewhere on the page (a breaking story in a
   zone carries its "Breaking" label there instead).

Stories are chosen on ids, one short index walk per list, then fetched with their cards'
images and credits once for the whole page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from .models import ArticlePage, HomePage, SectionPage
from .reads import most_read_ids
from .routing import public_only
from .selectors import BREAKING_HOURS, live_articles

TOP_STORIES = 4
OPINION_STORIES = 4
SECTION_ROW_STORIES = 4
MOST_READ_STORIES = 5
# Per section, enough of the newest to fill a row after the zones above took theirs.
SECTION_CANDIDATES = SECTION_ROW_STORIES + TOP_STORIES + MOST_READ_STORIES + 1


def _newest_ids(pages: Any, count: int) -> list[int]:
    # Newest first without the pk tie-break: SQLite then walks the first_published_at index
    # and stops after ``count`` instead of sorting every story that matches.
    return list(pages.order_by("-first_published_at").values_list("pk", flat=True)[:count])


class _Page:
    """The stories placed so far; each zone takes from its candidates what is not placed."""

    def __init__(self) -> None:
        self.placed: set[int] = set()

    def take(self, candidates: Iterable[int | None], count: int) -> list[int]:
        taken: list[int] = []
        for pk in candidates:
            if len(taken) == count:
                break
            if pk is not None and pk not in self.placed:
                taken.append(pk)
                self.placed.add(pk)
        return taken


def front_page(home: HomePage) -> dict[str, Any]:
    """Everything the front page shows: ``lead``, ``top``, ``opinion`` (and the
    ``opinion_section`` its heading links to, when there is one), ``most_read``, ``sections``
    (each ``{"section", "articles"}``) and ``breaking``."""
    # Wagtail's page querysets are untyped for mypy (child_of is PageQuerySet's).
    published: Any = public_only(ArticlePage.objects.live())
    sections: Any = public_only(SectionPage.objects.live())
    all_sections = list(sections.child_of(home).order_by("path"))
    opinion_sections = [s for s in all_sections if s.opinion]
    in_opinion = Q()
    for section in opinion_sections:
        in_opinion |= Q(path__startswith=section.path)
    news = published.exclude(in_opinion) if opinion_sections else published

    top_picks = [row.article_id for row in home.top_stories.all()]
    opinion_picks = [row.article_id for row in home.opinion_stories.all()]
    picked = [pk for pk in (home.featured_article_id, *top_picks, *opinion_picks) if pk]
    # The editors' choices that are still published, checked in one query.
    still_live = (set(published.filter(pk__in=picked).values_list("pk", flat=True))
                  if picked else set())

    def picks(ids: Iterable[int | None]) -> list[int]:
        return [pk for pk in ids if pk is not None and pk in still_live]

    since = timezone.now() - timedelta(hours=BREAKING_HOURS)
    breaking_ids = _newest_ids(news.filter(breaking=True, first_published_at__gte=since), 6)
    newest_news = _newest_ids(news, 2 + 2 * TOP_STORIES)
    page = _Page()
    lead = page.take([*picks([home.featured_article_id]), *breaking_ids, *newest_news], 1)
    top = page.take([*picks(top_picks), *newest_news], TOP_STORIES)
    newest_opinion = (_newest_ids(published.filter(in_opinion), 2 * OPINION_STORIES)
                      if opinion_sections else [])
    opinion = page.take([*picks(opinion_picks), *newest_opinion], OPINION_STORIES)
    most_read = (page.take(most_read_ids(MOST_READ_STORIES + len(page.placed)), MOST_READ_STORIES)
                 if home.show_most_read else [])

    row_ids = [row.section_id for row in home.section_rows.all()]
    if row_ids:
        by_pk = {s.pk: s for s in all_sections}
        row_sections = [by_pk[pk] for pk in row_ids if pk in by_pk]
    else:
        row_sections = [s for s in all_sections if s not in opinion_sections]
    rows = [(section, page.take(_newest_ids(published.child_of(section), SECTION_CANDIDATES),
                                SECTION_ROW_STORIES))
            for section in row_sections]
    breaking = page.take(breaking_ids, 3)

    found = {article.pk: article for article in live_articles().filter(pk__in=page.placed)}

    def stories(ids: list[int]) -> list[ArticlePage]:
        return [found[pk] for pk in ids if pk in found]

    return {
        "lead": next(iter(stories(lead)), None),
        "top": stories(top),
        "opinion": stories(opinion),
        "opinion_section": opinion_sections[0] if len(opinion_sections) == 1 else None,
        "most_read": stories(most_read),
        "sections": [{"section": section, "articles": stories(ids)}
                     for section, ids in rows if ids],
        "breaking": stories(breaking),
    }

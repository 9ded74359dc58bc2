"""Reader-facing slots of the alerts part: the "Always be the first to know" box in the footer
of every page (site slot ``footer``) and under every story (article slot ``after_body``).

The box is the same for every reader (pages are cached and shared): no token, no address, no
state. Its script asks the browser for push; without JavaScript it is a plain email form.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from wagtail import hooks

from gazette.news.models import ArticlePage

from . import topics


def box_html(*, where: str, choices: list[tuple[str, str, bool]]) -> str:
    return render_to_string("alerts/box.html", {"where": where, "choices": choices})


@hooks.register("gazette_site_footer")
def footer_signup(request: HttpRequest | None) -> str:
    return box_html(where="footer", choices=[(topics.BREAKING, "Breaking news", True)])


@hooks.register("gazette_article_after_body")
def article_signup(request: HttpRequest | None, page: ArticlePage) -> str:
    choices = [(topics.BREAKING, "Breaking news", True)]
    section = page.section
    if section is not None:
        choices.append((topics.section_topic(section.pk), f"Every {section.title} alert", False))
    choices.append((topics.story_topic(page.pk), "Follow this story", True))
    return box_html(where=f"story-{page.pk}", choices=choices)

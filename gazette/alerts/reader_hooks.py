"""Reader-facing slots of the alerts part: the "Always be the first to know" box in the footer
of every page (site slot ``footer``) and under every story (article slot ``after_body``).

The box is the same for every reader (pages are cached and shared): no token, no address, no
state. Its script asks the browser for push; without JavaScript it is a plain email form.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.html import escape
from wagtail import hooks

from gazette.news.kept import path_to, static_url
from gazette.news.models import ArticlePage

from . import topics


def box_html(*, where: str, choices: list[tuple[str, str, bool]]) -> str:
    """What ``alerts/box.html`` renders, by string joins, byte for byte (a test in
    news/tests/test_uncached_render.py holds the two equal: change both). Every page shows the
    box, a story twice: the template was about a twentieth of an uncached story's render."""
    place = escape(where)
    topics = "".join(
        f'<label><input type="checkbox" name="topics" value="{escape(value)}"'
        f'{" checked" if checked else ""}> {escape(label)}</label>\n  '
        for value, label, checked in choices
    )
    return (
        f'<aside class="alerts-box alerts-box--{place}" '
        f'aria-labelledby="alerts-box-title-{place}">\n'
        f'<link rel="stylesheet" href="{escape(static_url("alerts/alerts.css"))}">\n'
        f'<h2 class="alerts-box__title" id="alerts-box-title-{place}">Always be the first to know'
        f'</h2>\n'
        f'<p class="alerts-box__intro">Get our alerts in this browser or by email. No account '
        f'needed; every alert has a link to stop them.</p>\n'
        f'<form class="alerts-box__form" method="post" '
        f'action="{escape(path_to("alerts:subscribe"))}"'
        f' data-key-url="/api/v1/push/key" data-api-url="/api/v1/push/subscriptions"'
        f' data-worker-url="/alerts-sw.js">\n'
        f'  <fieldset class="alerts-box__topics"><legend>Alert me about</legend>\n'
        f'  {topics}</fieldset>\n'
        f'  <p class="alerts-box__push" hidden><button type="button" '
        f'class="alerts-box__push-button">Notify me in this browser</button></p>\n'
        f'  <p class="alerts-box__email"><label>Email <input type="email" name="email" required '
        f'maxlength="254" autocomplete="email"></label> <button type="submit">Email me</button>'
        f'</p>\n'
        f'  <p class="alerts-box__status" role="status" aria-live="polite"></p>\n'
        f'</form>\n'
        f'<script src="{escape(static_url("alerts/signup.js"))}" defer></script>\n'
        f'</aside>\n'
    )


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

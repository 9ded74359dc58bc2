"""Times with their zone and "N minutes ago", the breaking bar and share links.

``{% timestamp value %}`` prints a time as every page shows it ("6 Dec 2026, 03:01 GMT", in
the site's zone) and, within a day, how long ago. Do not use it inside ``{% cache %}``: the
page-cache tag it declares for fresh times (gazette.news.times) would be skipped on a hit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from wagtail.templatetags.wagtailcore_tags import pageurl

from .. import times
from ..cache import REQUEST_ATTRIBUTE, page_cache_tag
from ..kept import path_with, static_url
from ..newsroom import BREAKING_TAG, breaking_bar_stories
from ..seo import page_url
from .news_tags import card_slot

register = template.Library()


def _request(context: template.Context) -> Any:
    return context.get("request")


def _tag_if_cached(context: template.Context, tag: str) -> None:
    # Only a page its view declared cacheable gets the tag: declaring one makes a page
    # cacheable, which a search result or a form page must not become through its banner.
    request = _request(context)
    if request is not None and getattr(request, REQUEST_ATTRIBUTE, None) is not None:
        page_cache_tag(request, tag)


@register.filter
def site_time(value: datetime | None) -> str:
    """A time in the site's zone, with the zone: "6 Dec 2026, 03:01 GMT"."""
    if value is None:
        return ""
    return times.site_time(value)


@register.simple_tag(takes_context=True)
def timestamp(context: template.Context, value: datetime | None) -> SafeString:
    if value is None:
        return mark_safe("")
    now = timezone.now()
    iso = value.replace(microsecond=0).isoformat()
    html = format_html('<time datetime="{}">{}</time>', iso, site_time(value))
    # Inside a fragment kept by {% cache %} the page-cache tag below would not be set on the
    # fragment's hits, and a cached "N minutes ago" would go stale: such fragments ask for the
    # time alone (``absolute_times``).
    ago = "" if context.get("absolute_times") else times.ago_text(value, now)
    if not ago:
        return html
    if times.is_minute_granular(value, now):
        _tag_if_cached(context, times.RELATIVE_TAG)
        times.relative_times_note(value)
    return format_html('{} <span class="ago" data-ago="{}">· {}</span>', html, iso, ago)


@register.simple_tag(takes_context=True)
def breaking_bar(context: template.Context) -> SafeString:
    """The bar of live breaking stories, on every page (base.html)."""
    _tag_if_cached(context, BREAKING_TAG)
    stories = breaking_bar_stories()
    if not stories:
        return mark_safe("")
    return mark_safe(render_to_string("news/includes/breaking_bar.html", {"stories": stories}))


@register.simple_tag(takes_context=True)
def share_links(context: template.Context, page: Any) -> SafeString:
    """Share links with no third party's script: e-mail (works without script), a copy-link
    button and the browser's own share sheet (Web Share API) where it has one."""
    url = page_url(page, _request(context))
    title = page.title
    body = f"{title}\n\n{url}"
    return share_links_html(url, title, f"mailto:?subject={quote(title)}&body={quote(body)}")


def share_links_html(url: str, title: str, mailto: str) -> SafeString:
    """What ``news/includes/share_links.html`` renders (a test holds the two equal)."""
    url, title, mailto = (conditional_escape(url), conditional_escape(title),
                          conditional_escape(mailto))
    return mark_safe(  # noqa: S308  (every value escaped)
        f'<div class="share" data-share data-share-url="{url}" data-share-title="{title}">\n'
        f'  <span class="share__label">Share</span>\n'
        f'  <button type="button" class="share__button" data-share-native hidden>Share…'
        f'</button>\n'
        f'  <a class="share__button" href="{mailto}">Email</a>\n'
        f'  <button type="button" class="share__button" data-share-copy hidden>Copy link'
        f'</button>\n'
        f'  <span class="share__status" role="status" data-share-status></span>\n'
        f'</div>\n'
    )


@register.simple_tag
def now_in_zone() -> str:
    """The time now in the active zone, with the zone: the admin's schedule dialog says it."""
    return times.site_time(timezone.now())


@register.simple_tag(takes_context=True)
def read_beacon(context: template.Context, article: Any) -> SafeString:
    """What ``news/includes/read_beacon.html`` renders for ``article`` (a test holds the two
    equal): the page's "most read" beacon, none in a preview."""
    request = _request(context)
    if getattr(request, "is_preview", False):
        return mark_safe("\n")
    url = escape(path_with("news:read", article.pk))
    return mark_safe(  # noqa: S308  (the URLs escaped)
        f'<script src="{escape(static_url("news/reads.js"))}" data-read="{url}" defer></script>'
        f'<noscript><img class="read-pixel" src="{url}" alt="" width="1" height="1"></noscript>\n'
    )


@register.simple_tag
def card_credit(article: Any) -> SafeString:
    """``{% include "news/includes/card_credit.html" %}`` for ``article``: its markup (a test
    holds the two equal), without a template include a card."""
    return mark_safe(credit_html(article))  # noqa: S308  (escaped by credit_html)


def credit_html(article: Any) -> str:
    """What ``news/includes/card_credit.html`` renders for ``article``."""
    authors = article.authors
    agency = article.agency
    if authors:
        last = len(authors) - 1
        names = "".join(
            f"{conditional_escape(author.name)}"
            f"{'' if i == last else (' and ' if i == last - 1 else ', ')}"
            for i, author in enumerate(authors)
        )
        also = f", with {conditional_escape(agency.short_name or agency.name)}" if agency else ""
        return f'<span class="credit-line">By {names}{also}</span>\n'
    if agency:
        return f'<span class="credit-line">{conditional_escape(agency.name)}</span>\n'
    return "\n"


@register.simple_tag(takes_context=True)
def story_line(context: template.Context, article: Any) -> SafeString:
    """What ``news/includes/story_line.html`` renders for ``article`` (a test holds the two
    equal): the front page's "most read" and section rows print 29 of them."""
    url = conditional_escape(pageurl(context, article))
    breaking = '<span class="label label--breaking">Breaking</span> ' if article.breaking else ""
    credit = credit_html(article)
    dot = " · " if article.authors or article.agency else ""
    meta = card_slot(context, "meta", article)
    return mark_safe(  # noqa: S308  (every value escaped)
        f'<article class="story-line">\n'
        f'  <h3 class="story-line__headline">{breaking}<a href="{url}">'
        f"{conditional_escape(article.title)}</a></h3>\n"
        f'  <p class="card__meta">{credit}{dot}{timestamp(context, article.published_at)}'
        f'{f" · {meta}" if meta else ""}</p>\n'
        f"</article>\n"
    )


@register.simple_tag(takes_context=True)
def article_times(context: template.Context, page: Any) -> SafeString:
    """What ``news/includes/article_times.html`` renders for the story ``page`` (a test holds
    the two equal): when it was published, updated, and the update's note."""
    html = f'<p class="timestamps">Published {timestamp(context, page.published_at)}'
    if not page.update_note and page.was_updated:
        html += f" · Updated {timestamp(context, page.modified_at)}"
    html += "</p>\n"
    if page.update_note and page.updated_at:
        html += (f'<p class="update-note"><strong>Updated {timestamp(context, page.updated_at)}:'
                 f"</strong> {conditional_escape(page.update_note)}</p>")
    return mark_safe(html + "\n")  # noqa: S308  (the note escaped, the times by timestamp)

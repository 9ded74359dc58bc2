"""Template tags of the publication, including the slots other parts plug into.

The article page has named slots (``after_body``, ``discussion``). Parts that come later
(comments, alerts sign-up, the app) register a Wagtail hook ``gazette_article_<slot>`` that
takes ``(request, page)`` and returns HTML; ``news`` never imports them. Story cards have one
slot, ``meta`` (hook ``gazette_card_meta``, ``(request, article)``), for a line such as a
comment count: a page shows many cards, so a hook should read once a request, not once a card.
Every page has site slots (``footer``: hook ``gazette_site_footer``, ``(request)``), for a box
such as the alerts sign-up. Pages are cached and shared: a slot's HTML must not depend on the
reader.
"""

from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from wagtail import hooks
from wagtail.models import Page
from wagtail.rich_text import RichText

from ..kept import path_with
from ..richtext import render_richtext, web_url

register = template.Library()

ARTICLE_SLOTS = ("after_body", "discussion")
CARD_SLOTS = ("meta",)
SITE_SLOTS = ("footer",)


@register.filter
def safe_richtext(value: RichText | str | None) -> SafeString:
    """``|richtext`` through the allow-list of ``gazette.news.richtext``: use it for every rich
    text shown to readers, never ``|richtext`` or ``|safe`` on stored HTML."""
    return render_richtext(value)


@register.filter
def http_url(value: object) -> str:
    """The address if it is an http(s) URL, else "" (a stored ``javascript:`` URL is no link)."""
    return web_url(value)


@register.filter
def tag_path(slug: str) -> str:
    """``{% url 'news:tag' slug %}``, the pattern reversed once per process."""
    return path_with("news:tag", slug)


@register.simple_tag(takes_context=True)
def article_slot(context: template.Context, name: str, page: Page) -> SafeString:
    if name not in ARTICLE_SLOTS:
        raise template.TemplateSyntaxError(f"Unknown article slot {name!r}")
    parts = [fn(context.get("request"), page) for fn in hooks.get_hooks(f"gazette_article_{name}")]
    return format_html_join("\n", "{}", ((mark_safe(p),) for p in parts if p))


@register.simple_tag(takes_context=True)
def site_slot(context: template.Context, name: str) -> SafeString:
    if name not in SITE_SLOTS:
        raise template.TemplateSyntaxError(f"Unknown site slot {name!r}")
    parts = [fn(context.get("request")) for fn in hooks.get_hooks(f"gazette_site_{name}")]
    return format_html_join("\n", "{}", ((mark_safe(p),) for p in parts if p))


@register.simple_tag(takes_context=True)
def card_slot(context: template.Context, name: str, article: Page) -> SafeString:
    if name not in CARD_SLOTS:
        raise template.TemplateSyntaxError(f"Unknown card slot {name!r}")
    parts = [fn(context.get("request"), article) for fn in hooks.get_hooks(f"gazette_card_{name}")]
    return format_html_join(" · ", "{}", ((mark_safe(p),) for p in parts if p))


@register.simple_tag(takes_context=True)
def body_html(context: template.Context, body: Any) -> SafeString:
    """``{% body_html page.body %}``: the story's body, as ``{% include_block %}`` of each
    block renders it, without a template render per block (gazette.news.body)."""
    from ..body import body_html as render_body

    return render_body(body, context)

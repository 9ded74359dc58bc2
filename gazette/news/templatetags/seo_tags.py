"""Structured data and social meta tags for the page head; the data is built in ``news.seo``."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from .. import seo
from ..models import ArticlePage

register = template.Library()


@register.simple_tag(takes_context=True)
def article_head(context: template.Context, page: ArticlePage) -> dict[str, Any]:
    """``{% article_head page as head %}``: Open Graph and Twitter pairs, and the JSON-LD."""
    return seo.article_head(page, context.get("request"), context.get("base_url"))


@register.simple_tag(takes_context=True)
def article_meta(context: template.Context, page: ArticlePage) -> SafeString:
    """``{% article_meta page %}``: the head's meta tags and JSON-LD, as ``seo.head_html``."""
    return seo.head_html(article_head(context, page))

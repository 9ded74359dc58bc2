"""Structured data and social meta tags for the page head; the data is built in ``news.seo``."""

from typing import Any

from django import template

from .. import seo
from ..models import ArticlePage

register = template.Library()


@register.simple_tag(takes_context=True)
def article_head(context: template.Context, page: ArticlePage) -> dict[str, Any]:
    """``{% article_head page as head %}``: Open Graph and Twitter pairs, and the JSON-LD."""
    return seo.article_head(page, context.get("request"), context.get("base_url"))

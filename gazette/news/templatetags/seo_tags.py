"""Structured data and social meta tags for the page head; the data is built in ``news.seo``."""

from django import template

from .. import seo

register = template.Library()


@register.simple_tag(takes_context=True)
def article_head(context, page) -> dict:
    """``{% article_head page as head %}``: Open Graph and Twitter pairs, and the JSON-LD."""
    return seo.article_head(page, context.get("request"), context.get("base_url"))

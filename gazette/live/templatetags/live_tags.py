"""The live page's head (Open Graph, Twitter card, LiveBlogPosting JSON-LD); built in live.seo."""

from typing import Any

from django import template

from .. import seo
from ..models import LiveEntry, LivePage

register = template.Library()


@register.simple_tag(takes_context=True)
def live_head(context: template.Context, page: LivePage, entries: list[LiveEntry]
              ) -> dict[str, Any]:
    """``{% live_head page entries as head %}``."""
    return seo.live_head(page, list(entries), context.get("request"), context.get("base_url"))

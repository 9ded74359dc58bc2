"""The entries of a sitemap file, written as Django's own ``sitemap.xml`` template writes them.

A file holds up to 50,000 URLs; Django's template renders each through a dozen template nodes
and the ``date`` filter, 0.1 ms a URL (5 s for a full file). This joins the same markup in one
pass: the same escaping, the same day in the current time zone, the same order of elements.
A test compares the two outputs.
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import is_aware, localtime

register = template.Library()


def _day(value: date) -> str:
    if isinstance(value, datetime) and is_aware(value):
        value = localtime(value)  # as the date filter shows it: in the current time zone
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


@register.simple_tag
def sitemap_entries(urlset: Iterable[dict[str, Any]]) -> SafeString:
    parts = []
    for url in urlset:
        parts.append(f"<url><loc>{escape(url['location'])}</loc>")
        if url.get("lastmod"):
            parts.append(f"<lastmod>{_day(url['lastmod'])}</lastmod>")
        if url.get("changefreq"):
            parts.append(f"<changefreq>{escape(url['changefreq'])}</changefreq>")
        if url.get("priority"):
            parts.append(f"<priority>{escape(url['priority'])}</priority>")
        for alternate in url.get("alternates") or ():
            parts.append(f'<xhtml:link rel="alternate" hreflang="{escape(alternate["lang_code"])}"'
                         f' href="{escape(alternate["location"])}"/>')
        parts.append("</url>")
    return mark_safe("".join(parts))  # noqa: S308  (every value above is escaped)

"""What search engines and feed readers are told about live coverage: schema.org
LiveBlogPosting (one BlogPosting per entry in ``liveBlogUpdate``), built on the story's own
NewsArticle from ``gazette.news.seo`` so credits, images and the publisher stay the same."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.defaultfilters import linebreaks_filter, urlize

from gazette.news import seo

from .models import LiveEntry, LivePage


def iso(value: Any) -> str:
    return value.replace(microsecond=0).isoformat() if value else ""


def entry_url(page: LivePage, entry: LiveEntry, request: HttpRequest | None = None,
              base_url: str | None = None) -> str:
    return f"{seo.page_url(page, request, base_url)}#{entry.anchor}"


def entry_html(entry: LiveEntry) -> str:
    """The entry's text as HTML: escaped, paragraphs, links (the page's own rendering)."""
    return str(linebreaks_filter(urlize(entry.body, autoescape=True), autoescape=True))


def live_structured_data(page: LivePage, entries: list[LiveEntry],
                         base_url: str | None = None, request: HttpRequest | None = None,
                         *, images: list[seo.ImageInfo] | None = None) -> dict[str, Any]:
    data = seo.article_structured_data(page, base_url, request, images=images)
    data["@type"] = "LiveBlogPosting"
    data["coverageStartTime"] = iso(page.coverage_start)
    if page.has_ended and page.coverage_ended_at:
        data["coverageEndTime"] = iso(page.coverage_ended_at)
    data["liveBlogUpdate"] = [
        {
            "@type": "BlogPosting",
            "@id": entry_url(page, entry, request, base_url),
            "url": entry_url(page, entry, request, base_url),
            "headline": entry.headline,
            "datePublished": iso(entry.created_at),
            # Plain text, as written (json_ld_script escapes what could end the element).
            "articleBody": entry.body,
        }
        for entry in entries
    ]
    return data


def live_head(page: LivePage, entries: list[LiveEntry], request: HttpRequest | None = None,
              base_url: str | None = None) -> dict[str, Any]:
    """What live_page.html prints in its head: Open Graph, Twitter card and the JSON-LD."""
    images = seo.image_renditions(page.lead_image, *seo.STRUCTURED_DATA_IMAGE_SPECS,
                                  alt=seo.lead_image_alt(page), base_url=base_url)
    social = seo.article_social_meta(page, base_url, request,
                                     image=images[0] if images else None)
    data = live_structured_data(page, entries, base_url, request, images=images)
    return {**social, "json_ld": seo.json_ld_script(data)}

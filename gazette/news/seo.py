"""What search engines, social networks and feed readers are told about the publication.

One place builds absolute URLs, image renditions, credits and categories for stories, so the
feeds, the sitemaps and the article page's structured data (JSON-LD, Open Graph, Twitter card)
all say the same thing. Templates only print what these functions return.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import nh3
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from wagtail.images.models import Filter, SourceImageIOError

from . import richtext
from .models import ArticlePage, SectionPage

LOGO_STATIC_PATH = "news/logo-wide.png"
ICON_STATIC_PATH = "news/logo.png"
# One 16:9 image for feeds and social cards; Google asks for 16:9, 4:3 and 1:1 in JSON-LD.
SHARE_IMAGE_SPEC = "fill-1200x675"
STRUCTURED_DATA_IMAGE_SPECS = (SHARE_IMAGE_SPEC, "fill-1200x900", "fill-1200x1200")

# What feed HTML may carry: the rich-text allow-list, plus what the body's block templates
# (news/blocks/*.html) wrap around it. Feed readers show it outside the site's
# Content-Security-Policy, so anything else (script, style, frames, forms, event handlers,
# javascript: or data: URLs) is dropped, whatever path it came by.
FEED_TAGS = richtext.ALLOWED_TAGS | {"figure", "figcaption", "aside", "span"}
FEED_ATTRIBUTES = {
    **richtext.ALLOWED_ATTRIBUTES,
    "img": richtext.ALLOWED_ATTRIBUTES["img"] | {"loading"},
    "aside": {"aria-label"},
    "*": {"class"},
}
# Elements whose content goes with them (the rest keep their text when their tag is dropped).
_FEED_CLEAN_CONTENT = {"script", "style", "iframe", "noscript", "template", "textarea", "title",
                       "object", "noembed", "noframes", "xmp", "select"}
_URL_ATTRIBUTES = {"href", "src"}
# What must not appear raw in JSON embedded in HTML (as django.utils.html.json_script does).
_JSON_SCRIPT_ESCAPES = {
    ord(">"): "\\u003E",
    ord("<"): "\\u003C",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


@dataclass(frozen=True)
class ImageInfo:
    url: str
    width: int
    height: int
    mime_type: str
    alt: str = ""


@dataclass(frozen=True)
class Credit:
    """Someone a story is credited to: a person (an author) or an organisation (an agency)."""

    name: str
    url: str
    is_person: bool


# --- URLs -----------------------------------------------------------------------------------


def get_base_url(base_url: str | None = None) -> str:
    return (base_url or settings.GAZETTE_BASE_URL).rstrip("/")


def absolute_url(url: str, base_url: str | None = None) -> str:
    """``url`` made absolute against the public address of the site (full URLs are kept)."""
    if not url or url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return f"{get_base_url(base_url).split('//', 1)[0]}{url}"
    if not url.startswith("/"):
        url = "/" + url
    return get_base_url(base_url) + url


def page_url(page, request: HttpRequest | None = None, base_url: str | None = None) -> str:
    return absolute_url(page.get_url(request) or "", base_url)


def static_url(path: str, base_url: str | None = None) -> str:
    return absolute_url(static(path), base_url)


def portable_html(html: str, base_url: str | None = None) -> str:
    """HTML that is safe and works away from the site: the feed allow-list (no script, event
    handlers or javascript: URLs), with absolute links and image sources."""

    def absolute(tag: str, attribute: str, value: str) -> str:
        # nh3 has already refused the URLs of any other scheme.
        if attribute in _URL_ATTRIBUTES:
            value = value.strip()
            if value.startswith("/") and not value.startswith("//"):
                return absolute_url(value, base_url)
        return value

    return nh3.clean(
        html,
        tags=set(FEED_TAGS),
        clean_content_tags=_FEED_CLEAN_CONTENT,
        attributes={tag: set(names) for tag, names in FEED_ATTRIBUTES.items()},
        url_schemes=set(richtext.URL_SCHEMES),
        attribute_filter=absolute,
        link_rel=None,
        strip_comments=True,
    )


# --- Images ---------------------------------------------------------------------------------


def _image_info(rendition, alt: str, base_url: str | None) -> ImageInfo:
    mime_type = mimetypes.guess_type(rendition.file.name)[0] or "image/jpeg"
    return ImageInfo(
        url=absolute_url(rendition.url, base_url),
        width=rendition.width,
        height=rendition.height,
        mime_type=mime_type,
        alt=alt,
    )


@lru_cache(maxsize=64)
def _filter(spec: str) -> Filter:
    # Parsed once per process: Wagtail parses a new Filter's operations with inspect.
    return Filter(spec=spec)


def image_renditions(image, *specs: str, alt: str = "", base_url: str | None = None
                     ) -> list[ImageInfo]:
    """Absolute renditions of ``image``; none when there is no image or its file is missing."""
    if image is None:
        return []
    try:
        renditions = image.get_renditions(*(_filter(spec) for spec in specs))
    except (SourceImageIOError, OSError):
        return []
    return [_image_info(renditions[spec], alt, base_url) for spec in specs]


def lead_image_alt(article: ArticlePage) -> str:
    return article.lead_image_alt or article.lead_image_caption or ""


def share_image(article: ArticlePage, base_url: str | None = None) -> ImageInfo | None:
    images = image_renditions(
        article.lead_image, SHARE_IMAGE_SPEC, alt=lead_image_alt(article), base_url=base_url
    )
    return images[0] if images else None


@lru_cache(maxsize=8)
def _static_image_size(path: str) -> tuple[int, int] | None:
    found = finders.find(path)
    if not found:
        return None
    from PIL import Image

    try:
        with Image.open(found) as img:
            return img.size
    except OSError:
        return None


# --- Credits and categories -----------------------------------------------------------------


def article_credits(article: ArticlePage, base_url: str | None = None) -> list[Credit]:
    """The authors, in byline order, then the agency."""
    credits = [
        Credit(author.name, absolute_url(author.get_absolute_url(), base_url), True)
        for author in article.authors
    ]
    if article.agency_id and article.agency:
        credits.append(Credit(article.agency.name, article.agency.url, False))
    return credits


def article_tag_names(article: ArticlePage) -> list[str]:
    # Through tagged_items (tags_shown) so that a prefetch of "tagged_items__tag" is used.
    return sorted({tag.name for tag in article.tags_shown}, key=str.casefold)


def article_description(article: ArticlePage) -> str:
    return (article.search_description or article.standfirst or "").strip()


def article_body_html(article: ArticlePage, base_url: str | None = None) -> str:
    """The story's body as HTML for feeds: rendered by its block templates, made portable."""
    return portable_html(str(article.body.render_as_block()), base_url).strip()


def sections_for(articles) -> dict[int, SectionPage]:
    """The section of each article, keyed by article id, in one query."""
    parent_paths = {a.path[: -ArticlePage.steplen]: a.pk for a in articles}
    by_path = {s.path: s for s in SectionPage.objects.filter(path__in=list(parent_paths))}
    return {
        a.pk: by_path[a.path[: -ArticlePage.steplen]]
        for a in articles
        if a.path[: -ArticlePage.steplen] in by_path
    }


# --- The publisher --------------------------------------------------------------------------


def publisher(base_url: str | None = None) -> dict[str, Any]:
    logo: dict[str, Any] = {"@type": "ImageObject", "url": _logo_url(base_url)}
    size = _static_image_size(LOGO_STATIC_PATH)
    if size:
        logo["width"], logo["height"] = size
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.GAZETTE_SITE_NAME,
        "url": get_base_url(base_url) + "/",
        "logo": logo,
    }


# The logo's absolute URL by what makes it (the same for every story): static() asks the
# storage each time.
_logo_urls: dict[str, str] = {}


def _logo_url(base_url: str | None) -> str:
    key = get_base_url(base_url)
    url = _logo_urls.get(key)
    if url is None:
        url = static_url(LOGO_STATIC_PATH, base_url)
        if len(_logo_urls) < 16:
            _logo_urls[key] = url
    return url


@receiver(setting_changed)
def _forget_logo_urls(**kwargs: Any) -> None:
    _logo_urls.clear()


# --- The article page -----------------------------------------------------------------------


def _iso(value) -> str:
    return value.replace(microsecond=0).isoformat() if value else ""


def article_structured_data(
    page: ArticlePage,
    base_url: str | None = None,
    request: HttpRequest | None = None,
    *,
    images: list[ImageInfo] | None = None,
    url: str | None = None,
    credits: list[Credit] | None = None,
    keywords: list[str] | None = None,
) -> dict[str, Any]:
    """schema.org NewsArticle (OpinionNewsArticle in an opinion section) for ``page``, with
    absolute URLs, its corrections (CorrectionComment) and an image even when it has none.

    ``url``, ``credits`` and ``keywords`` are the page's ``page_url``, ``article_credits`` and
    ``article_tag_names`` when the caller has them already."""
    if url is None:
        url = page_url(page, request, base_url)
    if images is None:
        images = image_renditions(page.lead_image, *STRUCTURED_DATA_IMAGE_SPECS,
                                  base_url=base_url)
    if credits is None:
        credits = article_credits(page, base_url)
    people = [c for c in credits if c.is_person]
    agencies = [c for c in credits if not c.is_person]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "OpinionNewsArticle" if page.is_opinion else "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": page.title,
        "description": article_description(page),
        "datePublished": _iso(page.published_at),
        "dateModified": _iso(page.modified_at),
        "inLanguage": page.language,
        "isAccessibleForFree": True,
        "publisher": publisher(base_url),
    }
    if images:
        data["image"] = [image.url for image in images]
    else:
        # Google wants an image for every article: a story without one shows the site's logo.
        data["image"] = [_logo_url(base_url)]
    corrections = page.correction_notes
    if corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "text": note.text,
             "datePublished": _iso(note.corrected_at)}
            for note in corrections
        ]
    if people:
        data["author"] = [{"@type": "Person", "name": c.name, "url": c.url} for c in people]
    if agencies:
        organisation = {"@type": "Organization", "name": agencies[0].name}
        if agencies[0].url:
            organisation["url"] = agencies[0].url
        data["sourceOrganization"] = organisation
        if not people:
            # Google reads the author; an agency-only story is authored by the agency.
            data["author"] = [organisation]
    section = page.section
    if section is not None and isinstance(section, SectionPage):
        data["articleSection"] = section.title
    if keywords is None:
        keywords = article_tag_names(page)
    if keywords:
        data["keywords"] = keywords
    if page.dateline:
        data["dateline"] = page.dateline
    return data


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """``data`` as a JSON-LD script element, escaped so it cannot end the element early."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload.translate(_JSON_SCRIPT_ESCAPES)),
    )


def article_social_meta(
    page: ArticlePage,
    base_url: str | None = None,
    request: HttpRequest | None = None,
    *,
    image: ImageInfo | None = None,
    url: str | None = None,
    credits: list[Credit] | None = None,
    keywords: list[str] | None = None,
) -> dict[str, list[tuple[str, str]]]:
    """Open Graph (``property=``) and Twitter card (``name=``) meta tags as (key, value) pairs
    (``url``, ``credits``, ``keywords``: as ``article_structured_data``'s)."""
    if url is None:
        url = page_url(page, request, base_url)
    if credits is None:
        credits = article_credits(page, base_url)
    if keywords is None:
        keywords = article_tag_names(page)
    title = page.seo_title or page.title
    description = article_description(page)
    og: list[tuple[str, str]] = [
        ("og:type", "article"),
        ("og:site_name", settings.GAZETTE_SITE_NAME),
        ("og:title", title),
        ("og:description", description),
        ("og:url", url),
    ]
    if image is not None:
        og += [
            ("og:image", image.url),
            ("og:image:type", image.mime_type),
            ("og:image:width", str(image.width)),
            ("og:image:height", str(image.height)),
        ]
        if image.alt:
            og.append(("og:image:alt", image.alt))
    og += [
        ("article:published_time", _iso(page.published_at)),
        ("article:modified_time", _iso(page.modified_at)),
    ]
    section = page.section
    if section is not None and isinstance(section, SectionPage):
        og.append(("article:section", section.title))
    og += [("article:author", c.url) for c in credits if c.is_person]
    og += [("article:tag", name) for name in keywords]

    twitter: list[tuple[str, str]] = [
        ("twitter:card", "summary_large_image" if image is not None else "summary"),
        ("twitter:title", title),
        ("twitter:description", description),
    ]
    if image is not None:
        twitter.append(("twitter:image", image.url))
        if image.alt:
            twitter.append(("twitter:image:alt", image.alt))
    return {"open_graph": og, "twitter": twitter}


def article_head(page: ArticlePage, request: HttpRequest | None = None,
                 base_url: str | None = None) -> dict[str, Any]:
    """Everything article_meta.html prints, building each image rendition, the URL, the
    credits and the tags once."""
    images = image_renditions(page.lead_image, *STRUCTURED_DATA_IMAGE_SPECS,
                              alt=lead_image_alt(page), base_url=base_url)
    url = page_url(page, request, base_url)
    credits = article_credits(page, base_url)
    keywords = article_tag_names(page)
    social = article_social_meta(page, base_url, request, image=images[0] if images else None,
                                 url=url, credits=credits, keywords=keywords)
    data = article_structured_data(page, base_url, request, images=images, url=url,
                                   credits=credits, keywords=keywords)
    return {**social, "json_ld": json_ld_script(data)}


def head_html(head: dict[str, Any]) -> SafeString:
    """What article_meta.html printed of ``article_head``'s answer, byte for byte (its loops
    were a tenth of the story's render): each Open Graph and Twitter pair on a line of its
    own, then the JSON-LD (test_structured_data holds the two equal)."""
    parts = [f'\n<meta property="{conditional_escape(key)}" content="{conditional_escape(value)}">'
             for key, value in head["open_graph"]]
    parts += [f'\n<meta name="{conditional_escape(key)}" content="{conditional_escape(value)}">'
              for key, value in head["twitter"]]
    parts.append(f"\n{conditional_escape(head['json_ld'])}")
    return mark_safe("".join(parts))  # noqa: S308  (every value escaped above)

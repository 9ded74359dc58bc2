"""Rich text as readers get it: Wagtail's rendering, then an allow-list of what the editor makes.

The Draftail editor only produces a small set of elements, but rich text also arrives by other
paths (an import, a shell, the API, a restored backup) that no editor ever checked. Every rich
text is therefore cleaned at render time by nh3 (the Rust ``ammonia`` sanitiser): what is not
on the list below is dropped, whatever path it came by. Scripts, event handlers (``onerror=``),
``style``, frames, forms and ``javascript:`` or ``data:`` links never reach a reader.

The list is what the editor's features render to after Wagtail expands its database format:
``<a linktype="page">`` and ``<a linktype="document">`` become plain ``<a href>``, and
``<embed embedtype="image">`` becomes ``<img alt class height src width>`` with the classes of
the image formats (``richtext-image left`` ...). Media embeds (third-party iframes) are not on
it: the site makes no third-party requests (see ``blocks.EmbedBlock``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3
from django.utils.safestring import SafeString, mark_safe
from wagtail.rich_text import RichText
from wagtail.templatetags.wagtailcore_tags import richtext

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "b", "strong", "i", "em", "s", "u", "sub",
    "sup", "code", "blockquote", "ul", "ol", "li", "a", "img",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "rel", "title", "hreflang"},
    "img": {"alt", "src", "width", "height"},
    "ol": {"start", "reversed"},
}
# The classes of wagtail.images.formats (the editor's image formats).
ALLOWED_CLASSES = {"img": {"richtext-image", "full-width", "left", "right"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
    url_schemes=set(URL_SCHEMES),
    # No rel is forced on links: ``target`` is not allowed, so no link opens a window that
    # could reach back (the reason for noopener), and internal links keep their referrer.
    link_rel=None,
    strip_comments=True,
)


def sanitise_html(html: str) -> str:
    """Plain HTML (already expanded from Wagtail's database format) through the allow-list."""
    return _cleaner.clean(html)


def render_richtext(value: RichText | str | None) -> SafeString:
    """What Wagtail's ``|richtext`` renders, through the allow-list."""
    return mark_safe(sanitise_html(str(richtext(value))))  # noqa: S308  (the sanitiser's output)


def web_url(value: object) -> str:
    """``value`` if it is an absolute http(s) URL, else "" (for links stored outside rich text,
    which the editor's URL fields checked but an import may not have)."""
    url = str(value or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""

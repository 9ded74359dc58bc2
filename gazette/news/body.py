"""A story's body as HTML without a template render per block.

``{% include_block %}`` flattens the page's whole context into a dict for every block, then
renders the block's template (news/blocks/*.html): most of the cost of a body of seven blocks.
Here each block type the body offers is a few string joins of values escaped as the templates
escape them, byte for byte their markup; the templates stay the reference (and what the feeds
and any other block type render), and test_uncached_render holds the two equal for every type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.template import Context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from wagtail.images.shortcuts import get_renditions_or_not_found

from .richtext import render_richtext, web_url
from .templatetags.prefetched_images import kept_filter


def _text(value: Any, key: str) -> str:
    """``{{ value.key }}`` (a missing key prints nothing)."""
    found = value.get(key, "")
    return str(conditional_escape(found))


def _paragraph(value: Any) -> str:
    return f"{render_richtext(value)}\n"


def _subheading(value: Any) -> str:
    return f'<h2 class="subheading">{conditional_escape(value)}</h2>\n'


def _quotation(value: Any) -> str:
    speaker, source = value.get("speaker"), value.get("source")
    caption = ""
    if speaker or source:
        said = (f'<span class="quotation__speaker">{_text(value, "speaker")}</span>'
                if speaker else "")
        where = ""
        if source:
            where = (f'{", " if speaker else ""}<span class="quotation__source">'
                     f'{_text(value, "source")}</span>')
        caption = f"<figcaption>{said}{where}</figcaption>"
    return (f'<figure class="quotation"><blockquote><p>{_text(value, "text")}</p></blockquote>'
            f"{caption}</figure>\n")


def _pull_quote(value: Any) -> str:
    attribution = (f'<p class="pull-quote__attribution">— {_text(value, "attribution")}</p>'
                   if value.get("attribution") else "")
    return f'<aside class="pull-quote"><p>“{_text(value, "text")}”</p>{attribution}</aside>\n'


def _fact_box(value: Any) -> str:
    title = _text(value, "title")
    facts = "".join(f"<li>{conditional_escape(fact)}</li>" for fact in value.get("facts") or ())
    return (f'<aside class="fact-box" aria-label="{title}"><h2>{title}</h2><ul>{facts}</ul>'
            f"</aside>\n")


def _embed(value: Any) -> str:
    provider = conditional_escape(value.get("provider") or "Link")
    href = web_url(value.get("url", ""))
    title = _text(value, "title")
    link = (f'<a href="{conditional_escape(href)}" rel="noopener noreferrer">{title}</a>'
            if href else title)
    description = (f"<p>{_text(value, 'description')}</p>" if value.get("description") else "")
    return (f'<aside class="embed-card"><p class="embed-card__provider">{provider}</p>'
            f'<p class="embed-card__title">{link}</p>{description}</aside>\n')


def _image(value: Any) -> str:
    image = value.get("image")
    img = ""
    if image:
        spec = kept_filter("width-960")
        rendition = next(iter(get_renditions_or_not_found(image, [spec]).values()))
        img = rendition.img_tag({"loading": "lazy",
                                 "alt": value.get("alt_text") or value.get("caption", "")})
    caption = ""
    if value.get("caption") or value.get("credit"):
        credit = (f' <span class="credit">{_text(value, "credit")}</span>'
                  if value.get("credit") else "")
        caption = f"<figcaption>{_text(value, 'caption')}{credit}</figcaption>"
    return f'<figure class="body-image">{img}{caption}</figure>\n'


RENDERERS: dict[str, Callable[[Any], str]] = {
    "paragraph": _paragraph,
    "subheading": _subheading,
    "quotation": _quotation,
    "pull_quote": _pull_quote,
    "fact_box": _fact_box,
    "embed": _embed,
    "image": _image,
}


def body_html(body: Iterable[Any], context: Context | None = None) -> SafeString:
    """What ``{% for block in body %}{% include_block block %}{% endfor %}`` renders in
    ``context``; a block type without a renderer here is rendered by its template, as
    include_block renders it."""
    parts = []
    for block in body:
        render = RENDERERS.get(block.block_type)
        if render is not None:
            parts.append(render(block.value))
        else:
            flat = context.flatten() if context is not None else None
            parts.append(str(block.render_as_block(context=flat)))
    return mark_safe("".join(parts))  # noqa: S308  (each part escaped as its template does)

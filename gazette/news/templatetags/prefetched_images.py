"""``{% image %}`` as Wagtail's, without a write to the shared cache on every render.

Load it after ``wagtailimages_tags`` (``{% load wagtailimages_tags prefetched_images %}``): the
tag parses as Wagtail's and prints the same markup, but asks for its rendition with
``Image.get_renditions`` instead of ``Image.get_rendition``. A rendition among the image's
prefetched ones (``prefetch_related("lead_image__renditions")`` for story cards,
``selectors.with_renditions`` for a story's own images) is then used as it is; Wagtail's
``get_rendition`` writes it back to the shared cache on every render (a section page of twelve
cards wrote 24 entries a request). Without prefetched renditions both look in the shared cache,
then the database. The tag's filter is parsed once, not once a render.

The node reads what Wagtail's ``ImageNode`` keeps from parsing (``filter_specs``,
``image_expr``, ``attrs``, ``output_var_name``): test_prefetched_images pins that, and that the
markup is Wagtail's.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Any

from django import template
from wagtail.images.models import Filter
from wagtail.images.shortcuts import get_renditions_or_not_found
from wagtail.images.templatetags.wagtailimages_tags import ImageNode
from wagtail.images.templatetags.wagtailimages_tags import image as wagtail_image_tag

register = template.Library()


@lru_cache(maxsize=64)
def kept_filter(spec: str) -> Filter:
    """The filter of ``spec``, parsed once per process (news.body's images use it too)."""
    return Filter(spec=spec)


class PrefetchedImageNode(ImageNode):
    @cached_property
    def filter(self) -> Filter:
        return kept_filter("|".join(self.filter_specs))

    def get_filter(self) -> Filter:
        return self.filter

    def render(self, context: template.Context) -> Any:
        image = self.validate_image(context)
        if not image:
            return ""
        renditions = get_renditions_or_not_found(image, [self.filter])
        rendition = next(iter(renditions.values()))
        if self.output_var_name:
            context[self.output_var_name] = rendition
            return ""
        resolved_attrs = {key: value.resolve(context) for key, value in self.attrs.items()}
        return rendition.img_tag(resolved_attrs)


@register.tag("image")
def image(parser: template.base.Parser, token: template.base.Token) -> template.Node:
    node = wagtail_image_tag(parser, token)
    return PrefetchedImageNode(node.image_expr, node.filter_specs,
                               output_var_name=node.output_var_name, attrs=node.attrs)

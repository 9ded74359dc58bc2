"""The image renditions readers are served, made when a story is published.

Making a rendition means decoding, resizing and encoding the original: about a tenth of a
second each, and a story's lead image alone has seven (article page, story cards, share and
structured-data images). Made on the first request, they turn the first reader of a new story,
or the first feed fetch after a busy hour, into a slow one; so a task makes them as soon as the
story is published. The templates name the same specs (a test keeps the two lists in step).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import prefetch_related_objects
from wagtail.images.models import AbstractImage, SourceImageIOError

from .models import ArticlePage
from .seo import STRUCTURED_DATA_IMAGE_SPECS

ARTICLE_LEAD_SPECS = ("width-1200", "width-640")  # news/article_page.html
CARD_SPECS = ("fill-240x135", "fill-480x270", "fill-960x540")  # news/includes/story_card.html
BODY_IMAGE_SPECS = ("width-960",)  # news/blocks/image.html
AUTHOR_PHOTO_SPECS = ("fill-160x160",)  # news/author_page.html
LEAD_IMAGE_SPECS = (*ARTICLE_LEAD_SPECS, *CARD_SPECS, *STRUCTURED_DATA_IMAGE_SPECS)
TEMPLATE_SPECS = frozenset(ARTICLE_LEAD_SPECS + CARD_SPECS + BODY_IMAGE_SPECS + AUTHOR_PHOTO_SPECS)


def article_images(article: ArticlePage) -> list[tuple[AbstractImage, tuple[str, ...]]]:
    """Each image ``article`` shows, with the specs it is shown at."""
    wanted: list[tuple[AbstractImage, tuple[str, ...]]] = []
    if article.lead_image_id:
        wanted.append((article.lead_image, LEAD_IMAGE_SPECS))
    for block in article.body:
        if block.block_type == "image" and block.value.get("image") is not None:
            wanted.append((block.value["image"], BODY_IMAGE_SPECS))
    for author in article.authors:
        if author.photo_id:
            wanted.append((author.photo, AUTHOR_PHOTO_SPECS))
    return wanted


def renditions_prepare(article: ArticlePage) -> int:
    """Make every rendition ``article`` needs that does not exist yet; how many images."""
    prepared = 0
    for image, specs in article_images(article):
        try:
            image.get_renditions(*specs)
        except (SourceImageIOError, OSError):
            continue  # a missing original: the page shows no image, as it would anyway
        prepared += 1
    return prepared


def with_renditions(article: ArticlePage) -> ArticlePage:
    """Fetch the renditions of every image the story's page shows (its lead image, the body's
    images) in one query, for its ``{% image %}`` tags (news/templatetags/prefetched_images.py)
    and its head's share images.

    Wagtail otherwise looks each one up in the shared cache and writes it back there, on every
    render: six reads and six writes for a story with two images.
    """
    images = [article.lead_image] if article.lead_image_id else []
    for block in article.body:
        if block.block_type == "image" and block.value.get("image") is not None:
            images.append(block.value["image"])
    if images:
        prefetch_related_objects(images, "renditions")
    return article


def bodies_with_renditions(articles: Sequence[ArticlePage]) -> None:
    """Read the images of every body among ``articles`` in one query, and their renditions in
    one more, for a page that renders many stories' bodies (a feed's 30).

    Wagtail reads a body's images when the body is first rendered, one query per story that
    has any. A feed whose stories carry more body images made more queries: 14 against 12 for
    a section's feed at 100,000 stories beside 3,000. The image blocks are converted here with
    the block's own ``bulk_to_python`` over every story's raw values at once (what Wagtail does
    for one story's), and put in their places; the other blocks stay as Wagtail leaves them.
    """
    pending = []
    for article in articles:
        stream = article.body
        pending += [(stream, index, raw) for index, raw in enumerate(stream.raw_data)
                    if raw["type"] == "image"]
    if not pending:
        return
    block = pending[0][0].stream_block.child_blocks["image"]
    values = block.bulk_to_python([raw["value"] for _, _, raw in pending])
    for (stream, index, raw), value in zip(pending, values, strict=True):
        stream[index] = ("image", value, raw.get("id"))
    images = [value["image"] for value in values if value.get("image") is not None]
    if images:
        prefetch_related_objects(images, "renditions")

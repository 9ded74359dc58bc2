"""The synthetic archive for benchmarks: many live stories written in bulk, not page by page.

``archive_add(count)`` is what ``demo.demo_bulk`` runs once the demo newsroom exists. Each
story is a variation of a demo story (same section, images, credits and tags, a new slug and
a closing paragraph with its number), published at a random time over the past year, live
with the one revision Wagtail expects of a published page.

Publishing through Wagtail (``add_child``, a revision, ``publish``) costs 20-70 ms a story
here, so an archive of 100,000 took hours. This writes the same rows in bulk, a batch of
``BATCH`` stories per transaction: the tree's materialised paths are computed from treebeard's
public ``alphabet`` and ``steplen`` (a section's children are numbered after its last child),
the page and article rows go in with one multi-row insert each, credits, tags and revisions
with ``bulk_create``, and the search index is filled by the search backend's ``add_bulk``.
Nothing else runs: no page signals (no alert, no WebSub ping, no reference index entry for
the images the archive shares with the demo) and no per-page validation; the loader clears
the page cache and forgets remembered routes when it is done.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Field, Model
from django.utils import timezone
from modelcluster.models import get_all_child_relations
from wagtail.models import Page, Revision

from .demo_content import ARTICLES_BY_SECTION, SECTIONS
from .models import ArticleAuthor, ArticlePage, ArticleTag, SectionPage

BATCH = 1000
ARCHIVE_SLUG = re.compile(r"-archive-(\d+)$")


def archive_add(count: int, *, report: Callable[[str], None] | None = None,
                index: bool = True) -> int:
    """Add ``count`` archive stories (see the module's docstring); return how many were added."""
    if count <= 0:
        return 0
    templates = _templates()
    number = _last_archive_number() + 1
    rng = random.Random(f"gazette-demo-bulk-{number}")
    now = timezone.now()
    sections = {template.demo_parent.pk: template.demo_parent for template in templates}
    next_child = {pk: _next_child_number(section) for pk, section in sections.items()}
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        with transaction.atomic():
            stories = []
            for _ in range(size):
                template = templates[number % len(templates)]
                parent = template.demo_parent
                published = now - timedelta(days=2 + rng.random() * 363)
                stories.append(_story(template, number, published, next_child[parent.pk]))
                next_child[parent.pk] += 1
                number += 1
            _insert_pages(stories)
            _insert_credits(stories)
            _insert_revisions(stories)
            added: dict[int, int] = {}
            for story in stories:
                added[story.demo_parent.pk] = added.get(story.demo_parent.pk, 0) + 1
            for parent_pk, children in added.items():
                Page.objects.filter(pk=parent_pk).update(numchild=F("numchild") + children)
            if index:
                _index(stories)
        made += size
        if report is not None:
            report(f"{made}/{count}")
    return made


# --- What a story is made of --------------------------------------------------------------------


def _templates() -> list[Any]:
    """The demo stories the archive varies, each knowing its section, tags and authors."""
    slugs = [spec["slug"] for specs in ARTICLES_BY_SECTION.values() for spec in specs]
    sections = list(SectionPage.objects.filter(
        slug__in=[info["slug"] for info in SECTIONS], depth=3))
    templates = []
    for template in (ArticlePage.objects.filter(slug__in=slugs, depth=4)
                     .select_related("agency")
                     .prefetch_related("tagged_items__tag", "article_authors")
                     .order_by("path")):
        parent = next((s for s in sections if template.path.startswith(s.path)), None)
        if parent is None:
            continue
        template.demo_parent = parent
        template.demo_tag_ids = [item.tag_id for item in template.tagged_items.all()]
        template.demo_tags = [item.tag for item in template.tagged_items.all()]
        template.demo_author_ids = [link.author_id for link in template.article_authors.all()]
        templates.append(template)
    if not templates:
        raise RuntimeError("The demo articles are missing: cannot build the archive from them.")
    return templates


def _last_archive_number() -> int:
    slugs = ArticlePage.objects.filter(slug__contains="-archive-").values_list("slug", flat=True)
    numbers = [int(m.group(1)) for m in map(ARCHIVE_SLUG.search, slugs) if m]
    return max(numbers, default=0)


def _step(number: int) -> str:
    """A child's step of a materialised path: ``number`` in treebeard's alphabet, padded."""
    alphabet, digits = Page.alphabet, []
    while number:
        number, digit = divmod(number, len(alphabet))
        digits.append(alphabet[digit])
    step = "".join(reversed(digits)).rjust(Page.steplen, alphabet[0])
    if len(step) > Page.steplen:
        raise ValueError("A section has more children than its materialised path can number.")
    return step


def _next_child_number(section: SectionPage) -> int:
    last = section.get_last_child()
    return int(last.path[-Page.steplen:], len(Page.alphabet)) + 1 if last else 1


def _story(template: Any, number: int, published: datetime, child: int) -> Any:
    parent = template.demo_parent
    body = [dict(block, id=str(uuid.uuid4())) for block in template.body.raw_data]
    body.append({"type": "paragraph", "id": str(uuid.uuid4()),
                 "value": f"<p>From the Gazette demo archive, story number {number}.</p>"})
    title = f"{template.title} (archive {number})"
    slug = f"{template.slug[:60]}-archive-{number}"
    story = ArticlePage(
        title=title,
        draft_title=title,
        slug=slug,
        path=parent.path + _step(child),
        depth=parent.depth + 1,
        numchild=0,
        url_path=f"{parent.url_path}{slug}/",
        standfirst=template.standfirst,
        dateline=template.dateline,
        lead_image_id=template.lead_image_id,
        lead_image_caption=template.lead_image_caption,
        lead_image_credit=template.lead_image_credit,
        lead_image_alt=template.lead_image_alt,
        body=body,
        agency_id=template.agency_id,
        comments_open=number % 9 != 0,
        language=template.language,
        locale_id=parent.locale_id,
        live=True,
        has_unpublished_changes=False,
        first_published_at=published,
        last_published_at=published,
        latest_revision_created_at=published,
    )
    story.demo_parent = parent
    story.demo_tag_ids = template.demo_tag_ids
    # In memory too, for the revision's content and the search index (modelcluster relations).
    story.article_authors = [ArticleAuthor(author_id=author_id, sort_order=position)
                             for position, author_id in enumerate(template.demo_author_ids)]
    story.tags.add(*template.demo_tags)
    # Every other child relation (comments, corrections...) is empty, and known to be: the
    # revision's serialisation would otherwise ask the database about each, for each story.
    for relation in get_all_child_relations(story):
        name = relation.get_accessor_name()
        if name not in ("article_authors", "tagged_items"):
            setattr(story, name, [])
    return story


# --- Writing them -------------------------------------------------------------------------------


def _insert_rows(model: type[Model], fields: Sequence[Field[Any, Any]],
                 rows: list[list[Any]]) -> None:
    """One INSERT of many rows into ``model``'s own table, values prepared by their fields."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", [
            [field.get_db_prep_save(value, connection) for field, value in zip(fields, row,
                                                                                strict=True)]
            for row in rows
        ])


def _insert_pages(stories: list[Any]) -> None:
    """The ``wagtailcore_page`` rows (ids back from the database), then the articles' own."""
    base_fields = [f for f in Page._meta.concrete_fields if not f.primary_key]
    pages = Page.objects.bulk_create([
        Page(**{field.attname: getattr(story, field.attname) for field in base_fields})
        for story in stories
    ])
    if any(page.pk is None for page in pages):  # a backend that does not return ids
        ids = dict(Page.objects.filter(path__in=[p.path for p in pages]).values_list("path", "pk"))
        for page in pages:
            page.pk = ids[page.path]
    for story, page in zip(stories, pages, strict=True):
        story.id = story.page_ptr_id = page.pk
    own_fields = list(ArticlePage._meta.local_concrete_fields)
    _insert_rows(ArticlePage, own_fields, [
        [field.pre_save(story, True) for field in own_fields] for story in stories
    ])


def _insert_credits(stories: list[Any]) -> None:
    ArticleAuthor.objects.bulk_create([
        ArticleAuthor(page_id=story.pk, author_id=link.author_id, sort_order=link.sort_order)
        for story in stories for link in story.article_authors.all()
    ])
    ArticleTag.objects.bulk_create([
        ArticleTag(content_object_id=story.pk, tag_id=tag_id)
        for story in stories for tag_id in story.demo_tag_ids
    ])


def _insert_revisions(stories: list[Any]) -> None:
    """The single revision of each live story, then the pages pointed at it."""
    base_content_type_id = stories[0].get_base_content_type().pk
    revisions = Revision.objects.bulk_create([
        Revision(
            content_type_id=story.content_type_id,
            base_content_type_id=base_content_type_id,
            object_id=str(story.pk),
            object_str=str(story),
            content=story.serializable_data(),
            created_at=story.first_published_at,
        )
        for story in stories
    ])
    if any(revision.pk is None for revision in revisions):
        by_page = dict(Revision.objects.filter(
            base_content_type_id=base_content_type_id,
            object_id__in=[str(story.pk) for story in stories],
        ).values_list("object_id", "pk"))
        for revision in revisions:
            revision.pk = by_page[revision.object_id]
    table = connection.ops.quote_name(Page._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET latest_revision_id = %s, live_revision_id = %s WHERE id = %s",
            [(revision.pk, revision.pk, story.pk)
             for story, revision in zip(stories, revisions, strict=True)],
        )
    for story, revision in zip(stories, revisions, strict=True):
        story.latest_revision_id = story.live_revision_id = revision.pk


def _index(stories: list[Any]) -> None:
    """Index the batch as the search backends index a bulk of objects (tags from memory)."""
    from wagtail.search.backends import get_search_backends

    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(ArticlePage, stories)

"""The demo newsroom: sections, staff, agencies and 35 stories about an invented country.

``demo_load()`` is what ``gazette demo`` and ``gazette run`` call. It is idempotent: everything is
keyed by slug (images by title) and only what is missing is created, so running it again adds
nothing. Publication times are relative to the moment of loading, so a fresh demo always has a
breaking story and a busy last two days.

``demo_bulk(count)`` adds ``count`` synthetic archive stories (variations of the demo texts spread
over the past year) for benchmarks. It writes live pages in bulk, with a single revision each,
instead of going through a draft and a publish per page, and reuses the demo's images
(``gazette.news.demo_archive``).

The illustrations and author portraits are drawn with Pillow at load time, so the repository
carries no image files (``gazette.news.demo_images``). The texts live in
``gazette.news.demo_content``.
"""

from __future__ import annotations

import hashlib
import html
import io
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TextIO

from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_save
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.images.models import AbstractImage
from wagtail.models import Revision

from .demo_archive import archive_add
from .demo_content import (
    AGENCIES,
    ARTICLES_BY_SECTION,
    AUTHORS,
    HOME_DESCRIPTION,
    HOME_INTRO,
    SECTIONS,
)
from .demo_images import render_avatar, render_illustration
from .models import (
    Agency,
    ArticleAuthor,
    ArticlePage,
    Author,
    HomePage,
    SectionPage,
    StoryReads,
)

LEAD_IMAGE_CREDIT = "Illustration: Gazette demo"
# What the loader made, by model, to index in bulk (Wagtail's models are untyped: Any).
Created = dict[type[Any], list[Any]]


# --- Loading ------------------------------------------------------------------------------------


def demo_load(*, stdout: TextIO | None = None) -> int:
    """Create whatever part of the demo newsroom is missing; return the number of new articles."""
    started = time.monotonic()
    now = timezone.now()
    counts = dict.fromkeys(("sections", "authors", "agencies", "images", "articles"), 0)
    created: Created = {}
    with _search_indexing_deferred(_indexed_models()), transaction.atomic():
        home = HomePage.objects.first()
        if home is None:
            raise RuntimeError("No front page: run the migrations before loading the demo.")
        if not home.intro or not home.search_description:
            home.intro = home.intro or HOME_INTRO
            home.search_description = home.search_description or HOME_DESCRIPTION
            home.save_revision().publish()
            created.setdefault(HomePage, []).append(home)
        sections = _ensure_sections(home, now, counts, created)
        authors = _ensure_authors(counts, created)
        agencies = _ensure_agencies(counts, created)
        for section_info in SECTIONS:
            section = sections[section_info["slug"]]
            existing = set(ArticlePage.objects.child_of(section).values_list("slug", flat=True))
            for spec in ARTICLES_BY_SECTION[section_info["slug"]]:
                if spec["slug"] in existing:
                    continue
                article = _create_article(
                    section, section_info, spec, now=now, authors=authors, agencies=agencies,
                    counts=counts, created=created,
                )
                created.setdefault(ArticlePage, []).append(article)
                counts["articles"] += 1
        _index_now(created)
        _ensure_reads(now)
    _report(stdout, "Demo newsroom: " + ", ".join(f"{n} new {what}" for what, n in counts.items())
            + f" ({time.monotonic() - started:.1f} s).")
    return counts["articles"]


def demo_bulk(count: int, *, stdout: TextIO | None = None, index: bool = True) -> int:
    """Add ``count`` synthetic archive stories for benchmarks; return how many were created.

    Loads the demo first if needed. Every call adds new stories (numbered after the highest
    archive number so far), spread over the past year and sharing the demo's images. Stories are
    live, with one published revision each, written in bulk (``gazette.news.demo_archive``);
    ``index=False`` skips the search index.
    """
    if count <= 0:
        return 0
    demo_load(stdout=stdout)
    started = time.monotonic()

    def report(progress: str) -> None:
        _report(stdout, f"Demo archive: {progress} stories ({time.monotonic() - started:.1f} s).")

    made = archive_add(count, report=report, index=index)
    _clear_page_cache()
    return made


def _ensure_reads(now: datetime) -> None:
    """Some hours of "most read" counts for a few stories, so the front page shows the zone
    before anyone has read anything (counted reads add to these)."""
    if StoryReads.objects.exists():
        return
    stories = list(ArticlePage.objects.live().order_by("-first_published_at", "pk")
                   .values_list("pk", flat=True)[:24])
    hour = now.replace(minute=0, second=0, microsecond=0)
    rows = []
    for rank, pk in enumerate(stories[3::3]):  # not only the newest, as real readers do
        for hours_ago in range(3):
            views = max(5, 400 // (rank + 1) - 40 * hours_ago)
            rows.append(StoryReads(article_id=pk, hour=hour - timedelta(hours=hours_ago),
                                   views=views))
    StoryReads.objects.bulk_create(rows)


# --- Sections, people, agencies -----------------------------------------------------------------


def _ensure_sections(home: HomePage, now: datetime, counts: dict[str, int], created: Created
                     ) -> dict[str, SectionPage]:
    existing = {s.slug: s for s in SectionPage.objects.child_of(home)}
    for info in SECTIONS:
        if info["slug"] in existing:
            continue
        section = SectionPage(title=info["title"], slug=info["slug"], intro=info["intro"])
        home.add_child(instance=section)
        section.save_revision().publish()
        founded = now - timedelta(days=60)
        SectionPage.objects.filter(pk=section.pk).update(
            first_published_at=founded, last_published_at=founded
        )
        existing[info["slug"]] = section
        created.setdefault(SectionPage, []).append(section)
        counts["sections"] += 1
    if _order_sections(home):
        existing = {s.slug: s for s in SectionPage.objects.child_of(home)}  # paths changed
    return {info["slug"]: existing[info["slug"]] for info in SECTIONS}


def _order_sections(home: HomePage) -> bool:
    """Keep the demo sections in reading order (navigation and front page follow tree order).

    Returns whether anything moved.
    """
    wanted = [info["slug"] for info in SECTIONS]
    current = [slug for slug in SectionPage.objects.child_of(home).order_by("path")
               .values_list("slug", flat=True) if slug in wanted]
    if current == wanted:
        return False
    for slug in wanted:
        section = SectionPage.objects.child_of(home).get(slug=slug)
        section.move(HomePage.objects.get(pk=home.pk), pos="last-child")
    return True


def _ensure_authors(counts: dict[str, int], created: Created) -> dict[str, Author]:
    authors = {a.slug: a for a in Author.objects.filter(slug__in=[i["slug"] for i in AUTHORS])}
    for info in AUTHORS:
        if info["slug"] in authors:
            continue
        photo = _image(f"Portrait: {info['name']}",
                       partial(render_avatar, info["name"], info["colour"]),
                       f"author-{info['slug']}", counts, created)
        author = Author.objects.create(slug=info["slug"], name=info["name"], role=info["role"],
                                       bio=info["bio"], photo=photo)
        authors[info["slug"]] = author
        created.setdefault(Author, []).append(author)
        counts["authors"] += 1
    return authors


def _ensure_agencies(counts: dict[str, int], created: Created) -> dict[str, Agency]:
    agencies = {a.slug: a for a in Agency.objects.filter(slug__in=[i["slug"] for i in AGENCIES])}
    for info in AGENCIES:
        if info["slug"] in agencies:
            continue
        agency = Agency.objects.create(**info)
        agencies[info["slug"]] = agency
        created.setdefault(Agency, []).append(agency)
        counts["agencies"] += 1
    return agencies


# --- Articles -----------------------------------------------------------------------------------


def _create_article(section: SectionPage, section_info: dict[str, Any], spec: dict[str, Any],
                    *, now: datetime,
                    authors: dict[str, Author], agencies: dict[str, Agency], counts: dict[str, int],
                    created: Created) -> ArticlePage:
    published = now - timedelta(hours=spec["hours_ago"])
    updated = None
    if spec.get("updated_hours"):
        updated = min(published + timedelta(hours=spec["updated_hours"]),
                      now - timedelta(minutes=10))
    motif = spec.get("motif") or section_info["motif"]
    colours = section_info["colours"]
    lead = _image(
        f"Illustration: {spec['title']}",
        lambda: render_illustration(motif, section_info["title"], colours, seed=spec["slug"]),
        spec["slug"], counts, created,
    )
    body = []
    for kind, value in spec["body"]:
        if kind == "image":
            figure = _image(
                f"Figure: {spec['title']}",
                partial(render_illustration, value["motif"], section_info["title"], colours,
                        seed=spec["slug"] + "/figure"),
                f"{spec['slug']}-figure", counts, created,
            )
            value = {"image": figure.pk, "caption": value["caption"],
                     "credit": LEAD_IMAGE_CREDIT, "alt_text": value["alt"]}
        body.append(_block(kind, value))
    article = ArticlePage(
        title=spec["title"],
        slug=spec["slug"],
        standfirst=spec["standfirst"],
        dateline=spec["dateline"],
        lead_image=lead,
        lead_image_caption=spec["caption"],
        lead_image_credit=LEAD_IMAGE_CREDIT,
        lead_image_alt=spec["alt"],
        body=body,
        agency=agencies[spec["agency"]] if spec.get("agency") else None,
        breaking=spec.get("breaking", False),
        comments_open=spec.get("comments_open", True),
        language=spec.get("language", "en"),
        updated_at=updated,
    )
    article.article_authors = [
        ArticleAuthor(author=authors[slug], sort_order=position)
        for position, slug in enumerate(spec.get("authors", []))
    ]
    article.tags.add(*spec["tags"])
    section.add_child(instance=article)
    revision = article.save_revision(clean=False)  # add_child has just validated it
    revision.publish()
    # Backdate, as testing.make_article does: publish() stamps the current time.
    last = updated or published
    ArticlePage.objects.filter(pk=article.pk).update(
        first_published_at=published, last_published_at=last, latest_revision_created_at=last
    )
    Revision.objects.filter(pk=revision.pk).update(created_at=last)
    article.first_published_at, article.last_published_at = published, last
    return article


def _block(kind: str, value: Any) -> dict[str, Any]:
    """One body block in StreamField's stored (JSON) form."""
    if kind == "paragraph":
        value = f"<p>{html.escape(value, quote=False)}</p>"
    elif kind == "fact_box":
        value = {"title": value["title"],
                 "facts": [{"type": "item", "value": fact, "id": str(uuid.uuid4())}
                           for fact in value["facts"]]}
    return {"type": kind, "value": value, "id": str(uuid.uuid4())}


# --- Images -------------------------------------------------------------------------------------


def _image(title: str, render: Callable[[], bytes], filename: str, counts: dict[str, int],
           created: Created) -> AbstractImage:
    """The Wagtail image with this title, drawn and stored the first time it is needed."""
    image_model = get_image_model()
    image = image_model.objects.filter(title=title).order_by("pk").first()
    if image is not None:
        return image
    data = render()
    image = image_model(
        title=title,
        file=ImageFile(io.BytesIO(data), name=f"demo-{filename[:80]}.jpg"),
        file_size=len(data),
        file_hash=hashlib.sha1(data).hexdigest(),
    )
    image.save()
    created.setdefault(image_model, []).append(image)
    counts["images"] += 1
    return image


def _indexed_models() -> list[type[Model]]:
    return [HomePage, SectionPage, ArticlePage, Author, Agency, get_image_model()]


@contextmanager
def _search_indexing_deferred(models: Iterable[type[Model]]) -> Iterator[None]:
    """Stop saves from enqueuing one search-index task each; the loader indexes in bulk.

    Saving a page several times while building it would otherwise queue several index tasks
    per page for the worker (or run them inline with the immediate backend).
    """
    try:
        from wagtail.search.signal_handlers import post_save_signal_handler
    except ImportError:  # pragma: no cover - a Wagtail without the handler: nothing to defer
        yield
        return
    disconnected = [model for model in models
                    if post_save.disconnect(post_save_signal_handler, sender=model)]
    try:
        yield
    finally:
        for model in disconnected:
            post_save.connect(post_save_signal_handler, sender=model)


def _index_now(created: Created) -> None:
    """Index new objects in bulk, fetching their related fields (tags) in a few queries."""
    from wagtail.search import index
    from wagtail.search.backends import get_search_backends

    batches = []
    for model, objects in created.items():
        if not objects:
            continue
        queryset = model.get_indexed_objects().filter(pk__in=[obj.pk for obj in objects])
        for field in model.get_search_fields():
            if isinstance(field, index.RelatedFields):
                queryset = field.select_on_queryset(queryset)
        batches.append((model, list(queryset)))
    for backend in get_search_backends(with_auto_update=True):
        for model, objects in batches:
            backend.add_bulk(model, objects)


def _clear_page_cache() -> None:
    from .cache import page_cache_clear

    transaction.on_commit(page_cache_clear)


def _report(stdout: TextIO | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")
        stdout.flush()

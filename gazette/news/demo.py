"""The demo newsroom: sections, staff, agencies and 35 stories about an invented country.

``demo_load()`` is what ``gazette demo`` and ``gazette run`` call. It is idempotent: everything is
keyed by slug (images by title) and only what is missing is created, so running it again adds
nothing. Publication times are relative to the moment of loading, so a fresh demo always has a
breaking story and a busy last two days.

``demo_bulk(count)`` adds ``count`` synthetic archive stories (variations of the demo texts spread
over the past year) for benchmarks. It builds live pages directly, with a single revision each,
instead of going through a draft and a publish per page, and reuses the demo's images.

The illustrations and author portraits are drawn with Pillow at load time, so the repository
carries no image files. The texts live in ``gazette.news.demo_content``.
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import random
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TextIO

from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_save
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model
from wagtail.models import Revision

from .demo_content import AGENCIES, ARTICLES_BY_SECTION, AUTHORS, HOME_INTRO, SECTIONS
from .models import Agency, ArticleAuthor, ArticlePage, Author, HomePage, SectionPage

LEAD_IMAGE_CREDIT = "Illustration: Gazette demo"
IMAGE_SIZE = (1200, 675)
AVATAR_SIZE = (400, 400)
SUPERSAMPLE = 2  # draw at twice the size and scale down: smooth edges without antialiasing
BULK_BATCH = 200
ARCHIVE_SLUG = re.compile(r"-archive-(\d+)$")


# --- Loading ------------------------------------------------------------------------------------


def demo_load(*, stdout: TextIO | None = None) -> int:
    """Create whatever part of the demo newsroom is missing; return the number of new articles."""
    started = time.monotonic()
    now = timezone.now()
    counts = dict.fromkeys(("sections", "authors", "agencies", "images", "articles"), 0)
    created: dict[type[Model], list[Model]] = {}
    with _search_indexing_deferred(_indexed_models()), transaction.atomic():
        home = HomePage.objects.first()
        if home is None:
            raise RuntimeError("No front page: run the migrations before loading the demo.")
        if not home.intro:
            home.intro = HOME_INTRO
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
    _report(stdout, "Demo newsroom: " + ", ".join(f"{n} new {what}" for what, n in counts.items())
            + f" ({time.monotonic() - started:.1f} s).")
    return counts["articles"]


def demo_bulk(count: int, *, stdout: TextIO | None = None, index: bool = True) -> int:
    """Add ``count`` synthetic archive stories for benchmarks; return how many were created.

    Loads the demo first if needed. Every call adds new stories (numbered after the highest
    archive number so far), spread over the past year and sharing the demo's images. Stories are
    live, with one published revision each; ``index=False`` skips the search index.
    """
    if count <= 0:
        return 0
    demo_load(stdout=stdout)
    started = time.monotonic()
    now = timezone.now()
    templates = _bulk_templates()
    number = _last_archive_number() + 1
    rng = random.Random(f"gazette-demo-bulk-{number}")
    made = 0
    with _search_indexing_deferred([ArticlePage]):
        while made < count:
            batch_size = min(BULK_BATCH, count - made)
            with transaction.atomic():
                pages = []
                for _ in range(batch_size):
                    template = templates[number % len(templates)]
                    published = now - timedelta(days=2 + rng.random() * 363)
                    pages.append(_bulk_article(template, number, published))
                    number += 1
                _publish_in_bulk(pages)
                if index:
                    _index_now({ArticlePage: pages})
            made += batch_size
            _report(stdout, f"Demo archive: {made}/{count} stories "
                            f"({time.monotonic() - started:.1f} s).")
    _clear_page_cache()
    return made


# --- Sections, people, agencies -----------------------------------------------------------------


def _ensure_sections(home: HomePage, now: datetime, counts: dict, created: dict
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


def _ensure_authors(counts: dict, created: dict) -> dict[str, Author]:
    authors = {a.slug: a for a in Author.objects.filter(slug__in=[i["slug"] for i in AUTHORS])}
    for info in AUTHORS:
        if info["slug"] in authors:
            continue
        photo = _image(f"Portrait: {info['name']}", lambda info=info: render_avatar(
            info["name"], info["colour"]), f"author-{info['slug']}", counts, created)
        author = Author.objects.create(slug=info["slug"], name=info["name"], role=info["role"],
                                       bio=info["bio"], photo=photo)
        authors[info["slug"]] = author
        created.setdefault(Author, []).append(author)
        counts["authors"] += 1
    return authors


def _ensure_agencies(counts: dict, created: dict) -> dict[str, Agency]:
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


def _create_article(section: SectionPage, section_info: dict, spec: dict, *, now: datetime,
                    authors: dict[str, Author], agencies: dict[str, Agency], counts: dict,
                    created: dict) -> ArticlePage:
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
                lambda value=value: render_illustration(
                    value["motif"], section_info["title"], colours, seed=spec["slug"] + "/figure"
                ),
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


def _block(kind: str, value) -> dict:
    """One body block in StreamField's stored (JSON) form."""
    if kind == "paragraph":
        value = f"<p>{html.escape(value, quote=False)}</p>"
    elif kind == "fact_box":
        value = {"title": value["title"],
                 "facts": [{"type": "item", "value": fact, "id": str(uuid.uuid4())}
                           for fact in value["facts"]]}
    return {"type": kind, "value": value, "id": str(uuid.uuid4())}


# --- The archive for benchmarks -----------------------------------------------------------------


def _bulk_templates() -> list[ArticlePage]:
    slugs = [spec["slug"] for specs in ARTICLES_BY_SECTION.values() for spec in specs]
    sections = {s.pk: s for s in SectionPage.objects.filter(
        slug__in=[info["slug"] for info in SECTIONS], depth=3)}
    templates = []
    for template in (ArticlePage.objects.filter(slug__in=slugs, depth=4)
                     .select_related("agency")
                     .prefetch_related("tagged_items__tag", "article_authors")
                     .order_by("path")):
        parent = next((s for s in sections.values() if template.path.startswith(s.path)), None)
        if parent is None:
            continue
        template._demo_parent = parent
        template._demo_tags = [item.tag for item in template.tagged_items.all()]
        template._demo_author_ids = [link.author_id for link in template.article_authors.all()]
        templates.append(template)
    if not templates:
        raise RuntimeError("The demo articles are missing: cannot build the archive from them.")
    return templates


def _last_archive_number() -> int:
    slugs = ArticlePage.objects.filter(slug__contains="-archive-").values_list("slug", flat=True)
    numbers = [int(m.group(1)) for m in map(ARCHIVE_SLUG.search, slugs) if m]
    return max(numbers, default=0)


def _bulk_article(template: ArticlePage, number: int, published: datetime) -> ArticlePage:
    parent: SectionPage = template._demo_parent
    body = [dict(block, id=str(uuid.uuid4())) for block in template.body.raw_data]
    body.append(_block("paragraph", f"From the Gazette demo archive, story number {number}."))
    title = f"{template.title} (archive {number})"
    article = ArticlePage(
        title=title,
        draft_title=title,
        slug=f"{template.slug[:60]}-archive-{number}",
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
    article.article_authors = [
        ArticleAuthor(author_id=author_id, sort_order=position)
        for position, author_id in enumerate(template._demo_author_ids)
    ]
    article.tags.add(*template._demo_tags)
    # treebeard's public way to append a child: about 2 ms of CPU more a story than computing
    # paths with its private helpers did (4.0 -> 6.2 s for 1,000), in a loader for benchmarks.
    parent.add_child(instance=article)
    return article


def _publish_in_bulk(pages: list[ArticlePage]) -> None:
    """Give each new live page the single revision that Wagtail expects of a published page."""
    base_content_type_id = pages[0].get_base_content_type().pk
    revisions = Revision.objects.bulk_create([
        Revision(
            content_type_id=page.content_type_id,
            base_content_type_id=base_content_type_id,
            object_id=str(page.pk),
            object_str=str(page),
            content=page.serializable_data(),
            created_at=page.first_published_at,
        )
        for page in pages
    ])
    if any(revision.pk is None for revision in revisions):  # a backend without RETURNING
        by_page = dict(
            Revision.objects.filter(
                base_content_type_id=base_content_type_id,
                object_id__in=[str(page.pk) for page in pages],
            ).values_list("object_id", "pk")
        )
        for revision in revisions:
            revision.pk = by_page[revision.object_id]
    for page, revision in zip(pages, revisions, strict=True):
        page.latest_revision_id = page.live_revision_id = revision.pk
    ArticlePage.objects.bulk_update(pages, ["latest_revision", "live_revision"])


# --- Images -------------------------------------------------------------------------------------


def _image(title: str, render, filename: str, counts: dict, created: dict):
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


@lru_cache(maxsize=16)
def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # Pillow without FreeType: small bitmap font
        return ImageFont.load_default()


def _mix(a: tuple, b: tuple, t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _rgba(colour: tuple, alpha: int) -> tuple[int, int, int, int]:
    return (*colour[:3], alpha)


def render_illustration(motif: str, label: str, colours: tuple[tuple, tuple], *,
                        seed: str) -> bytes:
    """A 1200x675 JPEG: a gradient, a motif drawn from ``seed`` and the section name."""
    rng = random.Random(seed)
    w, h = IMAGE_SIZE
    dark, light = colours
    dark = _mix(dark, (0, 0, 0), rng.uniform(0, 0.25))
    light = _mix(light, (255, 255, 255), rng.uniform(0, 0.2))
    # A tilted gradient: rotate a larger square and keep its middle, so no corner is left bare.
    mask = (PILImage.linear_gradient("L").resize((512, 512)).rotate(rng.uniform(-35, 35))
            .crop((128, 128, 384, 384)).resize((w, h)))
    image = PILImage.composite(PILImage.new("RGB", (w, h), dark),
                               PILImage.new("RGB", (w, h), light), mask)
    # The motif is drawn at twice the size and scaled down, for smooth edges. (Drawing onto an
    # RGB image in "RGBA" mode blends the translucent shapes.)
    s = SUPERSAMPLE
    image = image.resize((w * s, h * s), PILImage.Resampling.NEAREST)
    MOTIFS.get(motif, _draw_waves)(ImageDraw.Draw(image, "RGBA"), w * s, h * s, rng, dark, light)
    image = image.reduce(s)
    draw = ImageDraw.Draw(image, "RGBA")
    band = h - 120
    draw.rectangle((0, band, w, h), fill=(0, 0, 0, 110))
    draw.text((48, band + 22), label.upper(), font=_font(44), fill=(255, 255, 255))
    small = _font(20)
    text = "GAZETTE DEMO"
    width = draw.textlength(text, font=small)
    draw.text((w - 48 - width, band + 44), text, font=small, fill=(255, 255, 255, 200))
    return _jpeg(image)


def render_avatar(name: str, colour: tuple[int, int, int]) -> bytes:
    """A 400x400 JPEG portrait placeholder: initials on a coloured circle."""
    s = SUPERSAMPLE
    w, h = AVATAR_SIZE[0] * s, AVATAR_SIZE[1] * s
    image = PILImage.new("RGB", (w, h), _mix(colour, (255, 255, 255), 0.82))
    draw = ImageDraw.Draw(image, "RGBA")
    margin = 24 * s
    draw.ellipse((margin, margin, w - margin, h - margin), fill=colour)
    draw.ellipse((margin, margin, w - margin, h - margin), outline=(255, 255, 255, 90),
                 width=6 * s)
    initials = "".join(part[0] for part in re.split(r"[\s-]+", name) if part)[:2].upper()
    font = _font(150 * s)
    left, top, right, bottom = draw.textbbox((0, 0), initials, font=font)
    draw.text(((w - (right - left)) / 2 - left, (h - (bottom - top)) / 2 - top), initials,
              font=font, fill=(255, 255, 255))
    return _jpeg(image.reduce(s))


def _jpeg(image: PILImage.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _draw_globe(draw, w, h, rng, dark, light) -> None:
    cx, cy, r = w * rng.uniform(0.62, 0.74), h * 0.47, h * rng.uniform(0.3, 0.36)
    line = (255, 255, 255, 150)
    width = max(2, w // 600)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgba(light, 70), outline=line,
                 width=width * 2)
    for k in range(1, 5):
        rx = r * math.cos(k * math.pi / 10)
        draw.ellipse((cx - rx, cy - r, cx + rx, cy + r), outline=(255, 255, 255, 80), width=width)
    for latitude in (-60, -30, 0, 30, 60):
        y = cy + r * math.sin(math.radians(latitude))
        half = r * math.cos(math.radians(latitude))
        draw.line((cx - half, y, cx + half, y), fill=(255, 255, 255, 80), width=width)
    points = []
    start, end = (w * 0.08, h * rng.uniform(0.5, 0.7)), (cx - r * 0.3, cy - r * 0.2)
    control = (w * 0.35, h * 0.1)
    for i in range(41):
        t = i / 40
        points.append(((1 - t) ** 2 * start[0] + 2 * (1 - t) * t * control[0] + t * t * end[0],
                       (1 - t) ** 2 * start[1] + 2 * (1 - t) * t * control[1] + t * t * end[1]))
    for a, b in zip(points[::2], points[1::2], strict=False):
        draw.line((a, b), fill=(255, 240, 200, 220), width=width * 2)
    for _ in range(9):
        angle, dist = rng.uniform(0, 2 * math.pi), r * math.sqrt(rng.random()) * 0.9
        x, y, dot = cx + dist * math.cos(angle), cy + dist * math.sin(angle), w / 300
        draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=(255, 240, 200, 230))


def _draw_columns(draw, w, h, rng, dark, light) -> None:
    sun = h * 0.2
    sx, sy = w * rng.uniform(0.55, 0.8), h * 0.28
    draw.ellipse((sx - sun, sy - sun, sx + sun, sy + sun), fill=(255, 236, 200, 120))
    stone = _rgba(_mix(dark, (0, 0, 0), 0.3), 215)
    left, right, ground = w * 0.3, w * 0.92, h * 0.8
    count = rng.choice((6, 7, 8))
    for step in range(3):
        inset = step * w * 0.012
        y = ground - step * h * 0.025
        draw.rectangle((left + inset, y - h * 0.025, right - inset, y), fill=stone)
    top, base = h * 0.36, ground - 3 * h * 0.025
    span = (right - left - w * 0.08) / count
    for i in range(count):
        x = left + w * 0.04 + i * span + span * 0.2
        draw.rectangle((x, top, x + span * 0.6, base), fill=stone)
        draw.rectangle((x + span * 0.08, top, x + span * 0.14, base), fill=(255, 255, 255, 35))
    draw.rectangle((left + w * 0.02, top - h * 0.06, right - w * 0.02, top), fill=stone)
    draw.polygon([(left, top - h * 0.06), (right, top - h * 0.06),
                  ((left + right) / 2, top - h * 0.2)], fill=stone)
    draw.rectangle((0, ground, w, h), fill=_rgba(dark, 160))


def _draw_chart(draw, w, h, rng, dark, light) -> None:
    left, right, top, bottom = w * 0.08, w * 0.92, h * 0.12, h * 0.78
    for i in range(6):
        y = top + (bottom - top) * i / 5
        draw.line((left, y, right, y), fill=(255, 255, 255, 45), width=max(2, w // 800))
    count = rng.randint(9, 14)
    value, values = rng.uniform(0.3, 0.6), []
    for _ in range(count):
        value = min(0.95, max(0.1, value + rng.uniform(-0.15, 0.18)))
        values.append(value)
    slot = (right - left) / count
    points = []
    for i, v in enumerate(values):
        x = left + i * slot
        y = bottom - (bottom - top) * v
        draw.rectangle((x + slot * 0.18, y, x + slot * 0.82, bottom), fill=_rgba(light, 150))
        points.append((x + slot / 2, y - (bottom - top) * 0.08))
    draw.line(points, fill=(255, 245, 210, 230), width=max(3, w // 300), joint="curve")
    dot = w / 260
    for x, y in points:
        draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=(255, 245, 210, 255))
    draw.line((left, bottom, right, bottom), fill=(255, 255, 255, 160), width=max(2, w // 600))


def _draw_waves(draw, w, h, rng, dark, light) -> None:
    sun = h * rng.uniform(0.12, 0.18)
    sx, sy = w * rng.uniform(0.55, 0.8), h * rng.uniform(0.22, 0.35)
    draw.ellipse((sx - sun, sy - sun, sx + sun, sy + sun), fill=(255, 214, 150, 210))
    layers = 5
    for i in range(layers):
        base = h * (0.5 + i * 0.085)
        amplitude = h * rng.uniform(0.015, 0.045)
        frequency = rng.uniform(1.5, 3.5) * 2 * math.pi / w
        phase = rng.uniform(0, 2 * math.pi)
        step = max(4, w // 200)
        points = [(x, base + amplitude * math.sin(x * frequency + phase))
                  for x in range(0, w + step, step)]
        colour = _mix(light, dark, (i + 1) / (layers + 1))
        draw.polygon([*points, (w, h), (0, h)], fill=_rgba(colour, 190))


def _draw_circuit(draw, w, h, rng, dark, light) -> None:
    grid = w // 16
    width = max(3, w // 400)
    columns, rows = w // grid, h // grid
    for _ in range(22):
        x, y = rng.randrange(1, columns), rng.randrange(1, rows)
        points = [(x * grid, y * grid)]
        for _ in range(rng.randint(2, 6)):
            dx, dy = rng.choice(((1, 0), (1, 0), (0, 1), (0, -1), (1, 1), (1, -1)))
            length = rng.randint(1, 3)
            x, y = min(columns, x + dx * length), min(rows - 1, max(1, y + dy * length))
            points.append((x * grid, y * grid))
        colour = (255, 255, 255, 120) if rng.random() < 0.6 else _rgba(light, 220)
        draw.line(points, fill=colour, width=width, joint="curve")
        for px, py in (points[0], points[-1]):
            dot = grid * 0.16
            draw.ellipse((px - dot, py - dot, px + dot, py + dot), fill=_rgba(light, 240),
                         outline=(255, 255, 255, 200), width=width)
    chip = grid * 2.2
    cx, cy = w * rng.uniform(0.55, 0.75), h * 0.42
    draw.rounded_rectangle((cx - chip, cy - chip * 0.7, cx + chip, cy + chip * 0.7),
                           radius=grid * 0.3, fill=_rgba(dark, 230), outline=_rgba(light, 255),
                           width=width * 2)


def _draw_bubbles(draw, w, h, rng, dark, light) -> None:
    for i in range(4):
        bw, bh = w * rng.uniform(0.22, 0.34), h * rng.uniform(0.18, 0.28)
        x = w * (0.1 + 0.2 * i + rng.uniform(-0.04, 0.04))
        y = h * rng.uniform(0.1, 0.45)
        fill = (255, 255, 255, 150) if i % 2 else _rgba(light, 200)
        draw.rounded_rectangle((x, y, x + bw, y + bh), radius=bh * 0.25, fill=fill)
        tail_x = x + bw * (0.25 if i % 2 else 0.7)
        draw.polygon([(tail_x, y + bh - 2), (tail_x + bw * 0.1, y + bh - 2),
                      (tail_x + (bw * 0.02 if i % 2 else bw * 0.14), y + bh + bh * 0.3)],
                     fill=fill)
        for line in range(3):
            ly = y + bh * (0.25 + line * 0.2)
            length = bw * (0.75 if line < 2 else 0.45)
            draw.rounded_rectangle((x + bw * 0.1, ly, x + bw * 0.1 + length, ly + bh * 0.08),
                                   radius=bh * 0.04, fill=_rgba(dark, 110))


def _draw_skyline(draw, w, h, rng, dark, light) -> None:
    water = h * 0.74
    sun = h * 0.14
    sx = w * rng.uniform(0.15, 0.4)
    draw.ellipse((sx - sun, h * 0.3 - sun, sx + sun, h * 0.3 + sun), fill=(255, 220, 170, 170))
    building = _rgba(_mix(dark, (0, 0, 0), 0.35), 235)
    x = 0.0
    while x < w * 0.78:
        bw, bh = w * rng.uniform(0.035, 0.08), h * rng.uniform(0.12, 0.42)
        draw.rectangle((x, water - bh, x + bw, water), fill=building)
        for wy in range(int(water - bh + h * 0.03), int(water - h * 0.02), int(h * 0.045)):
            for wx in range(int(x + bw * 0.15), int(x + bw * 0.8), int(bw * 0.3) or 1):
                if rng.random() < 0.45:
                    draw.rectangle((wx, wy, wx + bw * 0.12, wy + h * 0.015),
                                   fill=(255, 230, 170, 170))
        x += bw + w * rng.uniform(0.002, 0.012)
    width = max(3, w // 400)
    for crane in range(2):
        cx = w * (0.83 + crane * 0.08)
        top = water - h * rng.uniform(0.38, 0.5)
        draw.line((cx, water, cx, top), fill=building, width=width * 2)
        draw.line((cx - w * 0.05, top + h * 0.02, cx + w * 0.06, top + h * 0.02), fill=building,
                  width=width * 2)
        draw.line((cx + w * 0.04, top + h * 0.02, cx + w * 0.04, top + h * 0.2), fill=building,
                  width=width)
    draw.rectangle((0, water, w, h), fill=_rgba(dark, 200))
    for i in range(8):
        y = water + (h - water) * (i + 0.5) / 8
        draw.line((w * rng.uniform(0, 0.3), y, w * rng.uniform(0.5, 1), y),
                  fill=_rgba(light, 70), width=width)


MOTIFS = {
    "globe": _draw_globe,
    "columns": _draw_columns,
    "chart": _draw_chart,
    "waves": _draw_waves,
    "circuit": _draw_circuit,
    "bubbles": _draw_bubbles,
    "skyline": _draw_skyline,
}


# --- Search index, cache, output ----------------------------------------------------------------


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


def _index_now(created: dict[type[Model], list[Model]]) -> None:
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

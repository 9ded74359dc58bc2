"""Builders for tests (and benchmarks) that need a small newsroom without the full demo."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Collection, Page

from .models import Agency, ArticleAuthor, ArticlePage, Author, HomePage, SectionPage


def home_page() -> HomePage:
    """The front page, rebuilding the page tree if a transactional test flushed it."""
    home: HomePage | None = HomePage.objects.first()
    if home is not None:
        return home
    from wagtail.models import Locale, Site

    locale = Locale.objects.first() or Locale.objects.create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale, live=True)
    )
    home = root.add_child(instance=HomePage(title="The Gazette", slug="home", locale=locale))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home,
                  "site_name": "The Gazette"},
    )
    return home


def make_section(title: str = "World", *, slug: str | None = None) -> SectionPage:
    home = home_page()
    existing: SectionPage | None = SectionPage.objects.filter(slug=slug or title.lower()).first()
    if existing:
        return existing
    section = SectionPage(title=title, slug=slug or title.lower(), intro=f"News: {title}")
    home.add_child(instance=section)
    section.save_revision().publish()
    return section


def make_author(name: str = "Mara Quill", role: str = "Correspondent") -> Author:
    author, _ = Author.objects.get_or_create(name=name, defaults={"role": role})
    return author


def make_agency(name: str = "Coastal Wire News", short_name: str = "CWN") -> Agency:
    agency, _ = Agency.objects.get_or_create(name=name, defaults={"short_name": short_name})
    return agency


def make_article(
    section: SectionPage | Page | None = None,
    *,
    title: str = "Harbour council approves new tidal barrier",
    standfirst: str = "The vote ends two years of argument over how to protect the old quay.",
    body: list[tuple[str, Any]] | None = None,
    tags: list[str] | None = None,
    authors: list[Author] | None = None,
    agency: Agency | None = None,
    breaking: bool = False,
    published_at: datetime | None = None,
    publish: bool = True,
    slug: str | None = None,
) -> ArticlePage:
    section = section or make_section()
    if body is None:
        body = [
            ("paragraph", "<p>The council voted nine to four on Tuesday evening.</p>"),
            ("quotation", {"text": "This barrier will protect homes for fifty years.",
                           "speaker": "Harbour master",
                           "source": "according to a statement released by the council"}),
        ]
    article = ArticlePage(
        title=title, standfirst=standfirst, body=body, agency=agency, breaking=breaking,
        dateline="NORTHPORT", slug=slug or None, live=publish,
    )
    section.add_child(instance=article)
    for position, author in enumerate(authors or []):
        ArticleAuthor.objects.create(page=article, author=author, sort_order=position)
    if tags:
        article.tags.add(*tags)
        article.save()
    if publish:
        article.save_revision().publish()
        if published_at is not None:
            ArticlePage.objects.filter(pk=article.pk).update(
                first_published_at=published_at, last_published_at=published_at
            )
        article.refresh_from_db()
    return article


def hours_ago(hours: float) -> datetime:
    return timezone.now() - timedelta(hours=hours)


def make_image(title: str = "The quay", *, name: str = "quay.png",
               size: tuple[int, int] = (1600, 1000)) -> Image:
    """An image in MEDIA_ROOT (point it at a temporary folder first)."""
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    buffer = BytesIO()
    PILImage.new("RGB", size, "navy").save(buffer, "PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=name))

"""RSS 2.0, Atom and JSON Feed 1.1 for the whole site, each section and each tag.

One ``django.contrib.syndication`` feed selects and describes the stories; the format is only
the feed generator it writes with. JSON Feed is a feed generator like Django's RSS and Atom
ones, so the three formats cannot drift apart. Only live, public stories are ever selected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import (
    Atom1Feed,
    Rss201rev2Feed,
    SyndicationFeed,
    rfc3339_date,
)
from django.utils.html import escape, format_html, format_html_join
from taggit.models import Tag

from . import selectors, seo
from .cache import page_cache_tag
from .models import ArticlePage, SectionPage
from .renditions import bodies_with_renditions
from .routing import public_only
from .times import site_time

FEED_LENGTH = 30
FEED_FORMATS = ("rss", "atom", "json")

DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


# --- What a feed shows ----------------------------------------------------------------------


@dataclass
class FeedScope:
    """The stories of one feed (site, section or tag) and how the feed describes itself."""

    title: str
    description: str
    link: str
    feed_url: str
    articles: QuerySet[ArticlePage]
    cache_tags: tuple[str, ...]
    request: HttpRequest | None = field(default=None, repr=False)
    # How to find the newest of ``articles`` without sorting them all (selectors.Listing).
    listing: selectors.Listing | None = field(default=None, repr=False)


def site_scope(request: HttpRequest) -> FeedScope:
    name = settings.GAZETTE_SITE_NAME
    return FeedScope(
        title=name,
        description=f"The latest stories from {name}.",
        link=seo.get_base_url() + "/",
        feed_url=seo.absolute_url(request.path),
        articles=selectors.live_articles(),
        cache_tags=("feeds",),
        request=request,
        listing=selectors.site_listing(),
    )


def section_scope(request: HttpRequest, slug: str) -> FeedScope:
    section = public_only(SectionPage.objects.live()).filter(slug=slug).order_by("path").first()
    if section is None:
        raise Http404("No such section.")
    return FeedScope(
        title=f"{section.title} · {settings.GAZETTE_SITE_NAME}",
        description=section.intro or f"The latest stories in {section.title}.",
        link=seo.page_url(section, request),
        feed_url=seo.absolute_url(request.path),
        articles=selectors.live_articles().child_of(section),
        cache_tags=(f"section:{section.pk}",),
        request=request,
        listing=selectors.section_listing(section),
    )


def tag_scope(request: HttpRequest, slug: str) -> FeedScope:
    tag = Tag.objects.filter(slug=slug).first()
    listing = selectors.tag_listing(tag.pk) if tag is not None else None
    # A tag only on drafts or private stories is itself not public.
    if tag is None or listing is None or not listing.count:
        raise Http404("No published stories carry this tag.")
    return FeedScope(
        title=f"{tag.name} · {settings.GAZETTE_SITE_NAME}",
        description=f"The latest stories tagged “{tag.name}”.",
        link=seo.absolute_url(reverse("news:tag", args=[tag.slug])),
        feed_url=seo.absolute_url(request.path),
        articles=selectors.articles_tagged(slug),
        cache_tags=("tags",),
        request=request,
        listing=listing,
    )


SCOPES = {"site": site_scope, "section": section_scope, "tag": tag_scope}


@dataclass
class FeedEntry:
    """One story as every feed format shows it."""

    title: str
    url: str
    guid: str
    published: datetime
    updated: datetime
    summary: str
    content_html: str
    credits: list[seo.Credit]
    categories: list[str]
    image: seo.ImageInfo | None
    language: str


def story_guid(article: ArticlePage) -> str:
    """A tag: URI (RFC 4151) that survives a changed slug or section."""
    host = urlsplit(seo.get_base_url()).hostname or "localhost"
    return f"tag:{host},{article.published_at:%Y-%m-%d}:article:{article.pk}"


def feed_entries(scope: FeedScope, limit: int | None = None) -> list[FeedEntry]:
    prefetched = ("tagged_items__tag", "lead_image__renditions", "corrections")
    if scope.listing is not None:
        # The newest ids by a walk that stops at the feed's length, then their rows by id (the
        # listing's keys say which stories: the scope's filters, a tag's IN list of every
        # tagged story, need not run again).
        articles = scope.listing.newest(limit or FEED_LENGTH,
                                        scope.listing.rows.prefetch_related(*prefetched))
    else:
        articles = list(scope.articles.prefetch_related(*prefetched)[: limit or FEED_LENGTH])
    sections = seo.sections_for(articles)
    bodies_with_renditions(articles)
    entries = []
    for article in articles:
        section = sections.get(article.pk)
        entries.append(
            FeedEntry(
                title=article.title,
                url=seo.page_url(article, scope.request),
                guid=story_guid(article),
                published=article.published_at,
                updated=article.modified_at,
                summary=_with_update(article.standfirst, article),
                content_html=_update_html(article) + seo.article_body_html(article)
                + _corrections_html(article),
                credits=seo.article_credits(article),
                categories=([section.title] if section else []) + seo.article_tag_names(article),
                image=seo.share_image(article),
                language=article.language,
            )
        )
    return entries


def _marked_update(article: ArticlePage) -> str:
    if not (article.update_note and article.updated_at):
        return ""
    return f"Updated {site_time(article.updated_at)}: {article.update_note}"


def _with_update(summary: str, article: ArticlePage) -> str:
    # Feed readers that show only the summary still see a story's marked update.
    update = _marked_update(article)
    return f"{summary} ({update})" if summary and update else summary or update


def _update_html(article: ArticlePage) -> str:
    update = _marked_update(article)
    return format_html('<p class="update-note"><strong>{}</strong></p>', update) if update else ""


def _corrections_html(article: ArticlePage) -> str:
    notes = article.correction_notes
    if not notes:
        return ""
    items = format_html_join("", "<li>{}: {}</li>",
                             ((site_time(n.corrected_at), n.text) for n in notes))
    return format_html('<aside aria-label="Corrections"><p>Correction{}</p><ul>{}</ul></aside>',
                       "s" if len(notes) > 1 else "", items)


# --- Feed generators ------------------------------------------------------------------------


class RssFeed(Rss201rev2Feed):
    """RSS 2.0 with every credit (dc:creator), the body (content:encoded) and the lead image
    (media:content)."""

    def add_item(self, title, link, description, **kwargs):
        # RSS readers take a title as HTML: escaped, a headline's "<" or "&" stays text
        # (Atom and JSON Feed titles are plain text already).
        super().add_item(escape(title), link, description, **kwargs)

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:dc": DC_NS,
            "xmlns:content": CONTENT_NS,
            "xmlns:media": MEDIA_NS,
        }

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        for hub in settings.GAZETTE_WEBSUB_HUBS:  # WebSub: where readers may subscribe
            handler.addQuickElement("atom:link", None, {"rel": "hub", "href": hub})

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for credit in item.get("credits", ()):
            handler.addQuickElement("dc:creator", credit.name)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])
        updated, published = item.get("updateddate"), item.get("pubdate")
        if updated and published and updated > published:
            # RSS 2.0 has no date of change: Atom's element, in the namespace RSS declares.
            handler.addQuickElement("atom:updated", rfc3339_date(updated))
        _add_media_content(handler, item.get("image"))


class AtomFeed(Atom1Feed):
    """Atom with one author element per credit, the body as content and the lead image."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        for hub in settings.GAZETTE_WEBSUB_HUBS:  # WebSub: where readers may subscribe
            handler.addQuickElement("link", "", {"rel": "hub", "href": hub})

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for credit in item.get("credits", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", credit.name)
            if credit.url:
                handler.addQuickElement("uri", credit.url)
            handler.endElement("author")
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})
        _add_media_content(handler, item.get("image"))


def _add_media_content(handler, image: seo.ImageInfo | None) -> None:
    if image is None:
        return
    attrs = {"url": image.url, "medium": "image", "type": image.mime_type,
             "width": str(image.width), "height": str(image.height)}
    if image.alt:
        handler.startElement("media:content", attrs)
        handler.addQuickElement("media:description", image.alt, {"type": "plain"})
        handler.endElement("media:content")
    else:
        handler.addQuickElement("media:content", None, attrs)


class JSONFeed(SyndicationFeed):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""

    content_type = "application/feed+json; charset=utf-8"

    def write(self, outfile, encoding):
        outfile.write(json.dumps(self.as_dict(), ensure_ascii=False, indent=1))

    def as_dict(self) -> dict[str, Any]:
        feed = self.feed
        data = {
            "version": JSON_FEED_VERSION,
            "title": feed["title"],
            "home_page_url": feed["link"],
            "feed_url": feed["feed_url"],
            "description": feed["description"],
            "icon": feed.get("icon"),
            "favicon": feed.get("favicon"),
            "language": feed["language"],
            "authors": [{"name": feed["author_name"], "url": feed["author_link"]}]
            if feed["author_name"] else None,
            "items": [self.item_dict(item) for item in self.items],
            "hubs": [{"type": "WebSub", "url": hub} for hub in settings.GAZETTE_WEBSUB_HUBS],
        }
        return _without_empty(data, keep=("items",))

    @staticmethod
    def item_dict(item) -> dict[str, Any]:
        image = item.get("image")
        data = {
            "id": item["unique_id"] or item["link"],
            "url": item["link"],
            "title": item["title"],
            "content_html": item.get("content_html"),
            "summary": item.get("summary"),
            "image": image.url if image else None,
            "date_published": rfc3339_date(item["pubdate"]) if item["pubdate"] else None,
            "date_modified": rfc3339_date(item["updateddate"]) if item["updateddate"] else None,
            "authors": [_without_empty({"name": c.name, "url": c.url})
                        for c in item.get("credits", ())],
            "tags": list(item["categories"]),
            "language": item.get("language"),
        }
        if not data["content_html"]:
            # Every item needs content_html or content_text.
            data["content_text"] = item.get("summary") or item["title"]
        return _without_empty(data)


def _without_empty(data: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in keep or v not in (None, "", [], ())}


# --- The feed -------------------------------------------------------------------------------


class StoryFeed(Feed):
    """The latest live, public stories of a scope, written by ``feed_type``."""

    def __init__(self, feed_type: type[SyndicationFeed]):
        self.feed_type = feed_type

    def get_object(self, request, scope: str = "site", slug: str | None = None) -> FeedScope:
        if scope not in SCOPES:
            raise Http404("No such feed.")
        feed_scope = SCOPES[scope](request, slug) if slug is not None else SCOPES[scope](request)
        page_cache_tag(request, *feed_scope.cache_tags)
        return feed_scope

    def title(self, obj: FeedScope) -> str:
        return obj.title

    def description(self, obj: FeedScope) -> str:
        return obj.description

    def subtitle(self, obj: FeedScope) -> str:
        return obj.description

    def link(self, obj: FeedScope) -> str:
        return obj.link

    def feed_url(self, obj: FeedScope) -> str:
        return obj.feed_url

    def feed_guid(self, obj: FeedScope) -> str:
        return obj.feed_url

    def author_name(self) -> str:
        return settings.GAZETTE_SITE_NAME

    def author_link(self) -> str:
        return seo.get_base_url() + "/"

    def feed_extra_kwargs(self, obj: FeedScope) -> dict[str, Any]:
        return {
            "icon": seo.static_url(seo.ICON_STATIC_PATH),
            "favicon": seo.static_url(seo.ICON_STATIC_PATH),
        }

    @property
    def language(self) -> str:
        return settings.LANGUAGE_CODE

    def items(self, obj: FeedScope) -> list[FeedEntry]:
        return feed_entries(obj)

    def item_title(self, item: FeedEntry) -> str:
        return item.title

    def item_link(self, item: FeedEntry) -> str:
        return item.url

    def item_description(self, item: FeedEntry) -> str:
        # RSS description and Atom summary are HTML: the plain standfirst, escaped.
        return escape(item.summary)

    def item_guid(self, item: FeedEntry) -> str:
        return item.guid

    def item_guid_is_permalink(self, item: FeedEntry) -> bool:
        return False

    def item_pubdate(self, item: FeedEntry) -> datetime:
        return item.published

    def item_updateddate(self, item: FeedEntry) -> datetime:
        return item.updated

    def item_author_name(self, item: FeedEntry) -> None:
        # Each credit is written by the generators (Django's handle only one author).
        return None

    def item_categories(self, item: FeedEntry) -> list[str]:
        return item.categories

    def item_extra_kwargs(self, item: FeedEntry) -> dict[str, Any]:
        return {
            "credits": item.credits,
            "content_html": item.content_html,
            "summary": item.summary,
            "image": item.image,
            "language": item.language,
        }


FEEDS = {"rss": StoryFeed(RssFeed), "atom": StoryFeed(AtomFeed), "json": StoryFeed(JSONFeed)}


def story_feed(request: HttpRequest, fmt: str, scope: str = "site", slug: str | None = None
               ) -> HttpResponse:
    """The view behind every feed URL: ``fmt`` is rss, atom or json."""
    feed = FEEDS.get(fmt)
    if feed is None:
        raise Http404("No such feed format.")
    return feed(request, scope=scope, slug=slug)

"""The feed of one live page's entries, in the three formats of the site's feeds (the same
generators, from ``gazette.news.feeds``): each entry an item, newest first, its link the
entry's anchor on the page."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import SyndicationFeed

from gazette.news import seo
from gazette.news.cache import page_cache_tag
from gazette.news.feeds import AtomFeed, JSONFeed, RssFeed

from . import selectors
from .models import LiveEntry, LivePage
from .seo import entry_html, entry_url

FEED_LENGTH = 50


def entry_guid(entry: LiveEntry) -> str:
    """A tag: URI (RFC 4151) that survives a changed slug or section."""
    host = urlsplit(seo.get_base_url()).hostname or "localhost"
    return f"tag:{host},{entry.created_at:%Y-%m-%d}:live-entry:{entry.pk}"


class LiveEntriesFeed(Feed[LivePage, tuple[LivePage, LiveEntry]]):
    def __init__(self, feed_type: type[SyndicationFeed], fmt: str):
        self.feed_type = feed_type
        self.fmt = fmt

    def get_object(self, request: HttpRequest, page_id: int, fmt: str) -> LivePage:
        page = selectors.published_live_page(page_id)
        page_cache_tag(request, f"page:{page.pk}")
        return page

    def title(self, obj: LivePage) -> str:
        return f"{obj.title}: live updates"

    def description(self, obj: LivePage) -> str:
        return seo.article_description(obj)

    def subtitle(self, obj: LivePage) -> str:
        return seo.article_description(obj)

    def link(self, obj: LivePage) -> str:
        return seo.page_url(obj)

    def feed_url(self, obj: LivePage) -> str:
        return seo.absolute_url(reverse("live:feed", args=[obj.pk, self.fmt]))

    def feed_guid(self, obj: LivePage) -> str:
        return self.feed_url(obj)

    def author_name(self, obj: LivePage) -> str:
        return settings.GAZETTE_SITE_NAME

    def author_link(self) -> str:
        return seo.get_base_url() + "/"

    def feed_extra_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"icon": seo.static_url(seo.ICON_STATIC_PATH),
                "favicon": seo.static_url(seo.ICON_STATIC_PATH)}

    def items(self, obj: LivePage) -> list[tuple[LivePage, LiveEntry]]:
        return [(obj, entry) for entry in selectors.newest_entries(obj, FEED_LENGTH)]

    def item_title(self, item: tuple[LivePage, LiveEntry]) -> str:
        return item[1].headline

    def item_link(self, item: tuple[LivePage, LiveEntry]) -> str:
        return entry_url(*item)

    def item_description(self, item: tuple[LivePage, LiveEntry]) -> str:
        return entry_html(item[1])

    def item_guid(self, item: tuple[LivePage, LiveEntry]) -> str:
        return entry_guid(item[1])

    def item_guid_is_permalink(self, item: tuple[LivePage, LiveEntry]) -> bool:
        return False

    def item_pubdate(self, item: tuple[LivePage, LiveEntry]) -> datetime:
        return item[1].created_at

    def item_updateddate(self, item: tuple[LivePage, LiveEntry]) -> datetime:
        return item[1].created_at

    def item_extra_kwargs(self, item: tuple[LivePage, LiveEntry]) -> dict[str, Any]:
        page, entry = item
        return {"content_html": seo.portable_html(entry_html(entry)),
                "credits": seo.article_credits(page), "language": page.language}


FEEDS = {"rss": LiveEntriesFeed(RssFeed, "rss"), "atom": LiveEntriesFeed(AtomFeed, "atom"),
         "json": LiveEntriesFeed(JSONFeed, "json")}


def live_feed(request: HttpRequest, page_id: int, fmt: str) -> HttpResponse:
    feed = FEEDS.get(fmt)
    if feed is None:
        raise Http404("No such feed format.")
    return feed(request, page_id=page_id, fmt=fmt)

"""RSS and Atom feeds of approved comments, for the whole site and for each story.

Approved comments only, on live public stories; a comment's name, text and time, never its
email, IP address or user agent. Cached like pages: the site's under ``comments-feed``, a
story's under the story's own ``page:<id>`` (the feed shows the story's title as well as its
comments, so whatever refreshes the story's page refreshes its feed, and a published comment
costs one version write fewer). The services invalidate both when a comment is published or
leaves the approved list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from wagtail.models import Page

from gazette.news import seo
from gazette.news.cache import page_cache_tag
from gazette.news.models import ArticlePage
from gazette.news.routing import public_only

from .models import Comment, Status
from .selectors import PUBLIC_FIELDS

FEED_LENGTH = 30
SITE_TAG = "comments-feed"


@dataclass
class FeedScope:
    title: str
    description: str
    link: str
    feed_url: str
    comments: QuerySet[Comment]


@dataclass
class FeedItem:
    comment: Comment
    article_title: str


def _absolute(path: str) -> str:
    return seo.get_base_url() + path


class CommentFeed(Feed):  # type: ignore[type-arg]
    def __init__(self, feed_type: type[SyndicationFeed], kind: str):
        self.feed_type = feed_type
        self.kind = kind

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedScope:
        article_id: int | None = kwargs.get("article_id")
        approved = Comment.objects.filter(status=Status.APPROVED)
        if article_id is None:
            page_cache_tag(request, SITE_TAG)
            live = public_only(ArticlePage.objects.live()).values("pk")
            return FeedScope(
                title=f"Comments on {settings.GAZETTE_SITE_NAME}",
                description=f"The latest readers' comments on {settings.GAZETTE_SITE_NAME}.",
                link=_absolute("/"),
                feed_url=_absolute(reverse("comments:feed", args=[self.kind])),
                comments=approved.filter(article_id__in=live),
            )
        article = public_only(ArticlePage.objects.live()).filter(pk=article_id).first()
        if article is None:
            raise Http404("No such story.")
        page_cache_tag(request, f"page:{article.pk}")
        return FeedScope(
            title=f"Comments on “{article.title}”",
            description=f"Readers' comments on “{article.title}”.",
            link=seo.absolute_url(article.get_url(request) or "/"),
            feed_url=_absolute(reverse("comments:article_feed", args=[article.pk, self.kind])),
            comments=approved.filter(article_id=article.pk),
        )

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

    def items(self, obj: FeedScope) -> list[FeedItem]:
        comments = list(obj.comments.order_by("-created_at", "-id")
                        .only(*PUBLIC_FIELDS)[:FEED_LENGTH])
        titles = dict(Page.objects.filter(pk__in={c.article_id for c in comments})
                      .values_list("pk", "title"))
        return [FeedItem(c, titles.get(c.article_id, "")) for c in comments]

    def item_title(self, item: FeedItem) -> str:
        return f"{item.comment.author_name} on “{item.article_title}”"

    def item_description(self, item: FeedItem) -> str:
        return item.comment.html

    def item_link(self, item: FeedItem) -> str:
        return _absolute(reverse("comments:permalink", args=[item.comment.pk]))

    def item_guid(self, item: FeedItem) -> str:
        return self.item_link(item)

    def item_author_name(self, item: FeedItem) -> str:
        return item.comment.author_name

    def item_pubdate(self, item: FeedItem) -> datetime:
        return item.comment.created_at

    def item_updateddate(self, item: FeedItem) -> datetime:
        return item.comment.created_at


FEEDS = {"rss": Rss201rev2Feed, "atom": Atom1Feed}


def _feed(kind: str) -> CommentFeed:
    if kind not in FEEDS:
        raise Http404("No such feed.")
    return CommentFeed(FEEDS[kind], kind)


def site_feed(request: HttpRequest, kind: str) -> HttpResponse:
    return _feed(kind)(request)


def article_feed(request: HttpRequest, article_id: int, kind: str) -> HttpResponse:
    return _feed(kind)(request, article_id=article_id)

"""Hooks that put the discussion on reader pages (the article slot, story-card counts).

The discussion is part of the article page, which the page cache keeps for every anonymous
reader: nothing here reads who the reader is (no user, no cookie). What differs between
readers (their remembered name, a fresh single-use token) the script adds in the browser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.urls import NoReverseMatch
from django.utils.html import format_html
from django.utils.safestring import SafeString
from wagtail import hooks
from wagtail.models import Site

from gazette.news.kept import path_to

from . import fragments, selectors, tokens
from .fragments import rendered_discussion
from .models import Comment, Status
from .rules import rules_for

if TYPE_CHECKING:
    from gazette.news.models import ArticlePage

PAGE_PARAMETER = "comments"
REPLY_PARAMETER = "replytocom"
COUNTS_ATTRIBUTE = "_comment_counts"


def _reply_target(request: HttpRequest | None, article: ArticlePage) -> Comment | None:
    """``?replytocom=<id>``: the form set to answer that comment, for readers without script."""
    value = request.GET.get(REPLY_PARAMETER, "") if request is not None else ""
    if not value.isdigit() or len(value) > 18:
        return None
    return (Comment.objects.filter(pk=int(value), article_id=article.pk, status=Status.APPROVED)
            .only("id", "author_name", "depth").first())


def discussion_html(request: HttpRequest | None, article: ArticlePage) -> str:
    # The site the routing middleware already found: no query for it.
    site = Site.find_for_request(request) if request is not None else None
    rules = rules_for(article, site)
    number = request.GET.get(PAGE_PARAMETER, 1) if request is not None else 1
    closed = rules.is_closed(article)
    page = rendered_discussion(article, rules, number, closed=closed,
                               page_parameter=PAGE_PARAMETER)
    reply_to = None if closed else _reply_target(request, article)
    if reply_to is not None and reply_to.depth >= rules.max_depth:
        reply_to = None
    context = form_context(request, article, kept={"parent": str(reply_to.pk) if reply_to else ""})
    context.update({"rules": rules, "discussion": page, "closed": closed, "reply_to": reply_to,
                    "page_parameter": PAGE_PARAMETER})
    # comments/discussion.html's markup, without the template engine (fragments.py).
    return fragments.discussion_html(context)


def privacy_url() -> str:
    try:
        return path_to("comments:privacy")
    except NoReverseMatch:  # the privacy notice's URL is not mounted in this configuration
        return "/comments/privacy/"


def form_context(request: HttpRequest | None, article: ArticlePage, *,
                 kept: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
                 message: str = "") -> dict[str, Any]:
    """What the form needs: the same for every reader, but what one reader sent back to them."""
    return {
        "article": article,
        "article_url": article.get_url(request),
        "token": tokens.shared_page_token(article.pk),
        "kept": kept or {},
        "errors": errors or {},
        "message": message,
        "privacy_url": privacy_url(),
    }


@hooks.register("gazette_article_discussion")
def article_discussion(request: HttpRequest | None, page: ArticlePage) -> str:
    return discussion_html(request, page)


def _counts(request: HttpRequest | None) -> dict[int, int]:
    """Every story's count, read once a request (a page shows many cards)."""
    if request is None:
        return selectors.approved_counts()
    counts: dict[int, int] | None = getattr(request, COUNTS_ATTRIBUTE, None)
    if counts is None:
        counts = selectors.approved_counts()
        setattr(request, COUNTS_ATTRIBUTE, counts)
    return counts


@hooks.register("gazette_card_meta")
def card_comment_count(request: HttpRequest | None, article: ArticlePage) -> SafeString | str:
    count = _counts(request).get(article.pk, 0)
    if not count:
        return ""
    label = "1 comment" if count == 1 else f"{count:,} comments"
    return format_html('<span class="card__comments">{}</span>', label)

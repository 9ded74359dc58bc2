"""The discussion's comments as HTML, without a template render per comment.

An article page with 200 comments spent most of its time in Django's template engine: one
``{% include %}`` per comment with two ``date`` filters each (bench/README.md, "Comments").
Here each comment is a few string joins of values escaped as the template escapes them,
byte for byte the markup of ``comments/comment.html`` (which still renders the one comment a
script's post answers with; a test holds the two equal). What one page of a story's
discussion shows is then kept in the shared cache, keyed by the version of the story's
``page:<id>`` tag, which every change that readers would see bumps (a comment approved,
unapproved, edited, erased, deleted, surge mode switching, the story republished), so every
process serves the new discussion at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from gazette.news.cache import tags_version
from gazette.news.richtext import web_url

from . import selectors
from .avatars import identicon

if TYPE_CHECKING:
    from gazette.news.models import ArticlePage

    from .rules import DiscussionRules

# Long enough to outlive a busy hour; a change to the story bumps its version before that.
CACHE_SECONDS = 3600
# A page number beyond this is not kept (each would be an entry of its own).
KEPT_PAGES = 50


@lru_cache(maxsize=8192)
def _avatar(email_key: str) -> str:
    return str(identicon(email_key))


def _dates(value: datetime) -> tuple[str, str]:
    """What ``{{ value|date:"c" }}`` and ``{{ value|date:"j F Y, H:i" }}`` render (in the
    current time zone, the month's name in the current language), without their parser."""
    if settings.USE_TZ and timezone.is_aware(value):
        value = timezone.localtime(value)
    shown = (f"{value.day} {MONTHS[value.month]} {value.year:04d}, "
             f"{value.hour:02d}:{value.minute:02d}")
    return value.isoformat(), str(escape(shown))


def comment_html(node: selectors.CommentNode, *, closed: bool, max_depth: int, number: int,
                 page_parameter: str) -> str:
    """One comment and its replies, as ``comments/comment.html`` renders them."""
    comment = node.comment
    pk = comment.pk
    name = escape(comment.author_name)
    site = web_url(comment.author_url)
    author = (f'<a href="{escape(site)}" rel="nofollow ugc noopener external">{name}</a>'
              if site else name)
    staff = ('<span class="badge badge--staff" title="From the newsroom">Staff</span>'
             if comment.is_staff else "")
    if not closed and node.level < max_depth:
        page = f"{page_parameter}={number}&amp;" if number > 1 else ""
        actions = (f'<p class="comment__actions"><a class="comment__reply" rel="nofollow" '
                   f'href="?{page}replytocom={pk}#respond" data-parent="{pk}" '
                   f'data-author="{name}" aria-label="Reply to {name}">Reply</a></p>')
    else:
        actions = ""
    machine, shown = _dates(comment.created_at)
    replies = ""
    if node.replies:
        inner = "".join(comment_html(reply, closed=closed, max_depth=max_depth, number=number,
                                     page_parameter=page_parameter) for reply in node.replies)
        replies = f'<ol class="comment-children">{inner}</ol>'
    return (
        f'<li class="comment{" comment--staff" if comment.is_staff else ""}" id="comment-{pk}" '
        f'data-level="{node.level}">\n'
        f'  <article class="comment__body" aria-labelledby="comment-{pk}-author">\n'
        f'    <header class="comment__meta">\n'
        f'      {_avatar(comment.email_key)}\n'
        f'      <span class="comment__author" id="comment-{pk}-author">{author}</span>\n'
        f'      {staff}\n'
        f'      <a class="comment__permalink" href="#comment-{pk}"><time datetime="{machine}">'
        f'{shown}</time></a>\n'
        f'    </header>\n'
        f'    <div class="comment__text">{comment.html}</div>\n'
        f'    {actions}\n'
        f'  </article>\n'
        f'  {replies}\n'
        f'</li>\n'
    )


@dataclass(frozen=True)
class RenderedDiscussion(selectors.PageNumbers):
    """One page of a story's discussion, its comments rendered (``items``: the ``<li>`` of
    each top-level comment, its replies within)."""

    items: SafeString
    number: int
    num_pages: int
    count: int
    surge: bool = False


def _key(article: ArticlePage, rules: DiscussionRules, number: int, closed: bool,
         page_parameter: str) -> str:
    digest = hashlib.blake2b(repr((rules, closed, page_parameter)).encode(),
                             digest_size=8).hexdigest()
    return (f"comments:discussion:{article.pk}:{number}:{digest}:"
            f"{tags_version(f'page:{article.pk}')}")


def rendered_discussion(article: ArticlePage, rules: DiscussionRules, page_number: object,
                        *, closed: bool, page_parameter: str) -> RenderedDiscussion:
    """The page ``page_number`` of the story's discussion, from the shared cache or rendered
    (and kept) here."""
    asked = selectors.page_number(page_number)
    key = _key(article, rules, asked, closed, page_parameter) if asked <= KEPT_PAGES else None
    if key is not None:
        found = cache.get(key)
        if isinstance(found, RenderedDiscussion):
            return found
    page = selectors.discussion_page(article, rules, asked)
    items = "".join(comment_html(node, closed=closed, max_depth=rules.max_depth,
                                 number=page.number, page_parameter=page_parameter)
                    for node in page.nodes)
    rendered = RenderedDiscussion(items=mark_safe(items), number=page.number,
                                  num_pages=page.num_pages, count=page.count, surge=page.surge)
    if key is not None:
        cache.set(key, rendered, timeout=CACHE_SECONDS)
    return rendered

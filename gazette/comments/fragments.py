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
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from gazette.news.cache import tags_version
from gazette.news.kept import path_with, static_url
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


# --- The discussion around the comments, and its form ---------------------------------------
# What comments/discussion.html and comments/form.html render, without the template engine:
# they were a tenth of an uncached story's render. The templates stay the reference (and the
# form page's form, with a reader's errors, is still rendered by form.html);
# test_uncached_render holds the markup equal for every branch.

_FORM_STAND_INS = {
    "article_url": "\ue000url\ue001",
    "token": "\ue000token\ue001",
    "parent": "\ue000parent\ue001",
    "privacy_url": "\ue000privacy\ue001",
}
_FORM_PK = 987654321987
_form_skeleton: dict[str, str] = {}


def _skeleton() -> str:
    """form.html rendered once with stand-ins for what differs between stories (no reply
    target, no errors, no message: every reader's first view)."""
    found = _form_skeleton.get("form")
    if found is None:
        from types import SimpleNamespace

        from django.template.loader import render_to_string

        found = render_to_string("comments/form.html", {
            "article": SimpleNamespace(pk=_FORM_PK),
            "article_url": _FORM_STAND_INS["article_url"],
            "token": _FORM_STAND_INS["token"],
            "kept": {"parent": _FORM_STAND_INS["parent"]},
            "errors": {},
            "message": "",
            "reply_to": None,
            "privacy_url": _FORM_STAND_INS["privacy_url"],
        })
        if not settings.DEBUG:  # templates edited while the server runs show at once
            _form_skeleton["form"] = found
    return found


@receiver(setting_changed)
def _forget_skeleton(**kwargs: Any) -> None:
    _form_skeleton.clear()


def form_html(context: dict[str, Any]) -> str:
    """comments/form.html with ``context`` (reader_hooks.form_context's keys, and
    ``reply_to``)."""
    kept = context.get("kept") or {}
    if (context.get("reply_to") is not None or context.get("errors") or context.get("message")
            or set(kept) - {"parent"}):
        from django.template.loader import render_to_string

        return render_to_string("comments/form.html", context)
    # The story's id first: a value put in below cannot then be mistaken for the stand-in id.
    html = _skeleton().replace(str(_FORM_PK), str(context["article"].pk))
    for name, value in (("article_url", context["article_url"]), ("token", context["token"]),
                        ("parent", kept.get("parent", "")),
                        ("privacy_url", context["privacy_url"])):
        html = html.replace(_FORM_STAND_INS[name], str(conditional_escape(value)))
    return html


def discussion_html(context: dict[str, Any]) -> str:
    """comments/discussion.html with ``context`` (what reader_hooks.discussion_html gives it)."""
    article = context["article"]
    page: RenderedDiscussion = context["discussion"]
    rules = context["rules"]
    order = str(conditional_escape(rules.order))
    article_url = str(conditional_escape(context["article_url"]))
    parameter = str(conditional_escape(context["page_parameter"]))
    count = localize(page.count)
    heading = (f"{count} comment{'s' if page.count != 1 else ''}" if page.count
               else "No comments yet")
    surge = ('<p class="discussion__notice discussion__notice--surge" role="status">Many '
             'readers are commenting on this story right now: comments from first-time '
             'commenters appear once a moderator has read them.</p>' if page.surge else "")
    pages = ""
    if page.num_pages > 1:
        previous = following = ""
        if page.has_previous:
            query = (f"?{parameter}={localize(page.previous_number)}"
                     if page.previous_number > 1 else "")
            label = "Newer comments" if rules.order == "newest" else "Earlier comments"
            previous = f'<a rel="prev" href="{article_url}{query}#comments">{label}</a>'
        if page.has_next:
            label = "Earlier comments" if rules.order == "newest" else "Later comments"
            following = (f'<a rel="next" href="{article_url}?{parameter}='
                         f'{localize(page.next_number)}#comments">{label}</a>')
        pages = (f'<nav class="comment-pages" aria-label="Pages of comments">\n'
                 f'    {previous}\n'
                 f'    <span class="comment-pages__current">Page {localize(page.number)} of '
                 f'{localize(page.num_pages)}</span>\n'
                 f'    {following}\n'
                 f'  </nav>')
    respond = ('<p class="discussion__closed" id="respond">Comments are closed.</p>'
               if context["closed"] else form_html(context))
    pk = article.pk
    return (
        f'<link rel="stylesheet" href="{escape(static_url("comments/comments.css"))}">\n'
        f'<div class="discussion" id="comments" data-token-url="'
        f'{escape(path_with("comments:token", pk))}">\n'
        f'  <h2 class="discussion__heading" id="comments-heading" data-count="{count}">'
        f'{heading}</h2>\n'
        f'  {surge}\n'
        f'  <ol class="comment-list" data-order="{order}">{page.items}</ol>\n'
        f'  {pages}\n'
        f'  {respond}\n'
        f'  <p class="discussion__feeds">Follow this discussion: <a rel="alternate" '
        f'type="application/rss+xml" href="{escape(path_with("comments:article_feed", pk, "rss"))}'
        f'">RSS</a> · <a rel="alternate" type="application/atom+xml" href="'
        f'{escape(path_with("comments:article_feed", pk, "atom"))}">Atom</a></p>\n'
        f'</div>\n'
        f'<script src="{escape(static_url("comments/comments.js"))}" defer></script>\n'
    )

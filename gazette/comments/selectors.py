"""The questions readers' pages ask of the discussion."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.safestring import SafeString

from .avatars import identicon
from .models import Comment, Discussion, Order, Status

if TYPE_CHECKING:
    from gazette.news.models import ArticlePage

    from .rules import DiscussionRules

# What a public page reads of a comment: never the email, IP address or user agent.
PUBLIC_FIELDS = ("id", "article_id", "parent_id", "thread_id", "depth", "author_name",
                 "author_url", "html", "is_staff", "email_key", "created_at")


@dataclass
class CommentNode:
    comment: Comment
    level: int
    replies: list[CommentNode] = field(default_factory=list)
    # The node whose replies hold this one (None for a top-level comment).
    host: CommentNode | None = field(default=None, repr=False)

    @property
    def avatar(self) -> SafeString:
        return identicon(self.comment.email_key)



class PageNumbers:
    """Where a page of the discussion stands among its pages (for the pagination links)."""

    number: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1


@dataclass
class DiscussionPage(PageNumbers):
    """One page of a story's discussion: top-level comments and their threads."""

    nodes: list[CommentNode]
    number: int
    num_pages: int
    count: int
    # Surge mode: first-time commenters are held while the story takes a rush of comments.
    surge: bool = False


def approved(article_id: int) -> QuerySet[Comment]:
    return Comment.objects.filter(article_id=article_id, status=Status.APPROVED)


def _top_level_order(order: str) -> tuple[str, str]:
    return ("-created_at", "-id") if order == Order.NEWEST else ("created_at", "id")


def page_number(value: object) -> int:
    """A page number as asked for (``?comments=``): 1 for anything but a positive number."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 1
    return max(1, number)


def discussion_page(article: ArticlePage, rules: DiscussionRules,
                    number: object = 1) -> DiscussionPage:
    """Top-level approved comments, ``rules.page_size`` a page in ``rules.order``, each with
    its approved replies (oldest first) nested to ``rules.max_depth``: deeper replies (the
    depth was lowered since) are shown at the deepest level. A bad page number is page 1, one
    past the end the last page."""
    count, surge, exact = _state(article.pk)
    if exact and not count:  # never a comment stored through the pipeline: nothing to page
        return DiscussionPage(nodes=[], number=1, num_pages=1, count=0, surge=surge)
    top_level = (approved(article.pk).filter(parent__isnull=True)
                 .order_by(*_top_level_order(rules.order)).only(*PUBLIC_FIELDS))
    paginator = Paginator(top_level, rules.page_size)
    page = paginator.get_page(page_number(number))
    tops = list(page.object_list)
    nodes = {c.pk: CommentNode(c, 1) for c in tops}
    if tops:
        replies = (approved(article.pk).filter(thread_id__in=list(nodes), parent__isnull=False)
                   .order_by("created_at", "id").only(*PUBLIC_FIELDS))
        for reply in replies:
            parent = nodes.get(reply.parent_id or 0)
            if parent is None:  # its parent is not approved: neither is the thread below it
                continue
            host = parent if parent.level < rules.max_depth else (parent.host or parent)
            node = CommentNode(reply, min(parent.level + 1, rules.max_depth), host=host)
            nodes[reply.pk] = node
            host.replies.append(node)
    return DiscussionPage(nodes=[nodes[c.pk] for c in tops], number=page.number,
                          num_pages=paginator.num_pages, count=count, surge=surge)


def _state(article_id: int) -> tuple[int, bool, bool]:
    """(approved count, in surge mode, counted just now) from the story's Discussion, counted
    if it has none."""
    stored = Discussion.objects.filter(article_id=article_id).values_list(
        "approved_count", "surge_since").first()
    if stored is not None:
        return stored[0], stored[1] is not None, False
    return approved(article_id).count(), False, True


def approved_count(article_id: int) -> int:
    """How many approved comments a story has (the count kept on its Discussion)."""
    return _state(article_id)[0]


def approved_counts() -> dict[int, int]:
    """Every story's approved count above zero, in one query (for the cards of a page)."""
    return dict(Discussion.objects.filter(approved_count__gt=0)
                .values_list("article_id", "approved_count"))


def page_of(comment: Comment, rules: DiscussionRules) -> int:
    """The page of the discussion that shows ``comment`` (its thread's top-level comment)."""
    thread_id = comment.thread_id or comment.pk
    top = Comment.objects.filter(pk=thread_id).values_list("created_at", "id").first()
    if top is None:
        return 1
    created_at, top_id = top
    before = approved(comment.article_id).filter(parent__isnull=True)
    if rules.order == Order.NEWEST:
        before = before.filter(created_at__gt=created_at) | before.filter(
            created_at=created_at, id__gt=top_id)
    else:
        before = before.filter(created_at__lt=created_at) | before.filter(
            created_at=created_at, id__lt=top_id)
    return before.count() // rules.page_size + 1

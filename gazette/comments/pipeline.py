"""The moderation pipeline, in its fixed, documented order (docs/comments.md).

1. closed -> refused (403)            6. links -> held
2. flood -> refused (429)             7. moderation words -> held
3. duplicate -> refused (409)         8. pre-moderation -> held
4. disallowed words -> trash          9. otherwise published (surge mode may still hold a
5. spam defence -> held/spam             first-time commenter, step "surge")

Each step is a small function of the :class:`Context`: it appends its decision and reason to
the trail and returns None (next step), a :class:`Refused` (nothing stored) or a
:class:`Decision` (the status to store). A reply to a missing, unapproved or too deep comment
is refused (400) right after step 1. Staff comments skip the checks of their content
(flood, disallowed, spam defence, links, moderation words, pre-moderation, surge): they are
the newsroom's, published under a staff badge.

Flood and duplicate are decided inside the transaction that writes, where the database
serialises writers (SQLite's write lock; a PostgreSQL advisory lock per IP address and email),
so two posts at once from one address can never both pass. They are decided there only: a
refused post costs a spam check (whose writes are then dropped), an accepted one (most of
them) two queries fewer. Their place in the trail is still steps 2 and 3.

Every post runs these steps, so their statements are plain SQL (``hot.py``): what the checks
read before the write is one statement, flood and duplicate one, the counts after it one.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from . import effects, hot, surge
from . import spam as spam_step
from . import text as comment_text
from .models import Comment, Order, Status
from .rules import DiscussionRules, rules_for
from .services import (
    Accepted,
    CommentInput,
    FormEvidence,
    Refused,
    checked_ip,
    clean_line,
    comment_build,
    email_key,
)
from .staff import is_newsroom

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from gazette.news.models import ArticlePage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    status: str
    step: str


@dataclass
class Context:
    article: ArticlePage
    entry: CommentInput
    evidence: FormEvidence
    user: User | AnonymousUser | None
    now: datetime
    rules: DiscussionRules
    text: str
    email_key: str
    ip_address: str | None
    is_staff: bool
    parent: Comment | None = None
    # The story's address for the spam engine (None: asked of the page).
    permalink: str | None = None
    # Surge mode as the pipeline began (None: not read yet).
    surging: bool | None = None
    # While surging: the comments stored on the story in the minute before ``now``.
    rate_before: int | None = None
    spam: spam_step.SpamDecision | None = None
    trail: list[dict[str, object]] = field(default_factory=list)
    _first_time: bool | None = None

    def note(self, step: str, outcome: str, reason: str, **more: object) -> None:
        self.trail.append({"step": step, "outcome": str(outcome), "reason": reason,
                           "at": self.now.isoformat(), **more})

    def _read_state(self) -> None:
        # Both in one statement: a step that needs one (the spam defence) comes before the
        # one that needs the other (surge), and nearly every post runs both.
        returning, surging, rate = hot.commenter_state(
            self.email_key, self.article.pk, self.now - surge.WINDOW, self.now)
        if self._first_time is None:
            self._first_time = not returning
        if self.surging is None:
            self.surging, self.rate_before = surging, rate

    def in_surge(self) -> bool:
        if self.surging is None:
            self._read_state()
        return bool(self.surging)

    def first_time(self) -> bool:
        """No earlier approved comment with this address."""
        if self._first_time is None:
            self._read_state()
        return bool(self._first_time)


Refusing = Callable[[Context], "Refused | None"]
Deciding = Callable[[Context], "Decision | None"]


def flood_seconds() -> int:
    return int(getattr(settings, "GAZETTE_COMMENTS_FLOOD_SECONDS", 15))


# --- 1. closed, and the parent --------------------------------------------------------------

def check_closed(ctx: Context) -> Refused | None:
    if ctx.rules.is_closed(ctx.article, ctx.now):
        return Refused(403, "Comments are closed on this story.", "closed")
    return None


def check_parent(ctx: Context) -> Refused | None:
    if ctx.entry.parent_id is None:
        return None
    parent = Comment.objects.filter(pk=ctx.entry.parent_id, article_id=ctx.article.pk,
                                    status=Status.APPROVED).first()
    if parent is None:
        return Refused(400, "The comment you replied to is not on this story.", "parent",
                       "parent")
    if parent.depth >= ctx.rules.max_depth:
        return Refused(400, "Replies can't go deeper here; reply to an earlier comment.",
                       "parent", "parent")
    ctx.parent = parent
    return None


# --- 2. flood, 3. duplicate (decided in the write: see the module's docstring) -----------

def flood_or_duplicate(ctx: Context) -> Refused | None:
    """Steps 2 and 3 in one statement: flood first, as their order says."""
    seconds = flood_seconds()
    window = (None if ctx.is_staff or seconds <= 0 else
              (ctx.ip_address, ctx.email_key, ctx.now - timedelta(seconds=seconds),
               ctx.now + timedelta(seconds=seconds)))
    found = hot.flood_or_duplicate(
        flood=window, article_id=ctx.article.pk,
        parent_id=ctx.parent.pk if ctx.parent else None, author_name=ctx.entry.author.strip(),
        email_key=ctx.email_key, text=ctx.text)
    if found == "flood":
        return Refused(429, f"You are posting too quickly. Wait {seconds} seconds and send "
                       "your comment again.", "flood")
    if found == "duplicate":
        return Refused(409, "You have already said that.", "duplicate", "comment")
    return None


# --- 4. disallowed words --------------------------------------------------------------------

@lru_cache(maxsize=256)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """Whole words, case-insensitive; an entry that starts or ends with punctuation
    (``192.168.``, ``@spam.example``) matches as a prefix or suffix there."""
    parts = []
    for word in words:
        part = re.escape(word)
        if re.match(r"\w", word):
            part = r"(?<!\w)" + part
        if re.search(r"\w$", word):
            part += r"(?!\w)"
        parts.append(part)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def find_word(words: tuple[str, ...], fields: Iterable[tuple[str, str]]) -> str | None:
    """``'<word>' in <field>`` for the first listed word found in any field, else None."""
    pattern = _word_pattern(words)
    if pattern is None:
        return None
    for name, value in fields:
        found = pattern.search(value or "")
        if found:
            return f"{found.group(0)!r} in the {name}"
    return None


def _fields(ctx: Context) -> list[tuple[str, str]]:
    return [("text", ctx.text), ("name", ctx.entry.author), ("email", ctx.entry.email),
            ("website", ctx.entry.url), ("IP address", ctx.ip_address or ""),
            ("user agent", ctx.evidence.user_agent)]


def check_disallowed(ctx: Context) -> Decision | None:
    if ctx.is_staff:
        return None
    found = find_word(ctx.rules.disallowed_words, _fields(ctx))
    if found:
        ctx.note("disallowed", Status.TRASH, f"disallowed: {found}")
        return Decision(Status.TRASH, "disallowed")
    return None


# --- 5. spam defence ------------------------------------------------------------------------

def check_spam(ctx: Context) -> Decision | None:
    if ctx.is_staff:
        ctx.note("spam_defence", "skipped", "staff comment")
        return None
    decision = spam_step.spam_defence(
        article=ctx.article, entry=ctx.entry, text=ctx.text, evidence=ctx.evidence,
        user=ctx.user, now=ctx.now, first_time=ctx.first_time(), permalink=ctx.permalink)
    ctx.spam = decision
    detail = {"score": decision.score, "reasons": list(decision.reasons),
              "engine": decision.engine_kind}
    if decision.kind == "ham":
        ctx.note("spam_defence", "pass", "the spam filter found nothing", **detail)
        return None
    reason = "; ".join(decision.reasons[:3]) or f"the spam filter said {decision.kind}"
    if decision.kind == "hold":
        ctx.note("spam_defence", Status.PENDING, reason, **detail)
        return Decision(Status.PENDING, "spam_defence")
    ctx.note("spam_defence", decision.kind, reason, **detail)  # "spam" or "discard"
    return Decision(Status.SPAM, "spam_defence")


# --- 6. links, 7. moderation words ----------------------------------------------------------

def check_links(ctx: Context) -> Decision | None:
    # The website field is not counted: most commenters who give one are people.
    links = comment_text.count_links(ctx.text)
    if ctx.is_staff or not ctx.rules.link_limit or links < ctx.rules.link_limit:
        return None
    ctx.note("links", Status.PENDING,
             f"{links} links (held at {ctx.rules.link_limit} or more)")
    return Decision(Status.PENDING, "links")


def check_moderation_words(ctx: Context) -> Decision | None:
    if ctx.is_staff:
        return None
    found = find_word(ctx.rules.moderation_words, _fields(ctx))
    if found:
        ctx.note("moderation_words", Status.PENDING, f"moderation word: {found}")
        return Decision(Status.PENDING, "moderation_words")
    return None


# --- 8. pre-moderation, surge ---------------------------------------------------------------

def check_premoderation(ctx: Context) -> Decision | None:
    mode = ctx.rules.moderation_mode
    if ctx.is_staff or mode == "none":
        return None
    if mode == "all":
        ctx.note("premoderation", Status.PENDING, "every comment is held for a moderator")
        return Decision(Status.PENDING, "premoderation")
    if ctx.first_time():
        ctx.note("premoderation", Status.PENDING, "first comment from this address")
        return Decision(Status.PENDING, "premoderation")
    return None


def check_surge(ctx: Context) -> Decision | None:
    if ctx.is_staff or not ctx.rules.surge_threshold:
        return None
    if surge.surge_current(ctx.article.pk, ctx.rules.surge_threshold, ctx.now,
                           surging=ctx.in_surge(), rate=ctx.rate_before) and ctx.first_time():
        ctx.note("surge", Status.PENDING,
                 "surge mode: first-time commenters are held while the story is busy")
        return Decision(Status.PENDING, "surge")
    return None


REFUSING: tuple[tuple[str, Refusing, str], ...] = (
    ("closed", check_closed, "comments are open"),
    ("parent", check_parent, "the comment replied to is approved, on this story"),
)
# Steps 2 and 3, decided in the writing transaction (see the module's docstring) by
# flood_or_duplicate, noted in the trail here.
IN_THE_WRITE: tuple[tuple[str, str], ...] = (
    ("flood", "no other comment from this address just now"),
    ("duplicate", "not said before"),
)
DECIDING: tuple[Deciding, ...] = (check_disallowed, check_spam, check_links,
                              check_moderation_words, check_premoderation, check_surge)


# --- the write ------------------------------------------------------------------------------

def _lock_key(kind: str, value: str) -> int:
    digest = hashlib.blake2b(f"gazette-comments:{kind}:{value}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _serialise_writers(ctx: Context) -> None:
    """On PostgreSQL, one transaction at a time per IP address and per email (sorted, so
    two writers never wait on each other crosswise). SQLite's IMMEDIATE transactions already
    take the database's write lock when they begin."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({_lock_key(kind, value) for kind, value in
                   (("ip", ctx.ip_address or ""), ("email", ctx.email_key)) if value})
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _record_spam_check(ctx: Context) -> None:
    """The check's writes, in the comment's transaction, under a savepoint of their own: a
    failure rolls back to it and leaves the comment's writes alone (the record's own block
    takes no savepoint, and on PostgreSQL a failed statement would abort the whole
    transaction)."""
    if ctx.spam is None or ctx.spam.record is None:
        return
    try:
        with transaction.atomic():
            ctx.spam.record()
    except DatabaseError:  # the filter's memory of it is lost; the comment is not
        logger.exception("comments: could not record the spam check")


def _store(ctx: Context, decision: Decision) -> Accepted | Refused:
    threshold = ctx.rules.surge_threshold
    # The comment and its INSERT are built before the transaction begins: on SQLite the
    # transaction holds the database's one write lock, which every other post waits for.
    spam = ctx.spam
    comment = comment_build(
        article=ctx.article, entry=ctx.entry, evidence=ctx.evidence, status=decision.status,
        trail=ctx.trail, parent=ctx.parent, user=ctx.user, now=ctx.now,
        held_by=decision.step, spam_score=spam.score if spam else None,
        spam_guid=spam.guid if spam else "", spam_stats=spam.stats if spam else None,
        text=ctx.text,
    )
    insert = hot.insert_statement(comment)
    with transaction.atomic():
        _serialise_writers(ctx)
        refused = flood_or_duplicate(ctx)
        if refused is not None:
            return refused
        hot.insert(comment, insert)
        _record_spam_check(ctx)
        published = decision.status == Status.APPROVED
        count, rate = hot.counts_after_write(
            ctx.article.pk, approved=published,
            since=ctx.now - surge.WINDOW if threshold > 0 else None, until=ctx.now)
        effects.discussion_posted(ctx.article.pk, approved_count=count, last_comment_at=ctx.now)
        page: int | None = None
        if count is not None:
            page = _page_without_counting(ctx, comment, count)
            effects.comment_published_on_commit(comment)
        elif decision.status == Status.PENDING:
            effects.comment_held_on_commit(comment)
        surge.surge_observe(ctx.article.pk, threshold, ctx.now, surging=ctx.surging, rate=rate)
    return Accepted(comment, page=page)


def _page_without_counting(ctx: Context, comment: Comment, approved_count: int) -> int | None:
    """The page of the discussion that shows a new approved comment when it is known without a
    query: the first when the story has no more approved comments than a page holds, or when
    the newest top-level comments come first. None: ask ``selectors.page_of``."""
    if approved_count <= ctx.rules.page_size:
        return 1
    if comment.parent_id is None and ctx.rules.order == Order.NEWEST:
        return 1
    return None


def run_pipeline(
    *,
    article: ArticlePage,
    entry: CommentInput,
    evidence: FormEvidence,
    user: User | AnonymousUser | None,
    now: datetime,
    rules: DiscussionRules | None = None,
    permalink: str | None = None,
) -> Accepted | Refused:
    # Control characters (NUL among them, which PostgreSQL refuses in any text) leave every
    # one-line field before the first query sees it, as they would when stored.
    entry = replace(entry, author=clean_line(entry.author, 245),
                    email=clean_line(entry.email, 100), url=clean_line(entry.url, 200))
    evidence = replace(evidence, user_agent=clean_line(evidence.user_agent, 512),
                       referrer=clean_line(evidence.referrer, 2000),
                       honeypot=evidence.honeypot.replace("\x00", "\ufffd"))
    ctx = Context(
        article=article, entry=entry, evidence=evidence, user=user, now=now,
        rules=rules or rules_for(article), text=comment_text.normalise(entry.text),
        email_key=email_key(entry.email), ip_address=checked_ip(evidence.ip_address),
        is_staff=is_newsroom(user), permalink=permalink,
    )
    for name, refusing, passed in REFUSING:
        refused = refusing(ctx)
        if refused is not None:
            return refused
        if name != "parent" or ctx.parent is not None:
            ctx.note(name, "pass", passed)
    for name, passed in IN_THE_WRITE:
        ctx.note(name, "pass", "staff comment" if ctx.is_staff and name == "flood" else passed)
    for deciding in DECIDING:
        decided = deciding(ctx)
        if decided is not None:
            return _store(ctx, decided)
    reason = "staff comment" if ctx.is_staff else "passed every check"
    ctx.note("published", Status.APPROVED, reason)
    return _store(ctx, Decision(Status.APPROVED, "published"))

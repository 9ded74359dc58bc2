"""The spam defence step: what the spam engine is told about a comment, and what it learns.

The engine runs in this process (``gazette.antispam.services``, no HTTP hop). It sees the
comment's fields named as Akismet names them, plus the form's evidence; what the engine has
no signal for (a replayed token, a missing timestamp, a commenter without the page's script)
is weighed here, as a floor under the engine's verdict (docs/comments.md, "The moderation
pipeline").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings

from gazette.antispam.engine import HistoryStats, Submission
from gazette.antispam.models import Source
from gazette.antispam.services import spam_check, spam_learn

from .staff import is_newsroom

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from gazette.news.models import ArticlePage

    from .models import Comment
    from .services import CommentInput, FormEvidence

# Verdicts from mildest to harshest: a floor raises a verdict, never lowers it.
SEVERITY = ("ham", "hold", "spam", "discard")
# Faster than a person reads a story and types a comment (the engine's own "too fast").
TOO_FAST_SECONDS = 3.0


@dataclass(frozen=True)
class SpamDecision:
    """The step's verdict (``kind``), the engine's own (``engine_kind``), and what a later
    moderator decision hands back to the engine (``guid``, ``stats``). ``record``: the check's
    writes (recent activity, counts), made only if the comment is stored."""

    kind: str
    engine_kind: str
    score: float
    reasons: tuple[str, ...]
    guid: str
    stats: dict[str, int]
    record: Callable[[], None] | None = None


def _permalink(article: ArticlePage) -> str:
    try:
        return str(article.full_url or "")
    except Exception:  # a page outside any site has no address; the engine copes
        return ""


def _role(user: User | AnonymousUser | None) -> str:
    return "administrator" if is_newsroom(user) else ""


def submission_for_entry(
    *,
    article: ArticlePage,
    entry: CommentInput,
    text: str,
    evidence: FormEvidence,
    user: User | AnonymousUser | None,
    now: datetime,
    permalink: str | None = None,
) -> Submission:
    """The engine's view of a new comment. ``permalink``: the story's full address, if the
    caller has it (default: asked of the page)."""
    return Submission(
        content=text, author=entry.author, author_email=entry.email.strip(),
        author_url=entry.url, user_ip=evidence.ip_address or "",
        user_agent=evidence.user_agent, referrer=evidence.referrer,
        permalink=_permalink(article) if permalink is None else permalink,
        comment_type="reply" if entry.parent_id is not None else "comment",
        blog=str(getattr(settings, "GAZETTE_BASE_URL", "")), blog_lang=article.language,
        blog_charset="UTF-8", user_role=_role(user), honeypot_value=evidence.honeypot,
        comment_date=now, rendered_at=evidence.rendered_at,
        submitted_at=evidence.submitted_at if evidence.submitted_at is not None
        else now.timestamp(),
        article_lang=article.language, article_text=article.standfirst or "",
    )


def submission_for_comment(comment: Comment) -> Submission:
    """The engine's view of a stored comment, for learning a moderator's decision: the same
    fields it was checked with (its IP and user agent, while retention keeps them)."""
    article = comment.article
    return Submission(
        content=comment.text, author=comment.author_name, author_email=comment.author_email,
        author_url=comment.author_url, user_ip=comment.ip_address or "",
        user_agent=comment.user_agent, permalink=_permalink(article),
        comment_type="reply" if comment.parent_id else "comment",
        blog=str(getattr(settings, "GAZETTE_BASE_URL", "")), blog_lang=article.language,
        blog_charset="UTF-8", user_role="administrator" if comment.is_staff else "",
        comment_date=comment.created_at, seconds_to_submit=comment.seconds_to_submit,
        article_lang=article.language, article_text=article.standfirst or "",
    )


def _floor(kind: str, at_least: str) -> str:
    return max(kind, at_least, key=SEVERITY.index)


def evidence_floor(evidence: FormEvidence, *, first_time: bool) -> tuple[str, list[str]]:
    """The mildest verdict the form's evidence allows, and why.

    Honeypot filled: discard. Each of a replayed single-use token, no valid signed
    timestamp, and a post faster than a person types is one sign of a bot: one holds, two
    send to spam. A first-time commenter whose browser did not run the page's script is held
    (readers without JavaScript are welcome, but a bot never runs it either); a returning
    commenter without the script is not."""
    if evidence.honeypot.strip():
        return "discard", ["hidden honeypot field was filled in"]
    signs: list[str] = []
    if evidence.token_replayed:
        signs.append("the form's single-use token was sent before")
    if not evidence.token_valid or evidence.rendered_at is None:
        signs.append("no valid signed form timestamp")
    elif evidence.submitted_at is not None:
        elapsed = evidence.submitted_at - evidence.rendered_at
        if elapsed < TOO_FAST_SECONDS:
            signs.append(f"posted {max(elapsed, 0.0):.1f} s after the form was served")
    if len(signs) >= 2:
        return "spam", signs
    if signs:
        return "hold", signs
    if first_time and not evidence.script_ran:
        return "hold", ["first comment from this address, sent without the page's script"]
    return "ham", []


def spam_defence(
    *,
    article: ArticlePage,
    entry: CommentInput,
    text: str,
    evidence: FormEvidence,
    user: User | AnonymousUser | None,
    now: datetime,
    first_time: bool,
    permalink: str | None = None,
) -> SpamDecision:
    """Ask the engine, then raise its verdict to the floor the form's evidence sets."""
    submission = submission_for_entry(article=article, entry=entry, text=text,
                                      evidence=evidence, user=user, now=now,
                                      permalink=permalink)
    outcome = spam_check(submission=submission, defer=True)
    verdict = outcome.verdict
    floor, why = evidence_floor(evidence, first_time=first_time)
    kind = _floor(verdict.kind, floor)
    reasons = tuple(dict.fromkeys([*why, *verdict.reasons]))
    return SpamDecision(kind=kind, engine_kind=verdict.kind, score=round(verdict.score, 4),
                        reasons=reasons, guid=outcome.guid, stats=outcome.stats.to_dict(),
                        record=outcome.record)


def learn(comment: Comment, label: str) -> None:
    """Teach the engine a moderator's decision, tied to the check by its guid and stats."""
    stats = HistoryStats.from_dict(comment.spam_stats) if comment.spam_stats else None
    spam_learn(submission=submission_for_comment(comment), label=label,
               source=Source.MODERATION, stats=stats, guid=comment.spam_guid)

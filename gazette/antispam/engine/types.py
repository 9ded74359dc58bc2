"""Value types shared by the engine, its history adapters and its callers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Literal

Label = Literal["spam", "ham"]
Kind = Literal["ham", "hold", "spam", "discard"]


@dataclass(frozen=True)
class Submission:
    """One comment or form post, with fields named after Akismet's ``comment-check``.

    Everything but ``content`` is optional. Times are POSIX seconds; give either
    ``seconds_to_submit`` or both ``rendered_at`` and ``submitted_at``.
    """

    content: str = ""
    author: str = ""
    author_email: str = ""
    author_url: str = ""
    user_ip: str = ""
    user_agent: str = ""
    referrer: str = ""
    permalink: str = ""
    comment_type: str = "comment"
    blog: str = ""
    blog_lang: str = ""
    blog_charset: str = ""
    user_role: str = ""
    honeypot_value: str = ""
    comment_date: datetime | None = None
    post_modified: datetime | None = None
    rendered_at: float | None = None
    submitted_at: float | None = None
    seconds_to_submit: float | None = None
    context: Sequence[str] = ()
    article_lang: str = ""
    article_text: str = ""
    recheck_reason: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def elapsed(self) -> float | None:
        """Seconds from form render to submit, if known."""
        if self.seconds_to_submit is not None:
            return float(self.seconds_to_submit)
        if self.rendered_at is not None and self.submitted_at is not None:
            return float(self.submitted_at) - float(self.rendered_at)
        return None

    def timestamp(self) -> float | None:
        """When it was posted (``submitted_at`` or ``comment_date``), POSIX seconds."""
        if self.submitted_at is not None:
            return float(self.submitted_at)
        if self.comment_date is not None:
            return self.comment_date.timestamp()
        return None


@dataclass(frozen=True)
class Verdict:
    """Outcome of :meth:`Engine.check`.

    ``kind``: ``ham`` publish, ``hold`` for a moderator, ``spam`` to the spam folder,
    ``discard`` blatant spam that is safe to drop unseen. ``score`` is a probability-like
    spam score in [0, 1]. ``reasons`` are short sentences for moderators, strongest first.
    ``signals`` maps feature names to their contribution in log-odds, for debugging.
    """

    kind: Kind
    score: float
    reasons: tuple[str, ...] = ()
    signals: Mapping[str, float] = field(default_factory=dict)

    @property
    def is_spam(self) -> bool:
        return self.kind in ("spam", "discard")


@dataclass(frozen=True)
class SubmissionKeys:
    """Privacy-safe lookup keys of a submission, for recording recent activity.

    All personal data is reduced to salted hashes. ``bands`` are MinHash LSH band keys:
    two texts that are near duplicates share at least one band with high probability, so a
    database can find candidates with an indexed equality lookup and confirm with
    ``signature``.
    """

    article: str
    ip_prefix_hash: str | None
    email_hash: str | None
    text_hash: str | None
    signature: tuple[int, ...]
    bands: tuple[str, ...]
    timestamp: float | None


@dataclass(frozen=True)
class HistoryStats:
    """Counts of recent activity related to a submission, supplied by the caller.

    Keep the stats that were used at check time with the labelled example, and pass them
    again to ``learn`` so that replaying the log reproduces the same model.
    """

    same_ip_prefix: int = 0
    same_email: int = 0
    exact_duplicates_other_articles: int = 0
    near_duplicates_other_articles: int = 0
    near_duplicates_same_article: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, int]) -> HistoryStats:
        names = cls.__dataclass_fields__
        return cls(**{k: int(v) for k, v in data.items() if k in names})


# A labelled example for batch training: the submission, its label, the history counts it
# had when checked and, optionally, whether it was labelled elsewhere (``foreign``: a seed
# corpus, not this site's moderators).
Example = (
    tuple[Submission, Label, HistoryStats | None]
    | tuple[Submission, Label, HistoryStats | None, bool]
)

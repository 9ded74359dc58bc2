"""What the spam defence keeps: API keys, labelled examples, engine snapshots, recent activity
and counts.

The labelled examples are the source of truth: every process's in-memory engine is the last
snapshot of its pool plus the examples after it, replayed in id order (see ``state.py``).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any, cast, get_args
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel

from .engine import HistoryStats, Submission
from .engine import Kind as EngineKind
from .engine import Label as EngineLabel

KEY_RE = re.compile(r"^[0-9a-f]{12}$")


def generate_key() -> str:
    """A new API key: 12 lowercase hexadecimal characters, like Akismet's."""
    return secrets.token_hex(6)


def site_host(url: str) -> str:
    """The host a site URL names, lower-cased and without ``www.``, or "" if there is none.

    Keys are matched to sites by host so that ``http://``/``https://``, a port or a trailing
    path in a plugin's ``blog`` value do not make a registered site look unknown.
    """
    url = (url or "").strip()
    if not url:
        return ""
    if "://" not in url:
        url = "//" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    host = host.strip(".").lower()
    if host.startswith("www."):
        host = host[4:]
    return host[:255]


# The values are the engine's (``engine.Label``, ``engine.Kind``); only their names in the
# admin are said here. A value the engine adds or drops without a change here fails at import
# (``_same_values`` below).
class Label(models.TextChoices):
    SPAM = "spam", "Spam"
    HAM = "ham", "Not spam"


class Source(models.TextChoices):
    MODERATION = "moderation", "Moderation"
    API = "api", "Akismet API"
    # This site's own earlier decisions, imported (e.g. from WordPress): they calibrate.
    IMPORTED = "imported", "Imported decisions"
    # Labelled elsewhere: they train the model but never set its thresholds.
    CORPUS = "corpus", "Corpus"


# A verdict's kind, as recorded with a check and a labelled example.
class Kind(models.TextChoices):
    HAM = "ham", "Ham"
    HOLD = "hold", "Held"
    SPAM = "spam", "Spam"
    DISCARD = "discard", "Discarded"


def _same_values(choices: type[models.TextChoices], engine_type: object) -> None:
    values, engine_values = list(choices.values), list(get_args(engine_type))
    if values != engine_values:
        raise ImproperlyConfigured(
            f"{choices.__name__} {values} differs from the engine's {engine_values}"
        )


_same_values(Label, EngineLabel)
_same_values(Kind, EngineKind)


class ApiKey(ClusterableModel):
    """A key for the Akismet-compatible API. With sites listed, only those sites may use it."""

    # ClusterableModel is untyped, so the plugin does not see a model here: the fields say
    # their types themselves.
    key: models.CharField[str, str] = models.CharField(
        max_length=12,
        unique=True,
        default=generate_key,
        editable=False,
        validators=[RegexValidator(KEY_RE, "12 lowercase hexadecimal characters")],
    )
    name: models.CharField[str, str] = models.CharField(
        max_length=200, blank=True, help_text="Who or what uses this key.")
    is_active: models.BooleanField[bool, bool] = models.BooleanField(
        default=True, help_text="Inactive keys answer 'invalid'.")
    monthly_limit: models.PositiveIntegerField[int | None, int | None] = (
        models.PositiveIntegerField(
        null=True, blank=True, help_text="Comment checks a month reported by usage-limit; empty "
        "means no limit. Requests over the limit are still answered."
    ))
    created: models.DateTimeField[datetime, datetime] = models.DateTimeField(
        default=timezone.now, editable=False)

    panels = [
        FieldPanel("name"),
        FieldPanel("is_active"),
        FieldPanel("monthly_limit"),
        InlinePanel("sites", heading="Sites", label="Site"),
    ]

    class Meta:
        verbose_name = "API key"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.key} ({self.name})" if self.name else self.key


class ApiKeySite(models.Model):
    api_key = ParentalKey(ApiKey, on_delete=models.CASCADE, related_name="sites")
    url = models.CharField(max_length=500, help_text="The site's address, as its plugin sends "
                           "it in 'blog' (e.g. https://example.org).")
    host = models.CharField(max_length=255, editable=False, db_index=True)
    is_revoked = models.BooleanField(default=False)

    panels = [FieldPanel("url"), FieldPanel("is_revoked")]

    class Meta:
        verbose_name = "site"

    def __str__(self) -> str:
        return self.url

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.host = site_host(self.url)
        super().save(*args, **kwargs)


class UsageCount(models.Model):
    """Monthly API counts per key and site, for usage-limit and key-sites."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage")
    site = models.CharField(max_length=255)
    month = models.DateField(help_text="First day of the month.")
    calls = models.PositiveBigIntegerField(default=0)
    spam = models.PositiveBigIntegerField(default=0)
    ham = models.PositiveBigIntegerField(default=0)
    missed_spam = models.PositiveBigIntegerField(default=0)
    false_positives = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "month", "site"], name="antispam_usage_once")
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.month:%Y-%m}: {self.calls}"


class DailyCount(models.Model):
    """What the filter did each day, per pool, for the dashboard."""

    day = models.DateField()
    pool = models.CharField(max_length=100)
    checks = models.PositiveBigIntegerField(default=0)
    ham = models.PositiveBigIntegerField(default=0)
    held = models.PositiveBigIntegerField(default=0)
    spam = models.PositiveBigIntegerField(default=0)
    discarded = models.PositiveBigIntegerField(default=0)
    missed_spam = models.PositiveBigIntegerField(default=0)
    false_positives = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "pool"], name="antispam_daily_once")]

    def __str__(self) -> str:
        return f"{self.pool} {self.day}: {self.checks} checks"


class EnginePool(models.Model):
    """One row per learning pool: the lock that orders its examples, and its newest one.

    Learning takes this row's lock before inserting, so within a pool examples commit in id
    order and a reader that has seen example N has seen every example before it.
    """

    name = models.CharField(max_length=100, unique=True)
    generation = models.PositiveIntegerField(default=0)
    latest_example_id = models.BigIntegerField(null=True, blank=True)
    examples_since_snapshot = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class LabelledExample(models.Model):
    """A decision the filter learned from, append-only, with what is needed to replay it.

    The raw fields are kept because a rebuild must recompute features (moderators see them
    anyway); they are never exposed outside the admin. The e-mail and IP address are kept
    raw for GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS only (see ``retention.py``).
    """

    pool = models.CharField(max_length=100)
    label = models.CharField(max_length=4, choices=Label.choices)
    source = models.CharField(max_length=12, choices=Source.choices)
    api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="examples"
    )
    site = models.CharField(max_length=255, blank=True)
    content = models.TextField(blank=True)
    author = models.CharField(max_length=255, blank=True)
    author_email = models.CharField(max_length=254, blank=True)
    author_url = models.CharField(max_length=500, blank=True)
    user_ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    permalink = models.CharField(max_length=500, blank=True)
    comment_type = models.CharField(max_length=50, blank=True)
    lang = models.CharField(max_length=35, blank=True)
    honeypot_value = models.CharField(max_length=255, blank=True)
    seconds_to_submit = models.FloatField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True, help_text="History counts at check time.")
    checked_as = models.CharField(
        max_length=8, choices=Kind.choices, blank=True, help_text="The verdict at check time."
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    personal_data_removed = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When the raw e-mail and IP address gave way to what the filter needs "
        "(retention.py).")

    class Meta:
        verbose_name = "labelled example"
        ordering = ["-id"]
        indexes = [models.Index(fields=["pool", "id"], name="antispam_example_replay")]

    def __str__(self) -> str:
        return f"{self.label}: {self.content[:60]}"

    def to_submission(self) -> Submission:
        return Submission(
            content=self.content,
            author=self.author,
            author_email=self.author_email,
            author_url=self.author_url,
            user_ip=self.user_ip,
            user_agent=self.user_agent,
            permalink=self.permalink,
            comment_type=self.comment_type or "comment",
            blog_lang=self.lang,
            honeypot_value=self.honeypot_value,
            seconds_to_submit=self.seconds_to_submit,
            submitted_at=self.posted_at.timestamp() if self.posted_at else None,
        )

    @property
    def engine_label(self) -> EngineLabel:
        """The label as the engine types it: the field's choices are the engine's labels."""
        return cast(EngineLabel, self.label)

    @property
    def is_foreign(self) -> bool:
        """Labelled elsewhere, not by the moderators of the sites this pool serves."""
        return self.source == Source.CORPUS

    def history_stats(self) -> HistoryStats:
        return HistoryStats.from_dict(self.stats or {})

    @staticmethod
    def fields_from(sub: Submission, max_content: int) -> dict[str, object]:
        """Model fields for a submission, cut to the columns' sizes."""
        posted: datetime | None = None
        stamp = sub.timestamp()
        if stamp is not None:
            try:
                posted = datetime.fromtimestamp(stamp, tz=UTC)
            except (OverflowError, OSError, ValueError):
                posted = None
        return {
            "content": sub.content[:max_content],
            "author": sub.author[:255],
            "author_email": sub.author_email[:254],
            "author_url": sub.author_url[:500],
            "user_ip": sub.user_ip[:45],
            "user_agent": sub.user_agent[:500],
            "permalink": sub.permalink[:500],
            "comment_type": sub.comment_type[:50],
            "lang": (sub.article_lang or sub.blog_lang)[:35],
            "honeypot_value": sub.honeypot_value[:255],
            "seconds_to_submit": sub.elapsed(),
            "posted_at": posted,
        }


class EngineSnapshot(models.Model):
    """A serialised engine: the state after every example of its pool up to last_example_id."""

    pool = models.CharField(max_length=100)
    generation = models.PositiveIntegerField(default=0)
    version = models.PositiveBigIntegerField(default=0)
    examples_seen = models.PositiveBigIntegerField(default=0)
    last_example_id = models.BigIntegerField(null=True, blank=True)
    blob = models.BinaryField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["pool", "generation", "last_example_id"],
                                name="antispam_snapshot_latest")]

    def __str__(self) -> str:
        return f"{self.pool} g{self.generation} @{self.last_example_id}"


class RecentSubmission(models.Model):
    """Recent activity for the behaviour signals: hashes only, pruned after a window."""

    pool = models.CharField(max_length=100)
    at = models.DateTimeField(default=timezone.now)
    article = models.CharField(max_length=20, blank=True)
    ip_prefix_hash = models.CharField(max_length=20, null=True, blank=True)
    email_hash = models.CharField(max_length=20, null=True, blank=True)
    text_hash = models.CharField(max_length=20, null=True, blank=True)
    signature = models.JSONField(default=list, blank=True)
    # A salted hash of the submission's fields, to find this check again when a site later
    # reports it as spam or ham.
    match_hash = models.CharField(max_length=32, blank=True)
    guid = models.CharField(max_length=32, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, blank=True)
    score = models.FloatField(default=0.0)
    stats = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["pool", "ip_prefix_hash", "at"], name="antispam_recent_ip"),
            models.Index(fields=["pool", "email_hash", "at"], name="antispam_recent_email"),
            models.Index(fields=["pool", "text_hash", "at"], name="antispam_recent_text"),
            models.Index(fields=["pool", "match_hash"], name="antispam_recent_match"),
            models.Index(fields=["guid"], name="antispam_recent_guid"),
            models.Index(fields=["at"], name="antispam_recent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.pool} {self.at:%Y-%m-%d %H:%M} {self.kind}"


class RecentBand(models.Model):
    """One near-duplicate lookup key of a recent submission (see engine.fingerprint.bands)."""

    submission = models.ForeignKey(RecentSubmission, on_delete=models.CASCADE, related_name="+")
    pool = models.CharField(max_length=100)
    band = models.CharField(max_length=16)
    at = models.DateTimeField()

    class Meta:
        # Pruning finds old bands through their submission (the foreign key's index), so no
        # index on "at" of their own: one B-tree less to write on every check.
        indexes = [models.Index(fields=["pool", "band", "at"], name="antispam_band_lookup")]

    def __str__(self) -> str:
        return self.band

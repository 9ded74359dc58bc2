"""Reader discussion: comments, the state of each article's discussion, and its rules.

Rules are set site-wide (Wagtail settings, ``DiscussionSettings``) and may be overridden for a
section or a story (``DiscussionOverride``); ``rules.rules_for(article)`` merges them. Every
comment keeps the trail of the pipeline's decision (which step, why, the spam engine's score) so
that moderators see why it was held.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


class ModerationMode(models.TextChoices):
    NONE = "none", "Publish what passes the checks"
    FIRST_TIME = "first_time", "Hold first-time commenters"
    ALL = "all", "Hold every comment"


class Order(models.TextChoices):
    OLDEST = "oldest", "Oldest first"
    NEWEST = "newest", "Newest first"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    SPAM = "spam", "Spam"
    TRASH = "trash", "Trash"


@register_setting(icon="comment")
class DiscussionSettings(BaseSiteSetting):
    """The site's discussion rules; a section or story may override any of them."""

    moderation_mode = models.CharField(
        max_length=16, choices=ModerationMode.choices, default=ModerationMode.FIRST_TIME,
        help_text="First-time commenters: an earlier approved comment with the same email "
                  "lets a commenter through.",
    )
    close_after_days = models.PositiveIntegerField(
        default=0, help_text="Close comments this many days after publication; 0 never.",
    )
    link_limit = models.PositiveIntegerField(
        default=2, help_text="Hold a comment with this many links or more; 0 turns it off.",
    )
    max_depth = models.PositiveSmallIntegerField(
        default=5, help_text="How deep replies may nest (1: no replies)."
    )
    page_size = models.PositiveIntegerField(
        default=50, help_text="Top-level comments on a page of the discussion.",
    )
    order = models.CharField(max_length=8, choices=Order.choices, default=Order.OLDEST)
    disallowed_words = models.TextField(
        blank=True,
        help_text="One per line: words, IP addresses or emails. A comment that contains one "
                  "(in its text, name, email, website, IP or user agent) goes to the trash.",
    )
    moderation_words = models.TextField(
        blank=True, help_text="One per line: a comment that contains one is held.",
    )
    surge_threshold = models.PositiveIntegerField(
        default=30,
        help_text="Comments a minute on one story above which first-time commenters are held "
                  "until the rate falls; 0 turns surge mode off.",
    )
    notify_moderators = models.BooleanField(
        default=True, help_text="Email the moderators when a comment is held.",
    )
    moderator_emails = models.TextField(
        blank=True,
        help_text="One per line; empty: the users of the Comment moderators group.",
    )

    panels = [
        MultiFieldPanel([FieldPanel("moderation_mode"), FieldPanel("link_limit"),
                         FieldPanel("disallowed_words"), FieldPanel("moderation_words"),
                         FieldPanel("surge_threshold")], heading="Moderation"),
        MultiFieldPanel([FieldPanel("close_after_days"), FieldPanel("max_depth"),
                         FieldPanel("page_size"), FieldPanel("order")], heading="Display"),
        MultiFieldPanel([FieldPanel("notify_moderators"), FieldPanel("moderator_emails")],
                        heading="Notifications"),
    ]

    class Meta:
        verbose_name = "Discussion"


class DiscussionOverride(models.Model):
    """Rules for one section or one story; an empty field keeps the wider rule."""

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+",
        help_text="A section (applies to its stories) or a story.",
    )
    closed = models.BooleanField(
        null=True, blank=True, help_text="Yes: comments closed here. Empty: as above.",
    )
    moderation_mode = models.CharField(
        max_length=16, choices=ModerationMode.choices, blank=True,
    )
    close_after_days = models.PositiveIntegerField(null=True, blank=True)
    link_limit = models.PositiveIntegerField(null=True, blank=True)
    max_depth = models.PositiveSmallIntegerField(null=True, blank=True)
    page_size = models.PositiveIntegerField(null=True, blank=True)
    order = models.CharField(max_length=8, choices=Order.choices, blank=True)
    disallowed_words = models.TextField(blank=True, help_text="Added to the site's list.")
    moderation_words = models.TextField(blank=True, help_text="Added to the site's list.")
    surge_threshold = models.PositiveIntegerField(null=True, blank=True)

    panels = [
        FieldPanel("page"), FieldPanel("closed"), FieldPanel("moderation_mode"),
        FieldPanel("close_after_days"), FieldPanel("link_limit"), FieldPanel("max_depth"),
        FieldPanel("page_size"), FieldPanel("order"), FieldPanel("disallowed_words"),
        FieldPanel("moderation_words"), FieldPanel("surge_threshold"),
    ]

    class Meta:
        verbose_name = "discussion rules for a section or story"
        verbose_name_plural = "discussion rules for sections and stories"

    def __str__(self) -> str:
        return f"Discussion rules for {self.page.title}"


class Discussion(models.Model):
    """The state of one story's discussion: its count and whether it is in surge mode."""

    article = models.OneToOneField(
        "news.ArticlePage", on_delete=models.CASCADE, primary_key=True, related_name="+",
    )
    approved_count = models.PositiveIntegerField(default=0)
    surge_since = models.DateTimeField(null=True, blank=True)
    last_comment_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Discussion of page {self.article_id}"


class Comment(models.Model):
    """One reader's comment. ``html`` is rendered from ``text`` once, when written."""

    article = models.ForeignKey(
        "news.ArticlePage", on_delete=models.CASCADE, related_name="+",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies",
    )
    # The top-level comment of its thread (itself for a top-level one, or NULL meaning
    # itself: read ``thread_id or pk``): a page of the discussion is its top-level comments
    # and every comment of their threads.
    thread = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
    )
    depth = models.PositiveSmallIntegerField(default=1)
    author_name = models.CharField(max_length=245)
    author_email = models.EmailField(max_length=100, blank=True)
    author_url = models.URLField(max_length=200, blank=True)
    text = models.TextField(max_length=65525)
    html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    is_staff = models.BooleanField(default=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    # A salted hash of the email, for the generated avatar and for "has commented before";
    # never shown.
    email_key = models.CharField(max_length=32, blank=True)
    notify_replies = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # The pipeline's decision and every later one: a list of {"step", "outcome", "reason",
    # "at", and for the spam step "score"/"reasons"; for moderators "by"}.
    trail = models.JSONField(default=list, blank=True)
    held_by = models.CharField(max_length=32, blank=True,
                               help_text="The pipeline step that decided the status.")
    spam_score = models.FloatField(null=True, blank=True)
    spam_guid = models.CharField(max_length=32, blank=True)
    spam_stats = models.JSONField(default=dict, blank=True)
    # Evidence from the form, kept for the spam engine when a moderator decides.
    seconds_to_submit = models.FloatField(null=True, blank=True)
    script_ran = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["article", "status", "created_at"]),
            models.Index(fields=["thread", "status"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["author_email"]),
            models.Index(fields=["ip_address", "created_at"]),
            # Every post asks these (comments/hot.py): an approved comment with this email
            # (returning commenter), the same comment on the story (duplicate), the story's
            # comments in the last minute (surge). Two columns each, so that SQLite picks them
            # with or without statistics: without, it scanned a story's comments or every
            # approved one, and a post took 8 ms instead of 3 on 15,000 comments.
            models.Index(fields=["email_key", "status"], name="comment_email_status"),
            models.Index(fields=["email_key", "article"], name="comment_email_article"),
            models.Index(fields=["article", "created_at"], name="comment_article_created"),
        ]
        permissions = [("moderate_comment", "Can moderate comments")]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:40]}"

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"


class NotificationAddress(models.Model):
    """An address the discussion emails: a commenter who asked for reply notifications (sent
    only once ``confirmed_at`` is set, through the link mailed to it), a moderator, or a
    reader who asked for a copy or the erasure of their data. Each list can be stopped by the
    one-click unsubscribe link every email carries."""

    email_key = models.CharField(max_length=32, unique=True)
    email = models.EmailField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    replies_stopped_at = models.DateTimeField(null=True, blank=True)
    moderation_stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "notification address"
        verbose_name_plural = "notification addresses"

    def __str__(self) -> str:
        return f"Notification address {self.pk}"

    @property
    def receives_replies(self) -> bool:
        return self.confirmed_at is not None and self.replies_stopped_at is None


class ReplyNotice(models.Model):
    """A reply notification sent: each reply is announced once, however often it is
    approved."""

    reply = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Reply notice for comment {self.reply_id}"


class HeldMailMark(models.Model):
    """How far the moderators' mails about held comments have gone: every pending comment
    with a larger id is still to be mailed (one row, ``pk=1``)."""

    mailed_up_to = models.BigIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Held comments mailed up to {self.mailed_up_to}"

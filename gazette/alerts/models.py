"""Alerts: who asked to hear about what (subscriptions and their topics), what was sent (alerts)
and what became of each message (deliveries), plus the site's VAPID key pair.

Topics are plain strings: ``"breaking"``, ``"section:<page id>"``, ``"story:<article page id>"``
(see ``topics.py``). A push subscription is confirmed when the browser hands it over; an email
subscription only once its confirmation link is followed, and nothing is sent before that.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    PUSH = "push", "Web Push"
    EMAIL = "email", "Email"


class Subscription(models.Model):
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # Push: the push service's URL and the browser's keys (base64url, as the browser gives them).
    endpoint = models.TextField(blank=True, default="")
    p256dh = models.CharField(max_length=128, blank=True, default="")
    auth = models.CharField(max_length=64, blank=True, default="")
    # Email: the reader's address; never shown on a public page.
    email = models.EmailField(max_length=254, blank=True, default="")
    # Nothing goes to an unconfirmed subscription (email waits for its link).
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Part of every signed link's salt: a new value makes every earlier link of this
    # subscription worthless (after a cancellation, say).
    token_salt = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "endpoint"],
                condition=models.Q(channel="push"),
                name="alerts_subscription_unique_push_endpoint",
            ),
            models.UniqueConstraint(
                fields=["channel", "email"],
                condition=models.Q(channel="email"),
                name="alerts_subscription_unique_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} subscription {self.pk}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class SubscriptionTopic(models.Model):
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="topics"
    )
    topic = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "topic"], name="alerts_subscriptiontopic_unique"
            ),
        ]
        # The fan-out asks "every subscription of this topic", in id order, batch by batch.
        indexes = [models.Index(fields=["topic", "subscription"], name="alerts_topic_sub_idx")]

    def __str__(self) -> str:
        return self.topic


class Urgency(models.TextChoices):
    HIGH = "high", "High (breaking news)"
    NORMAL = "normal", "Normal"


class Alert(models.Model):
    article = models.ForeignKey(
        "news.ArticlePage", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    topic = models.CharField(max_length=64)
    title = models.CharField(max_length=120)
    body = models.CharField(max_length=400, blank=True, default="")
    url = models.URLField(max_length=1000)
    image_url = models.URLField(max_length=1000, blank=True, default="")
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    ttl = models.PositiveIntegerField(default=86400, help_text="Seconds a push service keeps it.")
    # Set only on the automatic alert of a breaking story: the database keeps it to one per
    # story; a forced alert leaves it empty.
    auto_for_article = models.OneToOneField(
        "news.ArticlePage", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    targeted = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    gone = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    clicked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        # Sending an alert (admin, command line) needs it; superusers have it anyway.
        permissions = [("send_alert", "Can send alerts")]
        indexes = [models.Index(fields=["article", "-created_at"], name="alerts_alert_article_idx")]

    def __str__(self) -> str:
        return self.title


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    GONE = "gone", "Gone"
    FAILED = "failed", "Failed"
    RETRY = "retry", "Retry"


class Delivery(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    # A 404/410 deletes the subscription; the row stays to count the alert's outcome.
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # A row in "retry" (429, 5xx, no answer) is due again at this time (Retry-After or backoff).
    retry_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "subscription"], name="alerts_delivery_unique"
            ),
        ]
        # Resuming or retrying a fan-out asks for one alert's rows in one state; the report
        # asks for an alert's latest delivered row ("time to the last delivery"), which with
        # updated_at in the index is one index probe, not a sort of a million rows.
        indexes = [models.Index(fields=["alert", "status", "updated_at"],
                                name="alerts_delivery_status_at_idx")]

    def __str__(self) -> str:
        return f"{self.alert_id} -> {self.subscription_id}: {self.status}"


class VapidKeys(models.Model):
    """The site's one VAPID key pair (pk 1), made on first use and shared by every host."""

    private_key_pem = models.TextField()
    public_key = models.CharField(max_length=128, help_text="Uncompressed P-256 point, base64url.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "VAPID keys"
        verbose_name_plural = "VAPID keys"

    def __str__(self) -> str:
        return "VAPID keys"

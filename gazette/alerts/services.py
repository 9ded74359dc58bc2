"""What the alerts part does for the newsroom: send an alert, count a click.

An alert is recorded in one transaction and its fan-out enqueued once that commits (the
``alerts`` queue, :mod:`gazette.alerts.tasks`); nothing here waits on the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from gazette.news.models import ArticlePage

from .models import Alert, Channel, SubscriptionTopic, Urgency
from .push import Notification, PayloadTooLarge, payload_for
from .topics import BREAKING, story_topic, topic_valid

DEFAULT_TTL = 24 * 3600
BREAKING_TTL = 4 * 3600  # stale breaking news is no news: a phone off all day need not get it
NOTIFICATION_RENDITION = "fill-720x360|format-jpeg"
MAX_TITLE = Alert._meta.get_field("title").max_length or 120
MAX_BODY = Alert._meta.get_field("body").max_length or 400


class AlertRefused(ValueError):
    """The alert cannot be sent as asked (the message says why, for the editor)."""


class AlertAlreadySent(AlertRefused):
    """The story already had an alert on this topic (send with force to send another)."""

    def __init__(self, alert: Alert) -> None:
        when = alert.created_at.strftime("%Y-%m-%d %H:%M")
        super().__init__(f"An alert for this story was already sent to the same readers "
                         f"({when}); send again only if you mean it.")
        self.alert = alert


def earlier_alert(article: ArticlePage | None, topic: str) -> Alert | None:
    """The latest alert already sent about ``article`` on ``topic``, if any."""
    if article is None:
        return None
    return (Alert.objects.filter(article=article, topic=topic)
            .order_by("-created_at", "-pk").first())


def _check_not_sent(article: ArticlePage | None, topic: str, *, force: bool) -> None:
    """One rule for every door (admin, command line, publication): a story's second alert to
    the same topic is refused unless forced. Readers of several topics may still hear of a
    story twice, once per topic the newsroom chose."""
    if force:
        return
    earlier = earlier_alert(article, topic)
    if earlier is not None:
        raise AlertAlreadySent(earlier)


def article_url(article: ArticlePage) -> str:
    from gazette.news.seo import absolute_url

    return str(absolute_url(article.url or "/"))


def audience_size(topic: str) -> dict[str, int]:
    """How many confirmed subscriptions an alert on ``topic`` would reach, per channel."""
    counts = {Channel.PUSH.value: 0, Channel.EMAIL.value: 0}
    rows = (SubscriptionTopic.objects
            .filter(topic=topic, subscription__confirmed_at__isnull=False)
            .values_list("subscription__channel", flat=True))
    for channel in rows.iterator():
        counts[channel] = counts.get(channel, 0) + 1
    return counts


@dataclass(frozen=True)
class AlertPreview:
    title: str
    body: str
    url: str
    image_url: str
    urgency: str
    payload_bytes: int
    audience: dict[str, int]


def alert_preview(*, article: ArticlePage | None, title: str, body: str, url: str,
                  image_url: str = "", topic: str, force: bool = False) -> AlertPreview:
    """What the notification will look like and whom it reaches; raises AlertRefused (and
    AlertAlreadySent, as :func:`alert_send` would)."""
    _check(title=title, url=url, topic=topic)
    _check_not_sent(article, topic, force=force)
    payload = _payload(title=title, body=body, url=url, image_url=image_url, article=article)
    import json

    shown = json.loads(payload)
    return AlertPreview(title=title, body=str(shown["body"]), url=url, image_url=image_url,
                        urgency=_urgency(article, topic), payload_bytes=len(payload),
                        audience=audience_size(topic))


def _check(*, title: str, url: str, topic: str) -> None:
    if not title.strip():
        raise AlertRefused("An alert needs a title.")
    if not url.startswith(("https://", "http://")):
        raise AlertRefused("The link must be a full http(s) address.")
    if not topic_valid(topic):
        raise AlertRefused(f"Unknown topic {topic!r} (breaking, a live section or story).")


def _urgency(article: ArticlePage | None, topic: str) -> str:
    breaking = topic == BREAKING or bool(article is not None and article.breaking)
    return Urgency.HIGH if breaking else Urgency.NORMAL


def _payload(*, title: str, body: str, url: str, image_url: str,
             article: ArticlePage | None) -> bytes:
    # Checked with the largest alert id the database could hand out, so that the real payload
    # can only be smaller.
    try:
        return payload_for(Notification(alert_id=2**63 - 1, title=title, body=body, url=url,
                                        image=image_url,
                                        tag=f"story-{article.pk}" if article else ""))
    except PayloadTooLarge as error:
        raise AlertRefused("The title, link and image address are too long for a push "
                           "message (3,993 bytes).") from error


def alert_send(*, article: ArticlePage | None, title: str, body: str, url: str,
               image_url: str = "", topic: str, by: Any = None, force: bool = False,
               auto: bool = False) -> Alert:
    """Record an alert and enqueue its fan-out on the ``alerts`` queue.

    A story's second alert on the same topic raises AlertAlreadySent unless ``force``. A
    story's breaking-news alert (``auto``, the one publication sends, or any unforced alert on
    ``breaking``) is also its automatic alert, which the database keeps to one per story
    whatever the process; a forced one does not count as it.
    """
    from . import tasks

    _check(title=title, url=url, topic=topic)
    _payload(title=title, body=body, url=url, image_url=image_url, article=article)
    urgency = _urgency(article, topic)
    alert = Alert(article=article, topic=topic, title=title.strip(), body=body.strip(),
                  url=url, image_url=image_url, urgency=urgency,
                  ttl=BREAKING_TTL if urgency == Urgency.HIGH else DEFAULT_TTL,
                  created_by=by if getattr(by, "pk", None) else None)
    if article is not None and not force and (auto or topic == BREAKING):
        alert.auto_for_article = article
    try:
        with transaction.atomic():
            _check_not_sent(article, topic, force=force)
            alert.save()
            transaction.on_commit(lambda: tasks.task_enqueue(tasks.alert_fanout, alert.pk))
    except IntegrityError as error:
        existing = Alert.objects.filter(auto_for_article=article).first()
        if existing is None:
            raise
        raise AlertAlreadySent(existing) from error
    return alert


def lead_image_url(article: ArticlePage) -> str:
    """The absolute URL of the lead image's rendition as the notification shows it, or ""."""
    if not article.lead_image_id:
        return ""
    from gazette.news.seo import absolute_url

    try:
        rendition = article.lead_image.get_rendition(NOTIFICATION_RENDITION)
    except Exception:  # a missing image file must not stop breaking news
        return ""
    return str(absolute_url(rendition.url))


def alert_for_article(article: ArticlePage, *, topic: str = BREAKING, by: Any = None,
                      force: bool = False, auto: bool = False) -> Alert:
    """An alert made from the story itself: headline, standfirst, lead image, link."""
    return alert_send(article=article, title=article.title[:MAX_TITLE],
                      body=(article.standfirst or "")[:MAX_BODY], url=article_url(article),
                      image_url=lead_image_url(article), topic=topic, by=by, force=force,
                      auto=auto)


def alert_for_story_update(article: ArticlePage, *, note: str) -> Alert | None:
    """The alert to a story's followers (``story:<id>``) for a marked update: the headline,
    "Updated: <what changed>", the link; None when nobody follows the story (no empty alert
    in the report).

    Each marked update is an alert of its own, so this is sent with ``force`` (the rule against
    a second alert on a topic is for editors pressing Send twice). News announces each update
    once (``story_update_marked``, one per update time, whatever process publishes), which keeps
    it to one alert per update. Like any alert about the story it carries the story's tag and
    push ``Topic``: on a phone that was off, it replaces the earlier one.
    """
    topic = story_topic(article.pk)
    followed = SubscriptionTopic.objects.filter(
        topic=topic, subscription__confirmed_at__isnull=False).exists()
    if not followed:
        return None
    body = f"Updated: {' '.join(note.split())}"
    return alert_send(article=article, title=article.title[:MAX_TITLE], body=body[:MAX_BODY],
                      url=article_url(article), image_url=lead_image_url(article),
                      topic=topic, force=True)


def alert_clicked(alert_id: int) -> bool:
    """Count a click on an alert's notification (the service worker reports it)."""
    return bool(Alert.objects.filter(pk=alert_id).update(clicked=F("clicked") + 1))


def alert_resume(alert_id: int) -> bool:
    """Walk an alert's fan-out again: a worker died, or retries are due and no task ran."""
    from . import tasks

    if not Alert.objects.filter(pk=alert_id).exists():
        return False
    tasks.task_enqueue(tasks.alert_fanout, alert_id)
    return True

"""What the alerts part does when a story is published: the automatic alert of a breaking story,
the WebSub pings, and the alert to a story's followers for each marked update. Connected by
AlertsConfig.ready()."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published

from gazette.news.signals import story_update_marked

logger = logging.getLogger(__name__)


@receiver(page_published, dispatch_uid="gazette.alerts.published")
def story_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    from gazette.news.models import ArticlePage

    if not isinstance(instance, ArticlePage):
        return
    article = instance
    transaction.on_commit(lambda: _after_publish(article.pk))


def _after_publish(article_id: int) -> None:
    from gazette.news.models import ArticlePage

    from .services import AlertAlreadySent, AlertRefused, alert_for_article
    from .websub import pings_enqueue

    article = ArticlePage.objects.live().filter(pk=article_id).first()
    if article is None:
        return
    pings_enqueue(article)
    if settings.GAZETTE_ALERTS_AUTO and article.breaking:
        try:
            alert_for_article(article, auto=True)
        except AlertAlreadySent:
            pass  # every later publication of the story: the alert went out once
        except AlertRefused as error:
            logger.warning("alerts: no automatic alert for story %s: %s", article_id, error)


@receiver(story_update_marked, dispatch_uid="gazette.alerts.story_update")
def story_updated(sender: Any, article: Any, note: str, **kwargs: Any) -> None:
    """A marked update of a story (sent once per update, after its publication commits): an
    alert to the readers following the story. A failure here is logged: the publication
    stands, and the editor can still send an alert from the admin."""
    from .services import AlertRefused, alert_for_story_update

    try:
        alert_for_story_update(article, note=note)
    except AlertRefused as error:
        logger.warning("alerts: no alert for the update of story %s: %s", article.pk, error)
    except Exception:
        logger.exception("alerts: the alert for the update of story %s failed", article.pk)

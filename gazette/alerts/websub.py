"""WebSub (W3C): the feeds name the hubs of GAZETTE_WEBSUB_HUBS (gazette/news/feeds.py reads
the setting), and publishing a story pings each hub with the feeds that changed, so that
readers subscribed through a hub hear of it in seconds instead of at their next poll."""

from __future__ import annotations

import logging

import httpx
from django.conf import settings
from django.urls import reverse

logger = logging.getLogger(__name__)

PING_TIMEOUT = 10.0


def feed_urls(article: object) -> list[str]:
    """The feeds a story appears in: the site's and its section's, in every format."""
    from gazette.news.seo import absolute_url

    section = getattr(article, "section", None)
    urls = []
    for fmt in ("rss", "atom", "json"):
        urls.append(absolute_url(reverse("news:feed", kwargs={"fmt": fmt})))
        if section is not None:
            urls.append(absolute_url(reverse("news:section_feed",
                                             kwargs={"slug": section.slug, "fmt": fmt})))
    return [str(url) for url in urls]


def hub_ping(hub: str, urls: list[str]) -> bool:
    """POST hub.mode=publish with every changed feed as hub.url; True on a 2xx."""
    data = {"hub.mode": "publish", "hub.url": urls}
    try:
        response = httpx.post(hub, data=data, timeout=PING_TIMEOUT)
    except httpx.HTTPError as error:
        logger.warning("websub: ping of %s failed: %s", hub, error)
        return False
    if not response.is_success:
        logger.warning("websub: %s answered %s", hub, response.status_code)
    return response.is_success


def pings_enqueue(article: object) -> int:
    """One ping task per configured hub; how many were enqueued."""
    from . import tasks

    hubs = list(settings.GAZETTE_WEBSUB_HUBS)
    if not hubs:
        return 0
    urls = feed_urls(article)
    for hub in hubs:
        tasks.task_enqueue(tasks.websub_ping, hub, urls)
    return len(hubs)

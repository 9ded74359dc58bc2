"""The rules that apply to one story: the site's, then its section's, then its own."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from wagtail.models import Site

from .models import DiscussionOverride, DiscussionSettings

if TYPE_CHECKING:
    from gazette.news.models import ArticlePage


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip().lower() for line in text.splitlines() if line.strip())


@dataclass(frozen=True)
class DiscussionRules:
    closed: bool = False
    moderation_mode: str = "first_time"
    close_after_days: int = 0
    link_limit: int = 2
    max_depth: int = 5
    page_size: int = 50
    order: str = "oldest"
    disallowed_words: tuple[str, ...] = ()
    moderation_words: tuple[str, ...] = ()
    surge_threshold: int = 30
    notify_moderators: bool = True
    moderator_emails: tuple[str, ...] = ()

    def closes_at(self, published_at: datetime) -> datetime | None:
        if not self.close_after_days:
            return None
        return published_at + timedelta(days=self.close_after_days)

    def is_closed(self, article: ArticlePage, now: datetime | None = None) -> bool:
        """Closed here, on the story (its own switch), or past the auto-close date."""
        if self.closed or not getattr(article, "comments_open", True):
            return True
        closes_at = self.closes_at(article.published_at)
        return closes_at is not None and (now or timezone.now()) >= closes_at


_SCALARS = ("moderation_mode", "close_after_days", "link_limit", "max_depth", "page_size",
            "order", "surge_threshold")


def _apply(rules: DiscussionRules, override: DiscussionOverride) -> DiscussionRules:
    changes: dict[str, Any] = {}
    if override.closed is not None:
        changes["closed"] = override.closed
    for name in _SCALARS:
        value = getattr(override, name)
        if value not in (None, ""):
            changes[name] = value
    if override.disallowed_words.strip():
        changes["disallowed_words"] = rules.disallowed_words + _lines(override.disallowed_words)
    if override.moderation_words.strip():
        changes["moderation_words"] = rules.moderation_words + _lines(override.moderation_words)
    return replace(rules, **changes)


def site_rules(site: Site | None) -> DiscussionRules:
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return DiscussionRules()
    stored = DiscussionSettings.for_site(site)
    return DiscussionRules(
        moderation_mode=stored.moderation_mode,
        close_after_days=stored.close_after_days,
        link_limit=stored.link_limit,
        max_depth=max(1, stored.max_depth),
        page_size=max(1, stored.page_size),
        order=stored.order,
        disallowed_words=_lines(stored.disallowed_words),
        moderation_words=_lines(stored.moderation_words),
        surge_threshold=stored.surge_threshold,
        notify_moderators=stored.notify_moderators,
        moderator_emails=_lines(stored.moderator_emails),
    )


def rules_for(article: ArticlePage, site: Site | None = None) -> DiscussionRules:
    """The effective rules for ``article`` (an ArticlePage): site, then section, then story."""
    rules = site_rules(site or article.get_site())
    section = article.section
    page_ids = [pk for pk in (section.pk if section else None, article.pk) if pk]
    overrides = {o.page_id: o for o in DiscussionOverride.objects.filter(page_id__in=page_ids)}
    for pk in page_ids:
        if pk in overrides:
            rules = _apply(rules, overrides[pk])
    return rules


RULE_NAMES = tuple(f.name for f in fields(DiscussionRules))

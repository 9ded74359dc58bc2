"""The rules that apply to one story: the site's, then its section's, then its own.

Every comment posted and every article page rendered asks for them, so each process keeps
what it resolved, under a version kept in the shared cache that a save or delete of the
discussion settings, an override or a site changes (at once and again on commit): every
process then resolves them again on its next request. A story moved to another section has
another path, hence another entry.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
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
    # Not ``for_site``: Wagtail creates the row there, and a reader's GET must not write (on
    # SQLite it waited for the write lock behind a worker's transaction). A site that never
    # saved its settings has the fields' defaults, as the row Wagtail would create.
    stored = (DiscussionSettings.objects.filter(site=site).first()
              or DiscussionSettings(site=site))
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


VERSION_KEY = "comments:rules-version"
_MEMO_SIZE = 2048
_memo: dict[tuple[str, int, str, int | None], DiscussionRules] = {}
_memo_lock = threading.Lock()


def rules_version() -> str:
    """The shared version of every story's rules (new after any change to them)."""
    version: str | None = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # add() keeps a version another process set a moment ago.
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY) or version
    return version


def rules_changed(**kwargs: object) -> None:
    """Signal receiver: the rules changed; every process resolves them again. Bumped now (this
    transaction sees the change) and on commit (another process may have resolved the old
    rules under the first bump meanwhile)."""
    def bump() -> None:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


for _model in (DiscussionSettings, DiscussionOverride, Site):
    post_save.connect(rules_changed, sender=_model, dispatch_uid=f"comments-rules-{_model}")
    post_delete.connect(rules_changed, sender=_model, dispatch_uid=f"comments-rules-d{_model}")


def rules_for(article: ArticlePage, site: Site | None = None) -> DiscussionRules:
    """The effective rules for ``article`` (an ArticlePage): site, then section, then story.

    Resolved once per process and rules version; not kept when resolved inside a
    transaction (it might see changes that are rolled back)."""
    key = (rules_version(), article.pk, article.path, site.pk if site is not None else None)
    found = _memo.get(key)
    if found is not None:
        return found
    rules = _resolve(article, site)
    if not connection.in_atomic_block:
        with _memo_lock:
            if len(_memo) >= _MEMO_SIZE:
                _memo.clear()
            _memo[key] = rules
    return rules


def _resolve(article: ArticlePage, site: Site | None) -> DiscussionRules:
    rules = site_rules(site or article.get_site())
    section = article.section
    page_ids = [pk for pk in (section.pk if section else None, article.pk) if pk]
    overrides = {o.page_id: o for o in DiscussionOverride.objects.filter(page_id__in=page_ids)}
    for pk in page_ids:
        if pk in overrides:
            rules = _apply(rules, overrides[pk])
    return rules


RULE_NAMES = tuple(f.name for f in fields(DiscussionRules))

"""What the newsroom does to live coverage: post and remove entries. Each change is one
transaction; after it commits, every cached page that shows the story is refreshed in every
process (the shared page cache's tags) and ``live_entry_published`` (with news's
``story_update_marked``) is sent."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from gazette.news.cache import page_cache_invalidate
from gazette.news.selectors import cache_tags_for
from gazette.news.signals import story_update_marked

from .models import ENTRY_BODY_LENGTH, ENTRY_TITLE_LENGTH, LiveEntry, LivePage
from .signals import live_entry_published


def _refresh_on_commit(page: LivePage) -> None:
    # The live page, its updates and feed (page:<id>), its section and the front page (the
    # cards' count of updates), the site's feeds and the tag and author pages that list it.
    tags = cache_tags_for(page)
    transaction.on_commit(lambda: page_cache_invalidate(tags))


def live_entry_add(*, page: LivePage, body: str, title: str = "", user: Any = None) -> LiveEntry:
    """Post an entry on ``page``, visible at once to readers (if the page is published)."""
    body, title = body.strip(), title.strip()
    if not body:
        raise ValidationError({"body": "Write the update."})
    if len(body) > ENTRY_BODY_LENGTH or len(title) > ENTRY_TITLE_LENGTH:
        raise ValidationError("The update is too long.")
    with transaction.atomic():
        entry = LiveEntry.objects.create(page=page, body=body, title=title,
                                         created_by=user if user and user.pk else None)
        _refresh_on_commit(page)
        transaction.on_commit(lambda: _announce(page, entry))
    return entry


def _announce(page: LivePage, entry: LiveEntry) -> None:
    """Tell the parts that follow stories: ``live_entry_published``, and, for a published page,
    news's ``story_update_marked``, which alerts' "follow this story" already hears (each entry
    is one update, announced once: this runs once, after the commit that stored it)."""
    live_entry_published.send(sender=LiveEntry, page=page, entry=entry)
    if page.live:
        note = entry.title or entry.body
        story_update_marked.send(sender=LiveEntry, article=page, note=note[:200],
                                 at=entry.created_at)


def live_entry_delete(*, entry: LiveEntry) -> None:
    """Remove an entry (posted in error): readers' open pages drop it at their next poll."""
    with transaction.atomic():
        page = entry.page
        entry.delete()
        _refresh_on_commit(page)

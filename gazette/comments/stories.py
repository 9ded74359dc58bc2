"""The live story a comment is posted to, remembered in each process.

Every post needs its story: live and public, its rules, whether it is open, its address (the
303, the spam engine's permalink), its language and standfirst. Loading a Wagtail page with
its view restrictions took two queries and 1-3 ms of ORM and URL building a post. What that
depends on changes only when stories are published, unpublished, moved or deleted, when sites
change or when view restrictions do, and each of those bumps a tag version in the shared cache
(``gazette.news.routing``: the routes, the view restrictions, and everything). So each process
keeps what it loaded under those versions, read in one cache call a post, and loads again after
any of them changes, whichever process changed it.

Not kept when loaded inside a transaction (it might see rows that are rolled back), as
``rules.rules_for`` does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection

from gazette.news.cache import GLOBAL_TAG, VERSION_PREFIX, tags_version
from gazette.news.models import ArticlePage
from gazette.news.routing import RESTRICTIONS_TAG, ROUTES_TAG, public_only

_MEMO_SIZE = 4096
_memo: dict[int, tuple[str, LiveStory | None]] = {}
_memo_lock = threading.Lock()


@dataclass(frozen=True)
class LiveStory:
    """A live, public story as a post sees it. ``page`` is shared by the process's threads:
    read it, never change it."""

    page: ArticlePage
    # The page's address as ``page.get_url()`` gives it without a request, and in full.
    url: str
    full_url: str

    @property
    def pk(self) -> int:
        return int(self.page.pk)


def _full_url(page: ArticlePage) -> str:
    try:
        return str(page.full_url or "")
    except Exception:  # a page outside any site has no address; the engine copes
        return ""


def _load(article_id: int) -> LiveStory | None:
    # A slice, not first(): no ORDER BY to build and run for a primary key.
    found = list(public_only(ArticlePage.objects.live()).filter(pk=article_id)[:1])
    if not found:
        return None
    page = found[0]
    return LiveStory(page=page, url=str(page.get_url(None) or ""), full_url=_full_url(page))


_TAGS = (GLOBAL_TAG, ROUTES_TAG, RESTRICTIONS_TAG)
_VERSION_KEYS = [VERSION_PREFIX + tag for tag in _TAGS]


def _version() -> str:
    # One read of the shared cache (tags_version reads once per tag); it sets what is missing.
    found = cache.get_many(_VERSION_KEYS)
    if len(found) == len(_VERSION_KEYS):
        return "-".join(str(found[key]) for key in _VERSION_KEYS)
    return tags_version(*_TAGS)


def live_story(article_id: int) -> LiveStory | None:
    """The story if it is live and public, else None."""
    version = _version()
    entry = _memo.get(article_id)
    if entry is not None and entry[0] == version:
        return entry[1]
    story = _load(article_id)
    if not connection.in_atomic_block:
        with _memo_lock:
            if len(_memo) >= _MEMO_SIZE:
                _memo.clear()
            _memo[article_id] = (version, story)
    return story


def forget() -> None:
    """Drop what this process remembers (tests)."""
    with _memo_lock:
        _memo.clear()

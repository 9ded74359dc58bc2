"""Every page's footer links the trust pages, so every cached page changes with them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from gazette.news.cache import GLOBAL_TAG, page_cache_invalidate


def _in_footer(page: Page) -> bool:
    from .selectors import footer_page_models

    # The content type says what the page is, without loading its specific row.
    kind = page.specific_class
    return kind is not None and issubclass(kind, tuple(footer_page_models()))


@receiver(page_published, dispatch_uid="gazette.trust.published")
@receiver(page_unpublished, dispatch_uid="gazette.trust.unpublished")
@receiver(post_page_move, dispatch_uid="gazette.trust.moved")
def footer_page_changed(sender: Any, instance: Page, **kwargs: Any) -> None:
    if _in_footer(instance):
        # After commit, or a reader could cache the old footer under the new version.
        transaction.on_commit(lambda: page_cache_invalidate([GLOBAL_TAG]))


@receiver(post_delete, dispatch_uid="gazette.trust.deleted")
def footer_page_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, Page) and _in_footer(instance):
        transaction.on_commit(lambda: page_cache_invalidate([GLOBAL_TAG]))

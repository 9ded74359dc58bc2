"""Keep the page cache honest: whatever a story appears on is refreshed when the story changes."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .cache import GLOBAL_TAG, page_cache_invalidate
from .models import Agency, ArticlePage, Author, HomePage, SectionPage


def _invalidate_on_commit(tags: set[str]) -> None:
    # After commit, or a concurrent reader could re-cache the old page under the new version.
    transaction.on_commit(lambda: page_cache_invalidate(tags))


@receiver(page_published)
@receiver(page_unpublished)
def invalidate_page(sender: object, instance: Page, **kwargs: object) -> None:
    from .selectors import cache_tags_for

    page = instance.specific
    if isinstance(page, ArticlePage):
        _invalidate_on_commit(cache_tags_for(page))
    elif isinstance(page, SectionPage):
        # Sections are in the navigation of every page.
        _invalidate_on_commit({GLOBAL_TAG})
    elif isinstance(page, HomePage):
        _invalidate_on_commit({"home"})
    else:
        _invalidate_on_commit({GLOBAL_TAG})


@receiver(post_page_move)
def invalidate_moved(sender: object, instance: Page, parent_page_before: Page,
                     parent_page_after: Page, **kwargs: object) -> None:
    _invalidate_on_commit(
        {f"page:{instance.pk}", f"section:{parent_page_before.pk}",
         f"section:{parent_page_after.pk}", "home", "feeds", "tags", "authors"}
    )


@receiver(post_save, sender=Author)
@receiver(post_delete, sender=Author)
@receiver(post_save, sender=Agency)
@receiver(post_delete, sender=Agency)
def invalidate_credits(sender: object, **kwargs: object) -> None:
    # Credits show on every story card; renaming one is rare enough to refresh everything.
    _invalidate_on_commit({GLOBAL_TAG})


@receiver(page_published)
def prepare_renditions(sender: object, instance: Page, **kwargs: object) -> None:
    from .tasks import article_renditions_prepare

    if isinstance(instance.specific, ArticlePage):
        transaction.on_commit(lambda: article_renditions_prepare.enqueue(instance.pk))

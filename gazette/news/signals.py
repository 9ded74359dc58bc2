"""Keep the page cache honest: whatever a story appears on is refreshed when the story changes."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from taggit.models import Tag
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .cache import GLOBAL_TAG, page_cache_invalidate
from .models import Agency, ArticleAuthor, ArticlePage, ArticleTag, Author, HomePage, SectionPage

# Sent once per marked update of a story ("Updated: what changed"), after the publication that
# carries it commits. Arguments: sender (ArticlePage), article, note (what changed), at (its
# time). Parts that tell followers of a story (alerts) connect to it; news imports none of them.
story_update_marked = Signal()


def _invalidate_on_commit(tags: set[str]) -> None:
    # After commit, or a concurrent reader could re-cache the old page under the new version.
    transaction.on_commit(lambda: page_cache_invalidate(tags))


@receiver(page_published)
@receiver(page_unpublished)
def invalidate_page(sender: object, instance: Page, **kwargs: object) -> None:
    from .newsroom import BREAKING_TAG, breaking_bar_shows
    from .selectors import cache_tags_for
    from .sitemaps import invalidate_for_publication

    page = instance.specific
    if isinstance(page, ArticlePage):
        tags = cache_tags_for(page)
        # Every page shows the breaking bar: refreshed only when the bar changes (a breaking
        # story published, or one it lists unpublished or no longer breaking).
        if page.breaking or breaking_bar_shows(page.pk):
            tags.add(BREAKING_TAG)
        if kwargs.get("signal") is page_published:
            # The tags' and authors' sitemap rows are carried over to the new versions.
            pk = page.pk
            transaction.on_commit(lambda: invalidate_for_publication(pk, tags))
        else:
            _invalidate_on_commit(tags)
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


@receiver(post_delete, sender=ArticleTag)
@receiver(post_delete, sender=ArticleAuthor)
def invalidate_maxima(sender: object, **kwargs: object) -> None:
    # A story's tag or author taken away (or the story deleted): the tag's or author's newest
    # publication may be older now, which the sitemap rows carried over a publication would
    # not show (gazette.news.sitemaps.invalidate_for_publication); this one is worked out again.
    # It runs before the publication's own invalidation, registered after it.
    _invalidate_on_commit({"tags" if sender is ArticleTag else "authors"})


@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
def invalidate_tag(sender: object, created: bool = False, **kwargs: object) -> None:
    # A tag renamed or deleted changes its pages' address and the tags' sitemap (cached under
    # "home", as the other sitemaps); a tag created is on no published story yet (the
    # publication that adds it refreshes them).
    if not created:
        _invalidate_on_commit({"tags", "home"})


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


@receiver(page_published)
def announce_marked_update(sender: object, instance: Page, **kwargs: object) -> None:
    from .newsroom import article_update_announce

    page = instance.specific
    if isinstance(page, ArticlePage):
        article_update_announce(page)

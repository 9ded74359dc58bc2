"""Slow work of the publication, out of the request."""

from __future__ import annotations

from django_tasks import task


@task()
def article_renditions_prepare(page_id: int) -> int:
    """Make the image renditions of a just-published story before its first reader asks."""
    from .models import ArticlePage
    from .renditions import renditions_prepare

    article = ArticlePage.objects.live().filter(pk=page_id).first()
    return renditions_prepare(article) if article is not None else 0

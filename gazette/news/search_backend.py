"""Wagtail's database search backend, with "most relevant first" on SQLite ranked in one pass.

On SQLite, Wagtail (modelsearch) orders by relevance with a correlated sub-query that runs the
full-text match again for every matching story: ranking a common word on 3,000 stories took
~300 ms, and it grows with the archive. Here the match runs once, giving every matching id
its score in the same pass (the same BM25 expression Wagtail uses, so the order is the same),
the ids the filtered queryset allows are kept in that order, and only the page asked for is
loaded. Other databases, and every other kind of search, go to Wagtail's backend unchanged.

Configured in settings: ``WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND":
"gazette.news.search_backend"}}``.
"""

from __future__ import annotations

from django.db import connection
from modelsearch.backends.database import SearchBackend as DatabaseSearchBackend


def SearchBackend(params):  # noqa: N802  (the name Wagtail looks up in a backend module)
    backend = DatabaseSearchBackend(params)
    if connection.vendor != "sqlite":
        return backend
    from .search_sqlite import RankedSQLiteSearchBackend, SQLiteSearchBackend

    if isinstance(backend, SQLiteSearchBackend):  # not the fallback without FTS5
        return RankedSQLiteSearchBackend(params)
    return backend

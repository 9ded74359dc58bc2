"""Wagtail's database search backend, with "most relevant first" on SQLite ranked in one pass.

On SQLite, Wagtail (modelsearch) orders by relevance with a correlated sub-query that runs the
full-text match again for every matching story: ranking a common word on 3,000 stories took
~300 ms, and it grows with the archive. Here the match runs once, giving every matching id
its score in the same pass (the same BM25 expression Wagtail uses, so the order is the same),
the ids the filtered queryset allows are kept in that order, and only the page asked for is
loaded. Other databases, and every other kind of search, go to Wagtail's backend.

On every database, a query string is first made plain words (``clean_query``): no control
characters (a NUL ended the FTS5 query early, and PostgreSQL refuses it), no terms without a
letter or digit (a lone ``"`` or ``-`` matches nothing and only emptied the whole search), and
a bounded length. On SQLite each remaining term is then quoted with its own double quotes
doubled (gazette.news.search_sqlite), so ``"``, ``AND``, ``NEAR(``, ``*`` or ``col:`` are words
to look for, never FTS5 syntax; PostgreSQL's backend already quotes each term for to_tsquery.

Configured in settings: ``WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND":
"gazette.news.search_backend"}}``.
"""

from __future__ import annotations

import functools
import unicodedata

from django.db import connection
from modelsearch.backends.database import SearchBackend as DatabaseSearchBackend

# What a search box can send; longer is cut (the form says maxlength="200" too).
MAX_QUERY_LENGTH = 200
# More terms than this find nothing more in a news archive, and each one costs a full-text pass.
MAX_QUERY_TERMS = 16
# Control characters, and lone surrogates that no database driver can encode.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cs"})


def printable_query(text: str) -> str:
    """The query as a reader may see it again: bounded, control characters made spaces."""
    return "".join(" " if unicodedata.category(ch) in _DROPPED_CATEGORIES else ch
                   for ch in text[:MAX_QUERY_LENGTH]).strip()


def clean_query(text: str) -> str:
    """A query as the words to look for: see the module's docstring."""
    terms = [term for term in printable_query(text).split() if any(ch.isalnum() for ch in term)]
    return " ".join(terms[:MAX_QUERY_TERMS])


class CleanQueriesMixin:
    """Every string query (search and autocomplete, site and admin) is cleaned first."""

    def search(self, query, model_or_queryset, *args, **kwargs):
        return super().search(_cleaned(query), model_or_queryset, *args, **kwargs)

    def autocomplete(self, query, model_or_queryset, *args, **kwargs):
        return super().autocomplete(_cleaned(query), model_or_queryset, *args, **kwargs)


def _cleaned(query):
    # Query objects (PlainText, Phrase...) are built by code, not typed by readers.
    return clean_query(query) if isinstance(query, str) else query


def SearchBackend(params):  # noqa: N802  (the name Wagtail looks up in a backend module)
    backend = DatabaseSearchBackend(params)
    if connection.vendor == "sqlite":
        from .search_sqlite import RankedSQLiteSearchBackend, SQLiteSearchBackend

        if isinstance(backend, SQLiteSearchBackend):  # not the fallback without FTS5
            return RankedSQLiteSearchBackend(params)
    return _cleaning(backend.__class__)(params)


@functools.cache
def _cleaning(backend_class: type) -> type:
    # The same class name: checks and logs that name Wagtail's backend still recognise it.
    return type(backend_class.__name__, (CleanQueriesMixin, backend_class), {})

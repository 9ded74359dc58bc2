"""Relevance ranking on SQLite in one full-text pass (see gazette.news.search_backend).

Imported only on SQLite: the modules it builds on load SQLite-only models.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, When
from modelsearch.backends.database.sqlite.query import (
    Lexeme,
    MatchExpression,
    SearchQueryExpression,
    normalize,
)
from modelsearch.backends.database.sqlite.sqlite import (
    SQLiteAutocompleteQueryCompiler,
    SQLiteFTSIndexEntry,
    SQLiteSearchBackend,
    SQLiteSearchQueryCompiler,
    SQLiteSearchResults,
)
from modelsearch.query import MatchAll, Not, Phrase, PlainText
from modelsearch.utils import get_descendants_content_types_pks

from .search_backend import CleanQueriesMixin

# Pages of results are a few dozen stories; more ids than this would make one large IN list.
MAX_IDS = 500


def _fts5_string(text: str) -> str:
    # Inside an FTS5 string a double quote is written twice; a NUL would end the query.
    return text.replace("\x00", "").replace('"', '""')


class QuotedLexeme(Lexeme):
    """One term as an FTS5 string: its characters are text, whatever they are."""

    def as_sql(self, compiler, connection):
        template, params = super().as_sql(compiler, connection)
        return template, [_fts5_string(param) for param in params]


class QuotedTermsMixin:
    """Wagtail's FTS5 query with every term and phrase quoted safely (Wagtail quotes each term
    in double quotes but leaves double quotes inside it as they are: ``a"b`` was an FTS5 syntax
    error, a 500)."""

    def build_search_query_content(self, query, config=None):
        if isinstance(query, PlainText):
            terms = query.query_string.split()
            if not terms:
                return None
            lexemes = QuotedLexeme(terms.pop(), prefix=self.LAST_TERM_IS_PREFIX)
            for term in terms:
                if query.operator.upper() == "AND":
                    lexemes &= QuotedLexeme(term)
                else:
                    lexemes |= QuotedLexeme(term)
            return SearchQueryExpression(lexemes, config=config)
        if isinstance(query, Phrase):
            return SearchQueryExpression(_fts5_string(query.query_string))
        return super().build_search_query_content(query, config=config)


class QuotedAutocompleteQueryCompiler(QuotedTermsMixin, SQLiteAutocompleteQueryCompiler):
    pass


class RankedSQLiteSearchQueryCompiler(QuotedTermsMixin, SQLiteSearchQueryCompiler):
    def search(self, config, start, stop, score_field=None):
        normalized = normalize(self.query)
        if (not self.order_by_relevance or score_field is not None
                or isinstance(normalized, (MatchAll, Not))):
            return super().search(config, start, stop, score_field=score_field)

        # The match and the score as Wagtail builds them (SQLiteSearchQueryCompiler.search). The
        # score is modelsearch's private _build_rank_expression, kept for a 20x faster ranking and
        # pinned by test_the_private_rank_expression_search_sqlite_reuses_is_still_there.
        match = MatchExpression(self.fields or self.FTS_TABLE_FIELDS,
                                self.build_search_query(normalized, config=config))
        rank = self._build_rank_expression(self.get_search_vectors(), config)
        entries = (
            SQLiteFTSIndexEntry.objects.filter(match)
            .filter(index_entry__content_type__in=get_descendants_content_types_pks(
                self.queryset.model))
            .annotate(score=rank)
        )
        scores = {int(object_id): score for object_id, score in
                  entries.values_list("index_entry__object_id", "score")}
        matching = entries.values_list("index_entry__object_id", flat=True)
        allowed = self.queryset.filter(pk__in=matching).values_list("pk", flat=True)
        # Best (lowest) score first; ties as Wagtail breaks them, newest pk first.
        ranked = sorted(allowed.order_by(), key=lambda pk: (scores[pk], -pk))[start:stop]
        if len(ranked) > MAX_IDS:
            # Not a page of results (a listing of everything): Wagtail's own query.
            return super().search(config, start, stop, score_field=score_field)
        return _in_order(self.queryset, ranked)

    def count_matches(self, config, start, stop) -> int:
        return super().search(config, start, stop).count()


class RankedSQLiteSearchResults(SQLiteSearchResults):
    def _do_count(self):
        # Counting needs no order: Wagtail's query, without its per-row score.
        compiler = self.query_compiler
        return compiler.count_matches(compiler.get_config(self.backend), self.start, self.stop)


def _in_order(queryset: QuerySet, ids: list[int]) -> QuerySet:
    if not ids:
        return queryset.none()
    position = Case(*[When(pk=pk, then=index) for index, pk in enumerate(ids)],
                    output_field=IntegerField())
    return queryset.filter(pk__in=ids).order_by(position)


class RankedSQLiteSearchBackend(CleanQueriesMixin, SQLiteSearchBackend):
    query_compiler_class = RankedSQLiteSearchQueryCompiler
    autocomplete_query_compiler_class = QuotedAutocompleteQueryCompiler
    results_class = RankedSQLiteSearchResults

"""Relevance ranking on SQLite in one full-text pass (see gazette.news.search_backend).

Imported only on SQLite: the modules it builds on load SQLite-only models.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from modelsearch.backends.database.sqlite.query import (
    BM25,
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
from .search_order import Newest, newest_published

# The index's own rows (Wagtail's IndexEntry), whichever model the full-text table points at.
IndexEntry = SQLiteFTSIndexEntry._meta.get_field("index_entry").related_model

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

    def matching_scores(self, config) -> dict[int, float] | None:
        """Every matching object's id with its score (lowest best) in one full-text pass,
        without the queryset's filters; None for a query this cannot match in one pass
        (match-all, negations). The ids and scores of the ranked search above."""
        normalized = normalize(self.query)
        if isinstance(normalized, (MatchAll, Not)):
            return None
        entries = self._matching_entries(normalized, config).filter(
            index_entry__content_type__in=self._content_types())
        rank = self._build_rank_expression(self.get_search_vectors(), config)
        return {int(object_id): score for object_id, score in
                entries.annotate(score=rank).values_list("index_entry__object_id", "score")}

    def newest_published(self, config, cap: int, *, ranked: bool = False) -> Newest | None:
        """The newest ``cap`` live matches (and for ``ranked`` their BM25) read in publication
        order (gazette.news.search_order); None for a query this cannot match in one pass
        (match-all, negations) or where the ordered index cannot answer."""
        normalized = normalize(self.query)
        if isinstance(normalized, (MatchAll, Not)):
            return None
        match = MatchExpression(self.fields or self.FTS_TABLE_FIELDS,
                                self.build_search_query(normalized, config=config))
        # The MATCH string as Wagtail's query would pass it, for the ordered table.
        query = SQLiteFTSIndexEntry.objects.all().query
        _sql, params = match.as_sql(query.get_compiler(connection=connection), connection)
        return newest_published(params[0], self._content_types(), cap, ranked=ranked)

    def matching_entries(self, config, *, ranked: bool = False) -> dict[int, float] | None:
        """The index entries that match (entry id: its BM25 when ``ranked``, else 0.0), from
        the full-text index alone (of every content type: ``entry_ids`` says which are whose);
        None as ``matching_scores``, and when ``ranked`` for a query whose score is not one
        BM25 times the entries' boosts (``boosted_scores``). Without the join to the index's
        own rows, which are large (a story's text), this is about 4x cheaper a match: 18 ms
        for a word in 25,700 stories (83 with BM25). Read with the cursor: Django's rows cost
        more than the match for tens of thousands of ids."""
        normalized = normalize(self.query)
        if isinstance(normalized, (MatchAll, Not)):
            return None
        entries = self._matching_entries(normalized, config)
        if ranked:
            if not isinstance(normalized, (PlainText, Phrase)):
                return None
            rows = entries.annotate(bm25=BM25()).values_list("pk", "bm25")
        else:
            rows = entries.annotate(bm25=Value(0.0)).values_list("pk", "bm25")
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return dict(cursor.fetchall())

    def matching_entry_ids(self, config) -> set[int] | None:
        """The ids of the index entries that match (``matching_entries`` without scores), read
        as one JSON array that SQLite builds from the match: a row per match handed to Python
        cost about twice the match (24 against 11 ms for the 25,700 of "council"). None as
        ``matching_entries``."""
        normalized = normalize(self.query)
        if isinstance(normalized, (MatchAll, Not)):
            return None
        sql, params = (self._matching_entries(normalized, config).values(entry=F("pk"))
                       .query.sql_with_params())
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT json_group_array("entry") FROM ({sql})', params)
            return set(json.loads(cursor.fetchone()[0]))

    def ranks_by_bm25(self) -> bool:
        """Whether the query's score is one BM25 times the vectors' boosts (a plain or phrase
        query: what ``bm25_of`` and ``boosted_scores`` work out)."""
        return isinstance(normalize(self.query), (PlainText, Phrase))

    def bm25_of(self, config, entry_ids: list[int]) -> dict[int, float]:
        """The BM25 ``matching_entries(ranked=True)`` gives the matching entries ``entry_ids``
        (for a query that ``ranks_by_bm25``), worked out for those alone: the full-text match
        is read as for the unranked entries, and FTS5 scores only the rows that pass the filter
        on their rowid (the newest 1,000 matches of a common word, not every one: BM25 for all
        25,700 matches of "council" cost 83 ms). The rowid is written ``+rowid`` so that SQLite
        filters the matches with it, instead of asking FTS5 for each id in turn (about 100 us
        an id)."""
        table = connection.ops.quote_name(SQLiteFTSIndexEntry._meta.db_table)
        chosen = RawSQL(f"+{table}.rowid IN (SELECT value FROM json_each(%s))",
                        [json.dumps(entry_ids)], output_field=BooleanField())
        rows = (self._matching_entries(normalize(self.query), config).filter(chosen)
                .annotate(bm25=BM25()).values_list("pk", "bm25"))
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return dict(cursor.fetchall())

    def boosted_scores(self, bm25: dict[int, float], entry_ids: list[int]) -> dict[int, float]:
        """The scores ``matching_scores`` gives the entries ``entry_ids``, from their BM25 (a
        plain or phrase query's score is BM25 times each searched vector's boost, summed:
        ``_build_rank_expression``, pinned by the search tests)."""
        boosts = [boost if hasattr(boost, "resolve_expression") else Value(float(boost))
                  for _vector, boost in self.get_search_vectors()]
        ids = RawSQL("SELECT value FROM json_each(%s)", [json.dumps(entry_ids)])
        own = [_entry_field(boost) for boost in boosts]
        if all(boost is not None for boost in own):
            # The entries' own fields (Wagtail's title_norm): read from the entries alone,
            # without the full-text table's rows (3 times cheaper for 1,000 entries).
            boosts, found = own, IndexEntry.objects.filter(pk__in=ids)
        else:
            found = SQLiteFTSIndexEntry.objects.filter(index_entry_id__in=ids)
        total = boosts[0]
        for boost in boosts[1:]:
            total = total + boost
        rows = found.annotate(weight=ExpressionWrapper(total, output_field=FloatField()))
        sql, params = rows.values_list("pk", "weight").query.sql_with_params()
        with connection.cursor() as cursor:  # Django's rows cost more than the query's
            cursor.execute(sql, params)
            return {entry: bm25[entry] * weight for entry, weight in cursor.fetchall()}

    def entry_ids(self, object_ids: list[int]) -> dict[int, int]:
        """The index entry of each of ``object_ids`` (entry id: object id), from the index on
        (content type, object id) alone. The ids go in as one JSON parameter: Django's IN list
        of 2,000 strings cost 20 times the lookup to write."""
        table = connection.ops.quote_name(IndexEntry._meta.db_table)
        keys = json.dumps([str(pk) for pk in object_ids])
        entries: dict[int, int] = {}
        with connection.cursor() as cursor:
            # One content type at a time: with an IN list of types, SQLite looked the type up
            # in the (type, id) index and scanned every entry of it (34 ms instead of 5).
            for content_type in self._content_types():
                cursor.execute(
                    f"SELECT id, object_id FROM {table} WHERE content_type_id = %s"
                    " AND object_id IN (SELECT value FROM json_each(%s))", [content_type, keys])
                entries.update((entry, int(object_id)) for entry, object_id in cursor.fetchall())
        return entries

    def object_ids(self, entry_ids: list[int]) -> dict[int, int]:
        """The objects (of the searched model) the index entries ``entry_ids`` are: entry id:
        object id."""
        found = IndexEntry.objects.filter(pk__in=entry_ids,
                                          content_type__in=self._content_types())
        return {entry: int(object_id) for entry, object_id in
                found.values_list("pk", "object_id")}

    def _content_types(self) -> list[int]:
        return get_descendants_content_types_pks(self.queryset.model)

    def _matching_entries(self, normalized, config) -> QuerySet:
        match = MatchExpression(self.fields or self.FTS_TABLE_FIELDS,
                                self.build_search_query(normalized, config=config))
        return SQLiteFTSIndexEntry.objects.filter(match)

    def count_matches(self, config, start, stop) -> int:
        return super().search(config, start, stop).count()


class RankedSQLiteSearchResults(SQLiteSearchResults):
    def _do_count(self):
        # Counting needs no order: Wagtail's query, without its per-row score.
        compiler = self.query_compiler
        return compiler.count_matches(compiler.get_config(self.backend), self.start, self.stop)


def _entry_field(boost: Any) -> Any:
    """A boost as an expression on the index entries themselves: a constant, or a field of the
    entry (``F("index_entry__title_norm")`` on the full-text table); None for anything else."""
    if isinstance(boost, Value):
        return boost
    prefix = "index_entry__"
    if isinstance(boost, F) and boost.name.startswith(prefix) and "__" not in boost.name[
            len(prefix):]:
        return F(boost.name[len(prefix):])
    return None


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

"""Search's newest matches read in publication order, on SQLite (issue 20).

Wagtail's full-text table (FTS5) is keyed by index entry: the order in which objects were first
indexed, not the order in which stories were published (a story drafted weeks before it is
published, an archive imported in any order). So the newest 1,000 matches of a common word had
every match read and the stories walked newest first down the date index: work that grows with
the archive (25,700 matches of "council" at 100,000 stories).

This keeps a second FTS5 table, contentless (the index alone, not the text), holding every
entry of Wagtail's table with the same columns and text, keyed instead by publication: for a
live page, its second of first publication (counted from 1700, within 2^35 seconds: dates
outside are clamped) times 2^28 plus its id; for anything else (images, authors, drafts,
unpublished pages) minus the entry's id. Reading the matches ``ORDER BY rowid DESC`` then gives
live pages newest first, and FTS5 stops at the ``LIMIT``: the newest 1,000 of any word cost
about what 1,000 matches cost, however large the archive. Within one second the key orders by
id, not by the microseconds of ``first_published_at``: only the seconds read whole are trusted,
and pages sharing a second are put in order by their times (``newest_published``), so the
listing is exact. The same documents with the same text give the same BM25 as Wagtail's table
(same row count, lengths and document frequencies): the newest 1,000 are ranked as Wagtail ranks.

Kept by SQLite triggers, as Wagtail keeps its own table: on the index entries (insert, update of
the text, delete) and on pages (written, or their ``first_published_at`` or ``live`` changed),
whatever writes them (Wagtail's publish and unpublish, a queryset's update, the bulk archive,
a fixture loaded in any order). ``news_searchorder`` remembers each entry's key and content
type, since a contentless table needs the key and the old text to delete a row. Created by
migration ``news.0005`` on SQLite with FTS5; where it is missing (or a page id is past 2^28),
``newest_published`` says None and the search walks the date index as before. The cost: every
index write done twice, and disk (at 100,000 stories 155 MB against the 88 MB of Wagtail's own
index: keys far apart take more bytes to store).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection

ORDER_TABLE = "news_searchorder"
ORDER_FTS = "news_searchorder_fts"
TRIGGERS = ("news_searchorder_insert", "news_searchorder_update", "news_searchorder_delete",
            "news_searchorder_published", "news_searchorder_page_added")
PAGE_BITS = 28
PAGE_LIMIT = 1 << PAGE_BITS
SECONDS_FROM_1700 = 8_520_336_000  # seconds from 1700-01-01 to 1970-01-01 (UTC)
MAX_SECONDS = (1 << 35) - 1  # about 1,088 years: up to 2788
# Matches read past the cap at first: another kind of page, the last second read cut.
WINDOW_MARGIN = 33
EARLIEST = datetime.min.replace(tzinfo=UTC)


def _page_key(page: str) -> str:
    """The order key of a page row ``page`` (SQL)."""
    return (f"(min(max(CAST(strftime('%s', {page}.first_published_at) AS INTEGER)"
            f" + {SECONDS_FROM_1700}, 0), {MAX_SECONDS}) * {PAGE_LIMIT} + {page}.id)")


def _entry_key(entry: str, page_table: str) -> str:
    """The order key of an index entry row ``entry`` (SQL): its page's, else minus its id."""
    return (f"COALESCE((SELECT {_page_key('p')} FROM {page_table} p"
            f" WHERE p.id = CAST({entry}.object_id AS INTEGER)"
            f" AND p.content_type_id = {entry}.content_type_id"
            f" AND p.live AND p.first_published_at IS NOT NULL AND p.id < {PAGE_LIMIT}),"
            f" -{entry}.id)")


def schema_create(entry_table: str, page_table: str) -> list[str]:
    """The statements that create and fill the ordered table and its triggers."""
    fts, order = ORDER_FTS, ORDER_TABLE
    insert = f"INSERT INTO {fts}(rowid, autocomplete, body, title)"
    delete = f"INSERT INTO {fts}({fts}, rowid, autocomplete, body, title)"
    of_page = (f"SELECT id FROM {entry_table} WHERE content_type_id = NEW.content_type_id"
               f" AND object_id = CAST(NEW.id AS TEXT)")
    # The page NEW's index entry, if it has one, to its key now.
    move = (f"{delete} SELECT 'delete', o.fts_rowid, e.autocomplete, e.body, e.title"
            f" FROM {entry_table} e JOIN {order} o ON o.entry_id = e.id WHERE e.id IN ({of_page});"
            f" UPDATE {order} SET fts_rowid = (SELECT {_entry_key('e', page_table)}"
            f" FROM {entry_table} e WHERE e.id = {order}.entry_id) WHERE entry_id IN ({of_page});"
            f" {insert} SELECT o.fts_rowid, e.autocomplete, e.body, e.title"
            f" FROM {entry_table} e JOIN {order} o ON o.entry_id = e.id WHERE e.id IN ({of_page});")
    return [
        # Keyed by the full-text key: a search's window finds each entry in one seek.
        f"CREATE TABLE {order} (fts_rowid INTEGER NOT NULL PRIMARY KEY,"
        " entry_id INTEGER NOT NULL UNIQUE, content_type_id INTEGER NOT NULL) WITHOUT ROWID",
        f"CREATE VIRTUAL TABLE {fts} USING fts5(autocomplete, body, title, content='')",
        f"INSERT INTO {order}(entry_id, fts_rowid, content_type_id)"
        f" SELECT e.id, {_entry_key('e', page_table)}, e.content_type_id FROM {entry_table} e",
        f"{insert} SELECT o.fts_rowid, e.autocomplete, e.body, e.title FROM {entry_table} e"
        f" JOIN {order} o ON o.entry_id = e.id",
        f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON {entry_table} BEGIN"
        f" INSERT INTO {order}(entry_id, fts_rowid, content_type_id) VALUES"
        f" (NEW.id, {_entry_key('NEW', page_table)}, NEW.content_type_id);"
        f" {insert} SELECT fts_rowid, NEW.autocomplete, NEW.body, NEW.title FROM {order}"
        f" WHERE entry_id = NEW.id; END",
        f"CREATE TRIGGER {TRIGGERS[1]} AFTER UPDATE OF autocomplete, body, title, object_id,"
        f" content_type_id ON {entry_table} BEGIN"
        f" {delete} SELECT 'delete', fts_rowid, OLD.autocomplete, OLD.body, OLD.title"
        f" FROM {order} WHERE entry_id = OLD.id;"
        f" UPDATE {order} SET fts_rowid = {_entry_key('NEW', page_table)},"
        f" content_type_id = NEW.content_type_id WHERE entry_id = NEW.id;"
        f" {insert} SELECT fts_rowid, NEW.autocomplete, NEW.body, NEW.title FROM {order}"
        f" WHERE entry_id = NEW.id; END",
        f"CREATE TRIGGER {TRIGGERS[2]} AFTER DELETE ON {entry_table} BEGIN"
        f" {delete} SELECT 'delete', fts_rowid, OLD.autocomplete, OLD.body, OLD.title"
        f" FROM {order} WHERE entry_id = OLD.id;"
        f" DELETE FROM {order} WHERE entry_id = OLD.id; END",
        # A page published, unpublished, or its date changed: its entry moves to its place.
        f"CREATE TRIGGER {TRIGGERS[3]} AFTER UPDATE OF first_published_at, live ON {page_table}"
        f" WHEN OLD.first_published_at IS NOT NEW.first_published_at"
        f" OR OLD.live IS NOT NEW.live BEGIN {move} END",
        # A page written after its index entry (a fixture loaded in any order).
        f"CREATE TRIGGER {TRIGGERS[4]} AFTER INSERT ON {page_table} BEGIN {move} END",
    ]


def schema_drop() -> list[str]:
    return [*(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
            f"DROP TABLE IF EXISTS {ORDER_FTS}", f"DROP TABLE IF EXISTS {ORDER_TABLE}"]


@dataclass
class Newest:
    """The newest live matches (``ids``, newest first) and whether there are more; for a
    ranked search, each one's index entry (story id: entry id) and BM25 (entry id: BM25)."""

    ids: list[int]
    more: bool
    entries: dict[int, int] = field(default_factory=dict)
    bm25: dict[int, float] = field(default_factory=dict)


def newest_published(match: str, content_types: list[int], cap: int, *,
                     ranked: bool = False) -> Newest | None:
    """The newest ``cap`` live pages of ``content_types`` whose entry matches the FTS5 query
    ``match``, newest first (``first_published_at``, then id, descending), and whether there are
    more; None where the ordered table cannot answer (see the module's docstring).

    Matches are read newest first, a window at a time, until more than ``cap`` pages of those
    types lie in the seconds read whole (the last second read may go on past the window), or
    the matches run out. Only live pages have a positive key, so no page is read, except the
    publication times of pages that share a second (their order within it)."""
    if not usable():
        return None
    score = f"bm25({ORDER_FTS})" if ranked else "0.0"
    read: list[tuple[int, float]] = []
    entry_of_key: dict[int, int] = {}
    limit = cap + WINDOW_MARGIN
    types = json.dumps(content_types)
    with connection.cursor() as cursor:
        while True:
            below = " AND rowid < %s" if read else ""  # past the window already read
            # The window, and the entry of each match of the types asked for (NULL for the
            # others) from the side table in the same statement: 0.4-0.8 ms less than handing
            # the window's keys back as a parameter.
            cursor.execute(
                f"SELECT w.rowid, w.score, o.entry_id FROM (SELECT rowid, {score} AS score"
                f" FROM {ORDER_FTS} WHERE {ORDER_FTS} MATCH %s AND rowid > 0{below}"
                f" ORDER BY rowid DESC LIMIT %s) w LEFT JOIN {ORDER_TABLE} o"
                " ON o.fts_rowid = w.rowid AND o.content_type_id IN"
                " (SELECT value FROM json_each(%s)) ORDER BY w.rowid DESC",
                [match, *([read[-1][0]] if read else []), limit, types])
            rows = cursor.fetchall()
            read += [(key, bm25) for key, bm25, _ in rows]
            entry_of_key.update((key, entry) for key, _, entry in rows if entry is not None)
            if len(rows) < limit:  # every match read
                trusted = read
                break
            cut = read[-1][0] // PAGE_LIMIT  # the last second read, perhaps not whole
            trusted = [row for row in read if row[0] // PAGE_LIMIT > cut]
            if sum(1 for key, _ in trusted if key in entry_of_key) > cap:
                break
            limit *= 2
    found = [(key, bm25) for key, bm25 in trusted if key in entry_of_key]  # newest first
    chosen = found[:cap + 1]
    if chosen:
        # The (cap+1)th's second whole, and the exact order within each second shared.
        last = chosen[-1][0] // PAGE_LIMIT
        chosen += [row for row in found[cap + 1:] if row[0] // PAGE_LIMIT == last]
    times = _shared_seconds_times([key for key, _ in chosen])
    chosen.sort(key=lambda row: (row[0] // PAGE_LIMIT,
                                 times.get(row[0] % PAGE_LIMIT, EARLIEST),
                                 row[0] % PAGE_LIMIT), reverse=True)
    result = Newest(ids=[key % PAGE_LIMIT for key, _ in chosen[:cap]], more=len(found) > cap)
    if ranked:
        result.entries = {key % PAGE_LIMIT: entry_of_key[key] for key, _ in chosen[:cap]}
        result.bm25 = {entry_of_key[key]: bm25 for key, bm25 in chosen[:cap]}
    return result


def _shared_seconds_times(keys: list[int]) -> dict[int, datetime]:
    """The publication times (page id: ``first_published_at``, aware) of the pages among
    ``keys`` that share their second with another."""
    seconds = Counter(key // PAGE_LIMIT for key in keys)
    shared = [key % PAGE_LIMIT for key in keys if seconds[key // PAGE_LIMIT] > 1]
    if not shared:
        return {}
    from django.db.models.expressions import RawSQL
    from wagtail.models import Page

    # Through Django's field: aware whatever the stored text says (with or without an offset).
    ids = RawSQL("SELECT value FROM json_each(%s)", [json.dumps(shared)])
    return dict(Page.objects.filter(pk__in=ids).values_list("pk", "first_published_at"))


def usable() -> bool:
    """Whether the ordered table is there, kept (its triggers) and every page id fits a key."""
    if connection.vendor != "sqlite":
        return False
    from wagtail.models import Page

    pages = connection.ops.quote_name(Page._meta.db_table)
    names = ", ".join(f"'{name}'" for name in TRIGGERS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                       f" AND name IN ({names})), (SELECT max(id) FROM {pages})")
        kept, last_page = cursor.fetchone()
    return bool(kept == len(TRIGGERS) and (last_page or 0) < PAGE_LIMIT)

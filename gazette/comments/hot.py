"""The statements every comment post runs, in plain SQL.

Building a query with the ORM cost a post 0.3-0.5 ms each, several times what the database
takes to run it (bench/comments_isso.py --profile), and a post ran a dozen. These are the same
questions, asked in as few statements as the pipeline's order allows, on SQLite and
PostgreSQL alike (both are tested). Table and column names come from the models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Model

from .models import Comment, Discussion, Status


def _names() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {"comment": quote(Comment._meta.db_table),
            "discussion": quote(Discussion._meta.db_table)}


def _when(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def commenter_state(email_key: str, article_id: int, since: datetime,
                    until: datetime) -> tuple[bool, bool, int | None]:
    """(an approved comment with this email key exists, the story is in surge mode, and while
    it is, the comments stored on it after ``since`` up to ``until``), in one statement: what
    the spam defence, pre-moderation and surge steps read before the write. The count is
    None outside surge mode: only a surging story needs it (to switch back), and a story in
    surge is one being posted to many times a minute, where a separate ORM count cost a post
    about 0.5 ms."""
    names = _names()
    surging = (f"EXISTS(SELECT 1 FROM {names['discussion']} WHERE article_id = %s "
               f"AND surge_since IS NOT NULL)")
    sql = (f"SELECT EXISTS(SELECT 1 FROM {names['comment']} WHERE email_key = %s "
           f"AND status = %s), {surging}, CASE WHEN {surging} THEN (SELECT COUNT(*) FROM "
           f"{names['comment']} WHERE article_id = %s AND created_at > %s "
           f"AND created_at <= %s) END")
    with connection.cursor() as cursor:
        cursor.execute(sql, [email_key, Status.APPROVED.value, article_id, article_id,
                             article_id, _when(since), _when(until)])
        approved, surging_now, rate = cursor.fetchone()
    return (bool(approved) and bool(email_key), bool(surging_now),
            int(rate) if surging_now and rate is not None else None)


def flood_or_duplicate(
    *,
    flood: tuple[str | None, str, datetime, datetime] | None,
    article_id: int,
    parent_id: int | None,
    author_name: str,
    email_key: str,
    text: str,
) -> str | None:
    """"flood" if another comment came from the IP address or email key within the window
    (``flood``: address, email key, after, up to; None: no flood check), else "duplicate" if
    this comment was stored before on the story (trash aside), else None. One statement."""
    names = _names()
    parts: list[str] = []
    params: list[Any] = []
    if flood is not None:
        ip_address, key, after, until = flood
        same = []
        if ip_address:
            same.append("ip_address = %s")
            params.append(ip_address)
        if key:
            same.append("email_key = %s")
            params.append(key)
        if same:
            parts.append(f"EXISTS(SELECT 1 FROM {names['comment']} WHERE ({' OR '.join(same)}) "
                         f"AND created_at > %s AND created_at <= %s)")
            params += [_when(after), _when(until)]
    parent = "parent_id = %s" if parent_id is not None else "parent_id IS NULL"
    parts.append(f"EXISTS(SELECT 1 FROM {names['comment']} WHERE article_id = %s AND {parent} "
                 f"AND author_name = %s AND email_key = %s AND text = %s AND status <> %s)")
    params += [article_id, *([parent_id] if parent_id is not None else []), author_name,
               email_key, text, Status.TRASH.value]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    if len(row) == 2 and row[0]:
        return "flood"
    return "duplicate" if row[-1] else None


Statement = tuple[str, list[Any]]


def insert_statement(obj: Model) -> Statement:
    """The INSERT of ``obj`` as ``obj.save(force_insert=True)`` would write it (each field's
    ``pre_save``, auto_now included; its database value), returning its primary key where
    the database can. Built before the write transaction begins, so that the transaction
    holds the database's write lock only while its statements run."""
    meta = obj._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    if connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql, values


def insert(obj: Model, statement: Statement | None = None) -> None:
    """INSERT ``obj`` (``statement``: its :func:`insert_statement`, built earlier), without
    the signals nor the query compiler; sets its primary key. For models no signal receiver
    listens to."""
    sql, values = statement or insert_statement(obj)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        obj.pk = (cursor.fetchone()[0] if connection.features.can_return_columns_from_insert
                  else cursor.lastrowid)
    obj._state.adding = False
    obj._state.db = connection.alias


def counts_after_write(article_id: int, *, approved: bool, since: datetime | None,
                       until: datetime) -> tuple[int | None, int | None]:
    """(approved comments of the story if ``approved``, comments stored on it after ``since``
    up to ``until`` if ``since``), in one statement; None for what was not asked."""
    names = _names()
    parts: list[str] = []
    params: list[Any] = []
    if approved:
        parts.append(f"(SELECT COUNT(*) FROM {names['comment']} WHERE article_id = %s "
                     f"AND status = %s)")
        params += [article_id, Status.APPROVED.value]
    if since is not None:
        parts.append(f"(SELECT COUNT(*) FROM {names['comment']} WHERE article_id = %s "
                     f"AND created_at > %s AND created_at <= %s)")
        params += [article_id, _when(since), _when(until)]
    if not parts:
        return None, None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = list(cursor.fetchone())
    count = int(row.pop(0)) if approved else None
    rate = int(row.pop(0)) if since is not None else None
    return count, rate


def discussion_update(article_id: int, *, approved_count: int | None,
                      last_comment_at: datetime) -> bool:
    """Set the story's Discussion row's count (if given) and last comment time; False when the
    story has no row yet."""
    names = _names()
    sets = ["last_comment_at = %s"]
    params: list[Any] = [_when(last_comment_at)]
    if approved_count is not None:
        sets.insert(0, "approved_count = %s")
        params.insert(0, approved_count)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {names['discussion']} SET {', '.join(sets)} "
                       f"WHERE article_id = %s", [*params, article_id])
        return bool(cursor.rowcount)

"""The spam defence's counters: what the filter did each day (``DailyCount``) and each API
key's monthly calls per site (``UsageCount``), added to with one SQL upsert each."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.db import connection
from django.db.models import Field, Model, PositiveBigIntegerField
from django.utils import timezone

from .models import ApiKey, DailyCount, UsageCount

# What a database cursor takes as a parameter (django-stubs' ``_SQLType``, less containers).
SqlValue = None | bool | int | float | Decimal | str | bytes | date | datetime | UUID
Statement = tuple[str, list[SqlValue]]

# The ``DailyCount`` column each verdict kind adds to.
DAILY_FIELD = {"ham": "ham", "hold": "held", "spam": "spam", "discard": "discarded"}


def upsert_counts(model: type[Model], lookup: dict[str, object],
                  **increments: int) -> Statement | None:
    """SQL that adds to counters in one upsert (INSERT ... ON CONFLICT DO UPDATE SET n = n + k).

    One statement, so concurrent requests never lose a count, and a cheap one: it runs for
    every check. ``lookup`` must name the columns of the model's unique constraint. None when
    there is nothing to add.
    """
    increments = {name: value for name, value in increments.items() if value}
    if not increments:
        return None
    ops = connection.ops
    meta = model._meta
    counters = [f for f in meta.concrete_fields
                if isinstance(f, PositiveBigIntegerField)]
    key_fields = [_concrete_field(model, name) for name in lookup]
    columns = [f.column for f in key_fields] + [f.column for f in counters]
    values: list[SqlValue] = []
    for field in key_fields:
        value = lookup[field.name]
        if isinstance(value, Model):
            value = value.pk
        values.append(field.get_db_prep_value(value, connection))
    values += [increments.get(f.name, 0) for f in counters]
    table = ops.quote_name(meta.db_table)
    updates = ", ".join(
        f"{ops.quote_name(f.column)} = {table}.{ops.quote_name(f.column)} + "
        f"excluded.{ops.quote_name(f.column)}"
        for f in counters if f.name in increments
    )
    sql = (
        f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(ops.quote_name(f.column) for f in key_fields)}) "
        f"DO UPDATE SET {updates}"
    )
    return sql, values


def _concrete_field(model: type[Model], name: str) -> Field[object, object]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.concrete:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _bump(model: type[Model], lookup: dict[str, object], **increments: int) -> None:
    statement = upsert_counts(model, lookup, **increments)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def month_start(day: date | None = None) -> date:
    return (day or timezone.now().date()).replace(day=1)


def daily_count_key(pool: str) -> dict[str, object]:
    """The row of ``DailyCount`` that today's activity of ``pool`` adds to."""
    return {"day": timezone.localdate(), "pool": pool}


def usage_count_key(api_key: ApiKey, site: str) -> dict[str, object]:
    """The row of ``UsageCount`` that this month's calls of a key for a site add to."""
    return {"api_key": api_key, "site": site[:255], "month": month_start()}


def count_daily(pool: str, **increments: int) -> None:
    _bump(DailyCount, daily_count_key(pool), **increments)


def count_usage(api_key: ApiKey, site: str, **increments: int) -> None:
    _bump(UsageCount, usage_count_key(api_key, site), **increments)

"""Read-only questions asked of the spam defence: the admin's dashboard and key list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone

from .counts import month_start
from .models import ApiKey, DailyCount, UsageCount


def month_usage(api_key: ApiKey, month: date | None = None) -> int:
    """Comment checks made with the key this month (every site)."""
    month = month or month_start()
    total = UsageCount.objects.filter(api_key=api_key, month=month).aggregate(n=Sum("calls"))["n"]
    return int(total or 0)


@dataclass(frozen=True)
class DayTotals:
    day: date
    checks: int
    caught: int
    discarded: int
    held: int
    ham: int
    false_positives: int
    missed_spam: int


def daily_totals(days: int = 14, today: date | None = None) -> list[DayTotals]:
    """Every pool's counts for the last ``days`` days, newest first, zero-filled."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    found = {
        row["day"]: row
        for row in DailyCount.objects.filter(day__gte=first, day__lte=today)
        .values("day")
        .annotate(
            checks=Sum("checks"), ham=Sum("ham"), held=Sum("held"), spam=Sum("spam"),
            discarded=Sum("discarded"), missed_spam=Sum("missed_spam"),
            false_positives=Sum("false_positives"),
        )
    }
    out = []
    for offset in range(days):
        day = today - timedelta(days=offset)
        row = found.get(day, {})
        out.append(
            DayTotals(
                day=day,
                checks=row.get("checks", 0) or 0,
                caught=(row.get("spam", 0) or 0) + (row.get("discarded", 0) or 0),
                discarded=row.get("discarded", 0) or 0,
                held=row.get("held", 0) or 0,
                ham=row.get("ham", 0) or 0,
                false_positives=row.get("false_positives", 0) or 0,
                missed_spam=row.get("missed_spam", 0) or 0,
            )
        )
    return out

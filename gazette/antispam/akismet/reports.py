"""What the Akismet API reports of a key's usage: key-sites, get-stats and the WordPress
plugin's statistics frames (``charts``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from ..models import ApiKey, UsageCount

# key-sites' `order` values (Akismet's column names), all sorted largest first.
SITE_ORDERS = {
    "total": "calls",
    "api_calls": "calls",
    "spam": "spam",
    "ham": "ham",
    "missed_spam": "missed_spam",
    "false_positives": "false_positives",
    "is_revoked": "is_revoked",
}


@dataclass(frozen=True)
class SiteUsage:
    site: str
    calls: int
    spam: int
    ham: int
    missed_spam: int
    false_positives: int
    is_revoked: bool


@dataclass(frozen=True)
class SitesPage:
    month: str
    sites: list[SiteUsage]
    total: int
    limit: int
    offset: int


def parse_month(value: str | None) -> date | None:
    """``YYYY-MM`` to the first day of that month, or None."""
    value = (value or "").strip()
    if len(value) != 7 or value[4] != "-":
        return None
    try:
        return date(int(value[:4]), int(value[5:]), 1)
    except ValueError:
        return None


def key_sites(
    api_key: ApiKey,
    *,
    month: date,
    order: str = "total",
    limit: int = 500,
    offset: int = 0,
    url_filter: str = "",
) -> SitesPage:
    """The key's active sites in a month with their counts, largest first."""
    revoked = {s.host for s in api_key.sites.all() if s.is_revoked}
    rows = UsageCount.objects.filter(api_key=api_key, month=month)
    if url_filter:
        rows = rows.filter(site__icontains=url_filter.strip()[:255])
    sites = [
        SiteUsage(r.site, r.calls, r.spam, r.ham, r.missed_spam, r.false_positives,
                  r.site in revoked)
        for r in rows
    ]
    attribute = SITE_ORDERS.get(order, "calls")
    sites.sort(key=lambda s: s.site)
    sites.sort(key=lambda s: getattr(s, attribute), reverse=True)
    return SitesPage(month.strftime("%Y-%m"), sites[offset: offset + limit], len(sites),
                     limit, offset)


def stats_since(period: str | None, today: date | None = None) -> date | None:
    """The first month a get-stats period (``from``: ``all``, ``6-months``, ``60-days``)
    covers; None for all time, and for periods it does not know. Counts are kept by month,
    so a period starts at the first day of the month it begins in."""
    today = today or timezone.now().date()
    period = (period or "").strip().lower()
    if period == "6-months":
        month = today.month - 5
        year = today.year + (month - 1) // 12
        return date(year, (month - 1) % 12 + 1, 1)
    if period == "60-days":
        return (today - timedelta(days=60)).replace(day=1)
    return None


@dataclass(frozen=True)
class StatsCounts:
    spam: int = 0
    ham: int = 0
    missed_spam: int = 0
    false_positives: int = 0

    def __add__(self, other: StatsCounts) -> StatsCounts:
        return StatsCounts(self.spam + other.spam, self.ham + other.ham,
                           self.missed_spam + other.missed_spam,
                           self.false_positives + other.false_positives)

    @property
    def accuracy(self) -> float:
        """Per cent of answered checks a moderator did not correct (100 before any)."""
        answered = self.spam + self.ham
        if not answered:
            return 100.0
        wrong = min(answered, self.missed_spam + self.false_positives)
        return round(100.0 * (answered - wrong) / answered, 2)


@dataclass(frozen=True)
class SiteStats:
    totals: StatsCounts
    months: dict[str, StatsCounts]


def site_stats(api_key: ApiKey, site: str = "", since: date | None = None) -> SiteStats:
    """A key's counts for one site (every site when empty), in total and by month."""
    rows = UsageCount.objects.filter(api_key=api_key)
    if site:
        rows = rows.filter(site=site)
    if since is not None:
        rows = rows.filter(month__gte=since)
    months: dict[str, StatsCounts] = {}
    for row in rows.order_by("month"):
        label = row.month.strftime("%Y-%m")
        months[label] = months.get(label, StatsCounts()) + StatsCounts(
            row.spam, row.ham, row.missed_spam, row.false_positives)
    return SiteStats(sum(months.values(), StatsCounts()), months)

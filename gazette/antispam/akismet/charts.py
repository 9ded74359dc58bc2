"""Monthly statistics as bar charts drawn on the server (SVG), for the WordPress plugin's
statistics frames: no script and nothing loaded from elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from ..models import ApiKey
from .reports import SiteStats, StatsCounts, site_stats, stats_since

# What each bar counts, in the order drawn, with the class that colours it.
SERIES: tuple[tuple[str, str], ...] = (
    ("spam", "Spam blocked"),
    ("ham", "Legitimate"),
    ("missed_spam", "Missed spam"),
    ("false_positives", "False positives"),
)


def last_months(stats: SiteStats, count: int, today: date) -> list[tuple[date, StatsCounts]]:
    """The ``count`` months up to ``today``'s, oldest first, with zeros where nothing was
    counted."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    return [(m, stats.months.get(m.strftime("%Y-%m"), StatsCounts())) for m in months]


@dataclass(frozen=True)
class Bar:
    series: str
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass(frozen=True)
class Column:
    month: date
    label: str
    label_x: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Gridline:
    y: float
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    columns: tuple[Column, ...]
    gridlines: tuple[Gridline, ...]
    series: tuple[tuple[str, str], ...]


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2 and 5 times a power of ten that is at least ``value``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def monthly_chart(
    months: list[tuple[date, StatsCounts]],
    *,
    series: tuple[str, ...] = ("spam", "ham"),
    width: int = 640,
    height: int = 200,
) -> Chart:
    """Grouped bars, one group a month, scaled to the largest count (at least 1)."""
    names = dict(SERIES)
    unknown = [s for s in series if s not in names]
    if unknown:
        raise ValueError(f"unknown series: {unknown}")
    left, right, top, bottom = 44.0, 8.0, 8.0, 22.0
    plot_height = max(1.0, height - top - bottom)
    top_value = _nice_ceiling(max([1] + [getattr(c, s) for _, c in months for s in series]))
    slot = (width - left - right) / max(1, len(months))
    bar_width = slot * 0.8 / max(1, len(series))
    columns = []
    for i, (month, counts) in enumerate(months):
        x0 = left + i * slot + slot * 0.1
        bars = []
        for j, name in enumerate(series):
            value = int(getattr(counts, name))
            h = plot_height * value / top_value
            bars.append(Bar(name, round(x0 + j * bar_width, 2), round(top + plot_height - h, 2),
                            round(bar_width, 2), round(h, 2), value))
        columns.append(Column(month, month.strftime("%b"), round(left + (i + 0.5) * slot, 2),
                              tuple(bars)))
    gridlines = tuple(
        Gridline(round(top + plot_height * (1 - k / 4), 2), top_value * k // 4)
        for k in range(5)
        if top_value * k % 4 == 0
    )
    return Chart(width, height, top, top + plot_height, tuple(columns), gridlines,
                 tuple((s, names[s]) for s in series))


LEGEND_HEIGHT = 30


def _accuracy(counts: StatsCounts) -> str:
    return f"{counts.accuracy:g}%"


def frame_context(api_key: ApiKey, site: str, *, detailed: bool, height: str = "",
                  today: date | None = None) -> dict[str, object]:
    """What a statistics frame shows of a key's counts for one site: the snapshot, six
    months of bars in a frame ``height`` pixels high (100-600, 200 when not a number; the
    legend takes its last 30); the detailed page, totals, a year of bars and every month."""
    today = today or timezone.localdate()
    stats = site_stats(api_key, site)
    if not detailed:
        pixels = int(height) if height.isdigit() else 200
        chart = monthly_chart(last_months(stats, 6, today),
                              height=min(600, max(100, pixels)) - LEGEND_HEIGHT)
        return {"site": site, "charts": [
            {"caption": "Spam blocked and legitimate comments, last six months", "chart": chart}]}
    since = stats_since("6-months", today)
    assert since is not None
    recent = sum((c for m, c in stats.months.items() if m >= since.strftime("%Y-%m")),
                 StatsCounts())
    year = last_months(stats, 12, today)
    return {
        "site": site,
        "periods": [
            {"title": "Past six months", "counts": recent, "accuracy": _accuracy(recent)},
            {"title": "All time", "counts": stats.totals, "accuracy": _accuracy(stats.totals)},
        ],
        "charts": [
            {"caption": "Spam blocked and legitimate comments, last twelve months",
             "chart": monthly_chart(year, height=220)},
            {"caption": "What moderators corrected: missed spam and false positives",
             "chart": monthly_chart(year, series=("missed_spam", "false_positives"),
                                    height=160)},
        ],
        "table": [
            {"month": date(int(m[:4]), int(m[5:7]), 1), "counts": c, "accuracy": _accuracy(c)}
            for m, c in sorted(stats.months.items(), reverse=True)
        ],
    }

"""Trends as drawn charts: relevant items per day (by publish day, Asia/Shanghai) by category
and by town, laid out here as stacked-bar geometry that templates/chart.svg draws as inline
SVG — server-side, autoescaped, no script and nothing fetched at run time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from alerts.localtime import DEFAULT_TIMEZONE, to_local
from pipeline.models import ScoredItem, parse_time
from pipeline.storage.base import ItemQuery, ItemStore

PALETTE = (
    "#3b6fb6",
    "#d9822b",
    "#3f9c5a",
    "#c23b3b",
    "#8a5fbf",
    "#8c6d4f",
    "#d064a8",
    "#6f7782",
    "#a8a532",
    "#2ba3b5",
    "#4f6d8f",
    "#b5651d",
)
OTHER_COLOUR = "#aab2bd"  # "no category", "county-wide", "elsewhere": always grey
WIDTH, HEIGHT = 1200, 300
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 14, 40
PAGE = 1000
MAX_ITEMS = 20_000

GREY_KEYS = frozenset({"none", "other"})

Counts = dict[date, dict[str, int]]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass
class StackedChart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    legend: list[tuple[str, str, int]] = field(default_factory=list)  # colour, label, total
    baseline: float = HEIGHT - BOTTOM
    total: int = 0
    unit: str = "条"


def window_items(store: ItemStore, base: ItemQuery, start: datetime) -> list[ScoredItem]:
    """Items crawled since `start` (every item published since then is among them)."""
    found: list[ScoredItem] = []
    while len(found) < MAX_ITEMS:
        since = start.astimezone(UTC).isoformat()  # the stores compare ISO strings
        query = ItemQuery(**{**base.__dict__, "since": since, "limit": PAGE})
        query.offset = len(found)
        page = store.search(query)
        found += page
        if len(page) < PAGE:
            break
    return found


def per_day(
    items: Iterable[ScoredItem],
    days: list[date],
    keys: Callable[[ScoredItem], Iterable[str]],
    tz: str = DEFAULT_TIMEZONE,
) -> Counts:
    counts: Counts = {d: defaultdict(int) for d in days}
    for item in items:
        day = to_local(parse_time(item.published_at), tz).date()
        if day in counts:
            for key in keys(item):
                counts[day][key] += 1
    return counts


def last_days(now: datetime, n: int, tz: str = DEFAULT_TIMEZONE) -> list[date]:
    today = to_local(now, tz).date()
    return [today - timedelta(days=i) for i in range(n - 1, -1, -1)]


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if value <= step * 4:
            return step * 4
    return value


def stacked_chart(
    title: str,
    days: list[Any],
    series: list[tuple[str, str]],
    counts: dict[Any, dict[str, int]],
    unit: str = "条",
    label: Callable[[Any], str] = lambda day: f"{day:%m-%d}",
) -> StackedChart:
    """Bars per slot (a day by default; `label` names a slot) stacked by series (`(key,
    label)` in drawing order)."""
    chart = StackedChart(title, unit=unit)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((sum(c.values()) for c in counts.values()), default=0) or 1)
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.7, 2)
    colours = {key: PALETTE[i % len(PALETTE)] for i, (key, _) in enumerate(series)}
    colours.update({key: OTHER_COLOUR for key, _ in series if key in GREY_KEYS})
    for i in range(5):
        value = top * i / 4
        chart.y_ticks.append((chart.baseline - plot_h * i / 4, f"{value:g}"))
    label_every = max(1, len(days) // 10)
    for i, day in enumerate(days):
        x = LEFT + slot * i + (slot - bar_w) / 2
        y = chart.baseline
        for key, name in series:
            n = counts[day].get(key, 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            chart.bars.append(Bar(x, y, bar_w, h, colours[key], f"{label(day)} {name}: {n}"))
        if i % label_every == 0 or i == len(days) - 1:
            chart.x_labels.append((x + bar_w / 2, label(day)))
    for key, name in series:
        total = sum(counts[d].get(key, 0) for d in days)
        chart.legend.append((colours[key], name, total))
        chart.total += total
    return chart


MAX_HOURS = 72  # a longer spread is drawn per day
REPLY = "reply"


def propagation_chart(
    items: list[ScoredItem], source_labels: dict[str, str], tz: str = DEFAULT_TIMEZONE
) -> StackedChart | None:
    """A case's evidence per hour of publication (per day past three days), stacked by source
    type, with replies and comments apart: how the event spread. None without items."""
    if not items:
        return None
    times = [to_local(parse_time(it.published_at), tz) for it in items]
    first, last = min(times), max(times)
    hourly = (last - first) <= timedelta(hours=MAX_HOURS)
    step = timedelta(hours=1) if hourly else timedelta(days=1)

    def slot(t: datetime) -> datetime:
        return t.replace(minute=0, second=0, microsecond=0, **({} if hourly else {"hour": 0}))

    slots = [slot(first)]
    while slots[-1] < slot(last):
        slots.append(slots[-1] + step)
    counts: dict[Any, dict[str, int]] = {s: defaultdict(int) for s in slots}
    for item, t in zip(items, times, strict=True):
        counts[slot(t)][REPLY if item.parent_id else item.source_type] += 1
    present = {k for c in counts.values() for k in c}
    series = [(k, v) for k, v in source_labels.items() if k in present]
    series += [(k, k) for k in sorted(present - set(source_labels) - {REPLY})]
    series += [(REPLY, "跟帖/回复")] if REPLY in present else []
    unit_label = (lambda t: f"{t:%d日%H时}") if hourly else (lambda t: f"{t:%m-%d}")
    title = "传播过程：每小时信息数（按来源）" if hourly else "传播过程：每日信息数（按来源）"
    return stacked_chart(title, slots, series, counts, label=unit_label)

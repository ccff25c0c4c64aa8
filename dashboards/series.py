"""Turn daily answer counts into scored periods with their uncertainty."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from feedback.core import local_time
from feedback.insight import metrics

# The answers that count as a success for each kind's headline proportion.
SUCCESS: dict[str, frozenset[str]] = {
    "rating5": frozenset({"4", "5"}),
    "yes_no": frozenset({"1"}),
    "nps": frozenset({"9", "10"}),
    "ces7": frozenset({"5", "6", "7"}),
}
VALID: dict[str, frozenset[str]] = {
    "rating5": frozenset(str(v) for v in range(1, 6)),
    "yes_no": frozenset({"0", "1"}),
    "nps": frozenset(str(v) for v in range(0, 11)),
    "ces7": frozenset(str(v) for v in range(1, 8)),
}
ALL = "all"

Row = tuple[date, str, str, int]  # day, channel, value, count


def period_start(day: date, grain: str) -> date:
    """The first day of the week (Monday) or month holding `day`."""
    if grain == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def periods(since: date, until: date, grain: str) -> list[date]:
    """Every period start from `since` to `until`, so gaps show as gaps."""
    out: list[date] = []
    current = period_start(since, grain)
    while current <= until:
        out.append(current)
        if grain == "month":
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=7)
    return out


@dataclass(frozen=True)
class Point:
    """One period's successes out of valid answers, with its 95% Wilson interval."""

    period: date
    x: int
    n: int
    interval: metrics.Interval
    partial: bool = False  # not over yet, or cut short by the window's start or end

    @property
    def enough(self) -> bool:
        """False when the margin is too wide to conclude anything."""
        return metrics.enough_data(self.interval)


def tally(rows: Iterable[Row], kind: str) -> tuple[int, int]:
    """(successes, valid answers) over some rows."""
    x = n = 0
    for _, _, value, count in rows:
        if value in VALID[kind]:
            n += count
            if value in SUCCESS[kind]:
                x += count
    return x, n


def by_channel(
    rows: Iterable[Row], kind: str, *, since: date, until: date, grain: str, today: date
) -> dict[str, list[Point]]:
    """Scored periods per channel, plus ALL for every channel together; a period is partial
    when `since` or `until` cuts it or it is not over on `today` (the service's local day)."""
    cells: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    for day, channel, value, count in rows:
        if value not in VALID[kind]:
            continue
        start = period_start(day, grain)
        for key in (channel, ALL):
            cell = cells[(key, start)]
            cell[1] += count
            cell[0] += count if value in SUCCESS[kind] else 0
    spans = local_time.periods(since, until, grain, today)
    out: dict[str, list[Point]] = {}
    for key in sorted({k for k, _ in cells}):
        out[key] = [
            Point(
                s.start,
                cells[(key, s.start)][0],
                cells[(key, s.start)][1],
                metrics.wilson(*cells[(key, s.start)]),
                s.partial,
            )
            for s in spans
        ]
    return out


def distribution(rows: Iterable[Row], values: list[str]) -> dict[str, int]:
    """How many answers each value got, in the given order."""
    counts = dict.fromkeys(values, 0)
    for _, _, value, count in rows:
        if value in counts:
            counts[value] += count
    return counts

"""Page sections of the dashboards, computed from daily counts with their uncertainty.

A page first builds its changes (each with its interval and p-value), then `judge_all`
settles every verdict together, so the family control covers what the page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from dashboards import series
from dashboards.series import Row
from feedback.insight import headline as headlines
from feedback.insight import metrics, significance
from feedback.insight.headline import Measure
from feedback.insight.significance import Change


@dataclass(frozen=True)
class Headline:
    """A survey's headline over a range, the same over the range before, and the change."""

    current: Measure
    previous: Measure
    change: Change

    @property
    def enough(self) -> bool:
        """False when the current margin is over 10 points."""
        return self.current.enough


def counts(rows: Sequence[Row]) -> dict[int, int]:
    """Answers at each numeric value, summed over days and channels (for NPS and CES)."""
    return headlines.numeric(values(rows))


def values(rows: Sequence[Row]) -> dict[str, int]:
    """Answers at each stored value, summed over days and channels."""
    out: dict[str, int] = {}
    for _, _, value, count in rows:
        out[value] = out.get(value, 0) + count
    return out


def measure(rows: Sequence[Row], kind: str) -> Measure:
    """The survey's headline measure over some rows."""
    return headlines.measure(kind, values(rows))


def compare(now: Sequence[Row], then: Sequence[Row], kind: str) -> Headline:
    """A headline against an earlier one; the change's verdict awaits `judge_all`."""
    a, b = measure(now, kind), measure(then, kind)
    return Headline(a, b, headlines.change(a, b))


def judge_all(changes: Sequence[Change]) -> list[Change]:
    """Every change a page shows, judged as one family (Holm)."""
    return significance.judge(changes)


def judge_headlines(items: Sequence[Headline]) -> list[Headline]:
    """Headlines with their changes judged together."""
    judged = judge_all([h.change for h in items])
    return [replace(h, change=c) for h, c in zip(items, judged, strict=True)]


def last_whole_day(until: date, today: date) -> date:
    """The window's end, or yesterday if the window reaches today (today is not over)."""
    return min(until, today - timedelta(days=1))


def windows(since: date, until: date, days: int = 90) -> tuple[date, date, date, int]:
    """The last `days` of a range and the same length before: (start, previous start, end,
    length); halves of a range shorter than twice `days`."""
    window = max(1, min(days, ((until - since).days + 1) // 2))
    start = until - timedelta(days=window - 1)
    return start, start - timedelta(days=window), until, window


@dataclass(frozen=True)
class Spark:
    """A small trend line: SVG polyline points and the first and last whole-period values."""

    points: str
    first: float | None
    last: float | None


def sparkline(points: Sequence[series.Point], width: int = 120, height: int = 32) -> Spark:
    """Whole periods' estimates in a width x height box (0 % at the bottom); partial and empty
    periods are left out, so the line never ends on a period that is not over."""
    usable = [
        (i, p.interval.estimate)
        for i, p in enumerate(points)
        if p.interval.estimate is not None and not p.partial
    ]
    if len(points) < 2 or not usable:
        return Spark("", None, None)
    step = width / (len(points) - 1)
    line = " ".join(f"{i * step:.1f},{height - e * height:.1f}" for i, e in usable)
    return Spark(line, usable[0][1], usable[-1][1])


def score(rows: Sequence[Row], kind: str) -> metrics.Interval:
    """The headline share over all the rows, with its 95% interval."""
    return metrics.wilson(*series.tally(rows, kind))


@dataclass(frozen=True)
class Bar:
    """One answer value with its count and share, for a distribution table."""

    value: str
    label: str
    count: int
    share: float


def distribution(rows: Sequence[Row], choices: list[tuple[str, str]]) -> list[Bar]:
    """Count at each scale point (REFERENCE: publish CSAT with the count at each point)."""
    found = series.distribution(rows, [v for v, _ in choices])
    total = sum(found.values()) or 1
    return [Bar(v, label, found[v], found[v] / total) for v, label in choices]

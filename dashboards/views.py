"""Page sections of the dashboards, computed from daily counts with their uncertainty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dashboards import series
from dashboards.series import Row
from feedback.core.catalog import CHANNELS
from feedback.insight import metrics


@dataclass(frozen=True)
class Headline:
    """A score over a range, the same over the range before it, and whether it changed."""

    current: metrics.Interval
    previous: metrics.Interval
    change: metrics.Difference

    @property
    def enough(self) -> bool:
        """False when the current margin is over 10 points."""
        return metrics.enough_data(self.current)


def headline(rows: Sequence[Row], kind: str, *, since: date, until: date) -> Headline:
    """Score in [since, until] against the same number of days just before."""
    length = (until - since).days + 1
    before = since - timedelta(days=length)
    now = [r for r in rows if since <= r[0] <= until]
    then = [r for r in rows if before <= r[0] < since]
    x1, n1 = series.tally(now, kind)
    x0, n0 = series.tally(then, kind)
    return Headline(
        metrics.wilson(x1, n1), metrics.wilson(x0, n0), metrics.newcombe_diff(x1, n1, x0, n0)
    )


def compare(now: Sequence[Row], then: Sequence[Row], kind: str) -> Headline:
    """A score against an earlier one, from rows already narrowed to each window."""
    x1, n1 = series.tally(now, kind)
    x0, n0 = series.tally(then, kind)
    return Headline(
        metrics.wilson(x1, n1), metrics.wilson(x0, n0), metrics.newcombe_diff(x1, n1, x0, n0)
    )


def windows(since: date, until: date, days: int = 90) -> tuple[date, date, date, int]:
    """The last `days` of a range and the same length before: (start, previous start, end,
    length); halves of a range shorter than twice `days`."""
    window = max(1, min(days, ((until - since).days + 1) // 2))
    start = until - timedelta(days=window - 1)
    return start, start - timedelta(days=window), until, window


def recent_change(
    rows: Sequence[Row], kind: str, *, since: date, until: date, days: int = 90
) -> tuple[Headline, int]:
    """The last `days` of a range against the `days` just before (halves of a short range)."""
    window = max(1, min(days, ((until - since).days + 1) // 2))
    return headline(rows, kind, since=until - timedelta(days=window - 1), until=until), window


def score(rows: Sequence[Row], kind: str) -> metrics.Interval:
    """The score over all the rows, with its 95% interval."""
    return metrics.wilson(*series.tally(rows, kind))


@dataclass(frozen=True)
class Spark:
    """A small trend line: SVG polyline points and the first and last estimates."""

    points: str
    first: float | None
    last: float | None


def sparkline(points: Sequence[series.Point], width: int = 120, height: int = 32) -> Spark:
    """Estimates mapped into a width x height box (0 % at the bottom); empty periods skipped."""
    usable = [
        (i, p.interval.estimate) for i, p in enumerate(points) if p.interval.estimate is not None
    ]
    if len(points) < 2 or not usable:
        return Spark("", None, None)
    step = width / (len(points) - 1)
    line = " ".join(f"{i * step:.1f},{height - e * height:.1f}" for i, e in usable)
    return Spark(line, usable[0][1], usable[-1][1])


@dataclass(frozen=True)
class ModeScore:
    """Self-service or assisted: share of responses and score with interval."""

    mode: str
    responses: int
    share: float
    score: metrics.Interval


def by_mode(rows: Sequence[Row], kind: str, volume: dict[str, int]) -> list[ModeScore]:
    """Compare channels where people served themselves with those where a person helped."""
    total = sum(volume.values()) or 1
    out = []
    for mode in ("self_service", "assisted"):
        channels = {c for c, ch in CHANNELS.items() if ch.mode == mode}
        x, n = series.tally([r for r in rows if r[1] in channels], kind)
        responses = sum(v for c, v in volume.items() if c in channels)
        out.append(ModeScore(mode, responses, responses / total, metrics.wilson(x, n)))
    return out


@dataclass(frozen=True)
class Bar:
    """One answer value with its count and share, for a distribution table."""

    value: str
    label: str
    count: int
    share: float


def distribution(rows: Sequence[Row], values: list[tuple[str, str]]) -> list[Bar]:
    """Count at each scale point (REFERENCE: publish CSAT with the count at each point)."""
    counts = series.distribution(rows, [v for v, _ in values])
    total = sum(counts.values()) or 1
    return [Bar(v, label, counts[v], counts[v] / total) for v, label in values]


def counts(rows: Sequence[Row]) -> dict[int, int]:
    """Answers at each numeric value, summed over days and channels (for NPS and CES)."""
    out: dict[int, int] = {}
    for _, _, value, count in rows:
        if value.lstrip("-").isdigit():
            out[int(value)] = out.get(int(value), 0) + count
    return out

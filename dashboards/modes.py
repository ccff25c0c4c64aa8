"""Digital and human: self-service channels against those where a person helps.

Per period, each mode's share of responses and score, and the gap between them with its
Newcombe interval; where people first tried before the channel they answered from; and
each channel's score on each driver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from dashboards import series
from dashboards.series import Point, Row
from feedback.core.catalog import CHANNELS
from feedback.insight import metrics

MODES = ("self_service", "assisted")
NO_OTHER = "no"  # the "tried another way first?" option for a first try


def mode_of(channel: str) -> str | None:
    """self_service or assisted; None for a channel not in the vocabulary."""
    found = CHANNELS.get(channel)
    return found.mode if found else None


def trend_by_mode(
    rows: Sequence[Row], kind: str, *, since: date, until: date, grain: str
) -> dict[str, list[Point]]:
    """Scored periods per mode (and ALL), from rows per channel."""
    mapped = [(d, mode, v, n) for d, c, v, n in rows if (mode := mode_of(c)) is not None]
    return series.by_channel(mapped, kind, since=since, until=until, grain=grain)


@dataclass(frozen=True)
class Gap:
    """Assisted minus self-service in one period, with its Newcombe interval."""

    period: date
    self_service: Point
    assisted: Point
    difference: metrics.Difference


def gaps(by_mode: Mapping[str, list[Point]]) -> list[Gap]:
    """The satisfaction gap per period; empty unless both modes have answers."""
    selfs, helped = by_mode.get("self_service"), by_mode.get("assisted")
    if not selfs or not helped:
        return []
    return [
        Gap(s.period, s, a, metrics.newcombe_diff(a.x, a.n, s.x, s.n))
        for s, a in zip(selfs, helped, strict=True)
    ]


@dataclass(frozen=True)
class Share:
    """Responses per mode in one period."""

    period: date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Responses in both modes."""
        return sum(self.counts.values())

    def share(self, mode: str) -> float | None:
        """The mode's share of the period's responses."""
        return self.counts.get(mode, 0) / self.total if self.total else None


def shares(
    rows: Sequence[tuple[str, date, str, int]], *, since: date, until: date, grain: str
) -> list[Share]:
    """Each period's responses by mode, from (survey, period, channel, count) rows."""
    cells: dict[date, dict[str, int]] = {
        p: dict.fromkeys(MODES, 0) for p in series.periods(since, until, grain)
    }
    for _, day, channel, n in rows:
        mode = mode_of(channel)
        start = series.period_start(day, grain)
        if mode is not None and start in cells:
            cells[start][mode] += n
    return [Share(p, c) for p, c in cells.items()]


@dataclass(frozen=True)
class Link:
    """People who answered on `target` after first trying `source` (or NO_OTHER)."""

    source: str
    target: str
    n: int


def flow(rows: Sequence[tuple[str, str, int]]) -> list[Link]:
    """Links from first channel tried to the channel answered on, largest first."""
    cells: dict[tuple[str, str], int] = {}
    for channel, value, n in rows:
        if value == NO_OTHER or value in CHANNELS:
            cells[(value, channel)] = cells.get((value, channel), 0) + n
    links = [Link(s, t, n) for (s, t), n in cells.items() if n]
    return sorted(links, key=lambda link: (-link.n, link.source, link.target))


def heat(
    kinds: Mapping[int, str], answers: Mapping[int, Sequence[tuple[str, str, int]]]
) -> dict[tuple[str, int], metrics.Interval]:
    """Top-2-box score of each (channel, question), with its Wilson interval."""
    tallies: dict[tuple[str, int], list[int]] = {}
    for question, rows in answers.items():
        kind = kinds[question]
        for channel, value, n in rows:
            if value in series.VALID[kind]:
                cell = tallies.setdefault((channel, question), [0, 0])
                cell[1] += n
                cell[0] += n if value in series.SUCCESS[kind] else 0
    return {key: metrics.wilson(x, n) for key, (x, n) in tallies.items()}

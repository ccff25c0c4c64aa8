"""Digital and human: self-service channels against those where a person helps.

Per period, each mode's share of responses and score, standardised to the mode's own channel
mix over the range shown (so a shift from phone to chat is not read as a change in quality),
and the gap between them with its Newcombe interval, judged as one family (Holm); where
people first tried before the channel they answered from; and each channel's score on each
driver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from dashboards import series
from dashboards.series import Point, Row
from feedback.core import local_time
from feedback.core.catalog import CHANNELS
from feedback.insight import metrics, significance
from feedback.insight.intervals import _wilson_limits
from feedback.insight.significance import Change

MODES = ("self_service", "assisted")
NO_OTHER = "no"  # the "tried another way first?" option for a first try


def mode_of(channel: str) -> str | None:
    """self_service or assisted; None for a channel not in the vocabulary."""
    found = CHANNELS.get(channel)
    return found.mode if found else None


@dataclass(frozen=True)
class ModePoint(Point):
    """A mode's standardised share in one period, with its effective counts."""

    x_eff: float = 0.0
    n_eff: float = 0.0


# A period's standardised share is left out when channels carrying more than this share of
# the mode's weight have no answers in it (re-weighting the rest would bring the mix back).
MAX_MISSING_WEIGHT = 0.05


def weights(rows: Sequence[Row], kind: str) -> dict[str, dict[str, float]]:
    """Each channel's share of its mode's valid answers over all the rows (the fixed mix)."""
    totals: dict[str, dict[str, int]] = {m: {} for m in MODES}
    for _, channel, value, n in rows:
        mode = mode_of(channel)
        if mode is not None and value in series.VALID[kind]:
            totals[mode][channel] = totals[mode].get(channel, 0) + n
    return {m: {c: n / sum(cs.values()) for c, n in cs.items()} for m, cs in totals.items() if cs}


def standardised(
    cells: Mapping[str, tuple[int, int]], mix: Mapping[str, float]
) -> tuple[float, float, int] | None:
    """(share, effective n, answers) of a mode weighted to `mix`; None if too much is missing.

    The effective n is Kish's for a stratified share, (sum of w^2 / n)^-1, so a Wilson
    interval on it has about the width of the weighted share's own.
    """
    present = {c: w for c, w in mix.items() if cells.get(c, (0, 0))[1] > 0}
    if not present or 1 - sum(present.values()) > MAX_MISSING_WEIGHT:
        return None
    total = sum(present.values())
    p = sum(w / total * cells[c][0] / cells[c][1] for c, w in present.items())
    n_eff = 1 / sum((w / total) ** 2 / cells[c][1] for c, w in present.items())
    return p, n_eff, sum(cells[c][1] for c in present)


def trend_by_mode(
    rows: Sequence[Row], kind: str, *, since: date, until: date, grain: str, today: date
) -> dict[str, list[ModePoint]]:
    """Each mode's share per period, standardised to the mode's channel mix over the range."""
    per_channel = series.by_channel(rows, kind, since=since, until=until, grain=grain, today=today)
    mix = weights(rows, kind)
    out: dict[str, list[ModePoint]] = {}
    for mode, shares in mix.items():
        points = []
        for i, start in enumerate(next(iter(per_channel.values()))):
            cells = {c: (per_channel[c][i].x, per_channel[c][i].n) for c in shares}
            found = standardised(cells, shares)
            if found is None:
                iv = metrics.Interval(None, None, None, 0)
                points.append(ModePoint(start.period, 0, 0, iv, start.partial))
                continue
            p, n_eff, n = found
            low, high = _wilson_limits(p * n_eff, n_eff, 1.96)
            iv = metrics.Interval(p, low, high, n)
            points.append(
                ModePoint(start.period, round(p * n), n, iv, start.partial, p * n_eff, n_eff)
            )
        out[mode] = points
    return out


@dataclass(frozen=True)
class Gap:
    """Assisted minus self-service in one period, in points, with what it may claim."""

    period: date
    self_service: ModePoint
    assisted: ModePoint
    difference: Change

    @property
    def partial(self) -> bool:
        """The period is not over or is cut short: no claim is made on it."""
        return self.self_service.partial


def gaps(by_mode: Mapping[str, list[ModePoint]]) -> list[Gap]:
    """The gap per period, every whole period's judged together; empty unless both modes."""
    selfs, helped = by_mode.get("self_service"), by_mode.get("assisted")
    if not selfs or not helped:
        return []
    changes = []
    for s, a in zip(selfs, helped, strict=True):
        if s.partial or not s.n_eff or not a.n_eff:
            changes.append(Change(None, None, None, None, a.n, s.n, significance.NO_DATA))
        else:
            changes.append(significance.share_change(a.x_eff, a.n_eff, s.x_eff, s.n_eff))
    judged = significance.judge(changes)
    return [Gap(s.period, s, a, c) for s, a, c in zip(selfs, helped, judged, strict=True)]


@dataclass(frozen=True)
class Share:
    """Responses per mode in one period."""

    period: date
    counts: dict[str, int]
    partial: bool = False

    @property
    def total(self) -> int:
        """Responses in both modes."""
        return sum(self.counts.values())

    def share(self, mode: str) -> float | None:
        """The mode's share of the period's responses."""
        return self.counts.get(mode, 0) / self.total if self.total else None


def shares(
    rows: Sequence[tuple[str, date, str, int]],
    *,
    since: date,
    until: date,
    grain: str,
    today: date | None = None,
) -> list[Share]:
    """Each period's responses by mode, from (survey, period, channel, count) rows; with
    `today`, periods cut by the dates or not over yet are marked partial."""
    spans = local_time.periods(since, until, grain, today or date.max)
    partial = {p.start: p.partial and today is not None for p in spans}
    cells: dict[date, dict[str, int]] = {
        p: dict.fromkeys(MODES, 0) for p in series.periods(since, until, grain)
    }
    for _, day, channel, n in rows:
        mode = mode_of(channel)
        start = series.period_start(day, grain)
        if mode is not None and start in cells:
            cells[start][mode] += n
    return [Share(p, c, partial.get(p, False)) for p, c in cells.items()]


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


def overall_rate(cells: Mapping[tuple[str, int], metrics.Interval]) -> float | None:
    """The survey's rate over the whole heat map: good answers over all answers, every channel
    and question together (the heat map's colours are centred on it)."""
    n = sum(iv.n for iv in cells.values())
    good = sum(round((iv.estimate or 0) * iv.n) for iv in cells.values())
    return good / n if n else None

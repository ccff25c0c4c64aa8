"""Control charts: which whole periods fall outside what chance alone would allow.

Each period is judged against the whole periods just before it on the calendar (12 months
or 13 weeks: feedback.insight.control.BASELINE), with exact probability limits at its own
number of answers; partial periods are drawn but never judged. The page's charts are judged
together, so the page can say how many marks chance alone would give.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dashboards.figures import PARTIAL, month_axis, shown
from dashboards.panels import small_multiples
from dashboards.series import ALL, Point, period_start
from feedback.insight import control
from feedback.insight.control import Judgement, PageJudgement

SIGNAL = "#b3261e"
LIMIT = "#4a4a4a"


@dataclass(frozen=True)
class Control:
    """One channel's (or all channels') periods with what the chart says about each."""

    key: str
    points: list[Point]
    judgements: list[Judgement]

    @property
    def marks(self) -> list[tuple[Point, Judgement]]:
        """The periods outside their expected range."""
        return [(p, j) for p, j in zip(self.points, self.judgements, strict=True) if j.mark]

    @property
    def thin(self) -> bool:
        """No whole period with answers could be judged: the baseline is too thin."""
        return any(j.status == control.THIN for j in self.judgements) and not any(
            j.status == control.JUDGED for j in self.judgements
        )


@dataclass(frozen=True)
class ControlPage:
    """Every chart of a page, judged together."""

    charts: dict[str, Control]
    judgement: PageJudgement
    baseline: int  # periods in each baseline

    @property
    def thin(self) -> int:
        """Whole periods with answers left unjudged because their baseline is too thin."""
        return sum(j.status == control.THIN for c in self.charts.values() for j in c.judgements)


def control_charts(
    trend: Mapping[str, list[Point]],
    history: Mapping[str, list[Point]],
    grain: str,
    channels: int | None = None,
) -> ControlPage:
    """Judge each shown series against its rolling calendar baseline from `history`.

    `history` holds the same series from BASELINE periods before the first shown one to the
    last, counted over whole periods (not cut by the date filter), so a month is judged the
    same way whatever span the page shows; `channels` (the survey's) sizes the page's tail.
    """
    size = control.BASELINE.get(grain, 12)
    keys = sorted(trend, key=lambda k: (k != ALL, -sum(p.n for p in trend[k])))
    periods: dict[str, list[control.Period]] = {}
    for key in keys:
        past = history.get(key, [])
        index = {p.period: i for i, p in enumerate(past)}
        counts = [(p.x, p.n, p.partial) for p in past]
        rows = []
        for p in trend[key]:
            i = index.get(p.period)
            base_x, base_n = (0, 0)
            if i is not None:
                base_x, base_n = control.rolling_baselines(counts, i, size)[0]
            rows.append(control.Period(p.x, p.n, p.partial, base_x, base_n))
        periods[key] = rows
    # The survey's channels (and all together) fix the page's family, whatever the filters.
    family = None if channels is None else control.family_size(channels + 1, grain)
    page = control.judge_page(periods, family)
    charts = {k: Control(k, list(trend[k]), page.charts[k]) for k in keys}
    return ControlPage(charts, page, size)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _traces(c: Control, labels: Mapping[str, str]) -> list[dict[str, Any]]:
    xs = [p.period.isoformat() for p in c.points]
    js = c.judgements
    whole = [p for p in c.points if not p.partial]
    part = [p for p in c.points if p.partial]
    marks = c.marks
    step = {"shape": "hvh", "color": LIMIT, "width": 1.2, "dash": "dot"}
    return [
        dict(type="scatter", x=xs, y=[_pct(j.high) for j in js], mode="lines", line=step,
             name=labels["limits"], hoverinfo="skip", connectgaps=False),
        dict(type="scatter", x=xs, y=[_pct(j.low) for j in js], mode="lines", line=step,
             name=labels["limits"], hoverinfo="skip", connectgaps=False),
        dict(type="scatter", x=xs, y=[_pct(j.centre) if j.low is not None else None for j in js],
             mode="lines", name=labels["centre"], line={"color": LIMIT, "width": 1},
             hoverinfo="skip", connectgaps=False),
        dict(
            type="scatter",
            x=[p.period.isoformat() for p in whole],
            y=[_pct(p.interval.estimate) for p in whole], mode="lines+markers",
            name=labels["score"], line={"color": "#1d4e89", "width": 2},
            marker={"size": 6, "color": "#1d4e89"}, connectgaps=False,
            hovertext=[_hover(p, j, labels) for p, j in zip(c.points, js, strict=True)
                       if not p.partial],
            hoverinfo="text",
        ),
        dict(
            type="scatter", x=[p.period.isoformat() for p in part],
            y=[_pct(p.interval.estimate) for p in part], mode="markers", name=labels["partial"],
            marker={"symbol": "diamond-open", "size": 9, "color": PARTIAL, "line": {"width": 2}},
            cliponaxis=False,
            hovertext=[f"{p.period.isoformat()}: {labels['partial']} (n = {p.n})" for p in part],
            hoverinfo="text",
        ),
        dict(
            type="scatter",
            x=[p.period.isoformat() for p, _ in marks], y=[_pct(j.p) for _, j in marks],
            mode="markers", name=labels["signal"],
            marker={"symbol": "x", "size": 13, "color": SIGNAL, "line": {"width": 1}},
            hoverinfo="skip",
        ),
    ]  # fmt: skip


def _hover(p: Point, j: Judgement, labels: Mapping[str, str]) -> str:
    head = f"{p.period.isoformat()}: {shown(j.p, p)} % (n = {p.n})"
    if j.low is None:
        return f"{head}<br>{labels['not_judged']}"
    return f"{head}<br>{labels['limits']}: {shown(j.low, p)}–{shown(j.high, p)} %"


def figure(
    page: ControlPage, names: Mapping[str, str], labels: Mapping[str, str], lang: str
) -> str:
    """Small multiples: each series with its centre line, limits, partial periods and marks."""
    keys = list(page.charts)
    panels = [
        (names.get(k, k), [{**t, "showlegend": False} for t in _traces(page.charts[k], labels)])
        for k in keys
    ]
    axis: dict[str, Any] = month_axis(page.charts[keys[0]].points, lang, 4) if keys else {}
    return small_multiples(
        panels,
        xaxis={"showgrid": False, **axis},
        layout={"hovermode": "closest"},
    )


def history_since(since: date, grain: str) -> date:
    """The first day of the baseline of the first period shown (from `since`)."""
    first = period_start(since, grain)
    size = control.BASELINE.get(grain, 12)
    if grain == "month":
        index = first.year * 12 + first.month - 1 - size
        return date(index // 12, index % 12 + 1, 1)
    return first - timedelta(weeks=size)

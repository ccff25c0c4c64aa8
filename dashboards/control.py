"""Control charts (p-charts): which periods' scores fall outside what noise would allow.

The limits come from a baseline: the first half of the periods shown (at least one). A
manager reads the second half against settled behaviour, and a change made in the second
half shows as points outside the limits. REFERENCE.md has the formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboards.figures import month_axis, small_multiples
from dashboards.series import ALL, Point
from feedback.insight import metrics

SIGNAL = "#b3261e"
LIMIT = "#4a4a4a"


@dataclass(frozen=True)
class Control:
    """One channel's (or all channels') periods with their control limits."""

    key: str
    points: list[Point]
    chart: metrics.PChart

    @property
    def signals(self) -> list[tuple[Point, metrics.PChartPoint]]:
        """The periods outside their limits."""
        return [(p, c) for p, c in zip(self.points, self.chart.points, strict=True) if c.signal]


def baseline(periods: int) -> slice:
    """The first half of the periods (at least one) set the centre line."""
    return slice(0, max(1, periods // 2))


def control_charts(trend: Mapping[str, list[Point]]) -> dict[str, Control]:
    """A p-chart for every series of a trend (ALL first, then channels by volume)."""
    keys = sorted(trend, key=lambda k: (k != ALL, -sum(p.n for p in trend[k])))
    out = {}
    for key in keys:
        points = trend[key]
        chart = metrics.p_chart([(p.x, p.n) for p in points], baseline=baseline(len(points)))
        out[key] = Control(key, points, chart)
    return out


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _traces(control: Control, labels: Mapping[str, str]) -> list[dict[str, Any]]:
    xs = [p.period.isoformat() for p in control.points]
    cps = control.chart.points
    centre = _pct(control.chart.centre)
    signals = control.signals
    step = {"shape": "hvh", "color": LIMIT, "width": 1.2, "dash": "dot"}
    return [
        dict(type="scatter", x=xs, y=[_pct(c.high) for c in cps], mode="lines", line=step,
             name=labels["limits"], hoverinfo="skip", connectgaps=False),
        dict(type="scatter", x=xs, y=[_pct(c.low) for c in cps], mode="lines", line=step,
             name=labels["limits"], hoverinfo="skip", connectgaps=False),
        dict(type="scatter", x=xs, y=[centre] * len(xs), mode="lines", name=labels["centre"],
             line={"color": LIMIT, "width": 1}, hoverinfo="skip"),
        dict(
            type="scatter",
            x=xs, y=[_pct(c.p) for c in cps], mode="lines+markers", name=labels["score"],
            line={"color": "#1d4e89", "width": 2}, marker={"size": 6, "color": "#1d4e89"},
            connectgaps=False,
            hovertext=[
                f"{p.period.isoformat()}: {_pct(c.p)} % (n = {p.n})<br>"
                f"{labels['limits']}: {_pct(c.low)}–{_pct(c.high)} %"
                for p, c in zip(control.points, cps, strict=True)
            ],
            hoverinfo="text",
        ),
        dict(
            type="scatter",
            x=[p.period.isoformat() for p, _ in signals], y=[_pct(c.p) for _, c in signals],
            mode="markers", name=labels["signal"],
            marker={"symbol": "x", "size": 13, "color": SIGNAL, "line": {"width": 1}},
            hoverinfo="skip",
        ),
    ]  # fmt: skip


def figure(
    controls: Mapping[str, Control], names: Mapping[str, str], labels: Mapping[str, str], lang: str
) -> str:
    """Small multiples: each series with its centre line, limits and signals marked."""
    keys = list(controls)
    panels = [
        (names.get(k, k), [{**t, "showlegend": False} for t in _traces(controls[k], labels)])
        for k in keys
    ]
    axis: dict[str, Any] = month_axis(controls[keys[0]].points, lang, 4) if keys else {}
    return small_multiples(
        panels,
        xaxis={"showgrid": False, **axis},
        layout={"hovermode": "closest"},
    )

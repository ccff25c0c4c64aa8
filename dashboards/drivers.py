"""Drivers of satisfaction: how each one scores and how strongly it moves with the overall.

Importance is Pearson's correlation between a driver's answer and the same person's overall
answer, from the daily cross-tab of the two (AnswerPairDay); performance is the driver's
top-2-box share. A driver that matters much and scores low is the one to work on first.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

import plotly.graph_objects as go

from dashboards import series
from dashboards.figures import FONT, to_json
from feedback.insight import metrics

ACCENT = "#1d4e89"
FOCUS = "#9a4a00"
WRAP = 22  # characters per line of a driver's name on the chart


@dataclass(frozen=True)
class DriverQuestion:
    """A driver question as the page names it."""

    question_id: int
    kind: str
    name: str  # the driver's short name ("Timeliness")
    text: str  # the question as asked


@dataclass(frozen=True)
class Driver:
    """A driver's performance (top-2-box) and importance (correlation with the overall)."""

    question: DriverQuestion
    performance: metrics.Interval
    importance: metrics.Correlation
    counts: dict[str, int]

    @property
    def enough(self) -> bool:
        """Enough answers for both numbers to mean something."""
        return metrics.enough_data(self.performance) and self.importance.low is not None


def assess(
    questions: Sequence[DriverQuestion],
    answers: Mapping[int, Sequence[tuple[str, str, int]]],
    pairs: Mapping[int, Mapping[tuple[str, str], int]],
) -> list[Driver]:
    """Each driver's numbers, most important first (unknown importance last)."""
    out = []
    for q in questions:
        valid = series.VALID[q.kind]
        counts = {v: 0 for v in sorted(valid, key=int)}
        for _, value, n in answers.get(q.question_id, ()):
            if value in counts:
                counts[value] += n
        x = sum(n for v, n in counts.items() if v in series.SUCCESS[q.kind])
        crosstab = {
            (float(v), float(o)): n
            for (v, o), n in pairs.get(q.question_id, {}).items()
            if v.lstrip("-").isdigit() and o.lstrip("-").isdigit()
        }
        out.append(
            Driver(
                q, metrics.wilson(x, sum(counts.values())), metrics.correlation(crosstab), counts
            )
        )
    return sorted(out, key=lambda d: -(d.importance.r if d.importance.r is not None else -2))


def guides(drivers: Sequence[Driver]) -> tuple[float, float] | None:
    """The medians of performance and importance that split the chart into quadrants."""
    known = [
        d for d in drivers if d.importance.r is not None and d.performance.estimate is not None
    ]
    if not known:
        return None
    return (
        median(d.performance.estimate for d in known if d.performance.estimate is not None),
        median(d.importance.r for d in known if d.importance.r is not None),
    )


def priorities(drivers: Sequence[Driver]) -> list[Driver]:
    """Drivers at or above the median importance and below the median performance."""
    split = guides(drivers)
    if split is None or len(drivers) < 2:
        return []
    perf, imp = split
    return [
        d
        for d in drivers
        if d.importance.r is not None
        and d.performance.estimate is not None
        and d.importance.r >= imp
        and d.performance.estimate < perf
    ]


def _bars(
    values: Sequence[tuple[float | None, float | None, float | None]], scale: float
) -> dict[str, object]:
    """Asymmetric error bars from (estimate, low, high); no bar where a limit is unknown."""
    up = [round(scale * (h - e), 3) if e is not None and h is not None else 0 for e, _, h in values]
    down = [
        round(scale * (e - lo), 3) if e is not None and lo is not None else 0 for e, lo, _ in values
    ]
    return {"type": "data", "symmetric": False, "array": up, "arrayminus": down, "color": "#8a8f98"}


def _perf(d: Driver) -> tuple[float | None, float | None, float | None]:
    return d.performance.estimate, d.performance.low, d.performance.high


def wrap(label: str, width: int = WRAP) -> str:
    """A label broken into lines of at most about `width` characters (plotly's <br>)."""
    return "<br>".join(textwrap.wrap(label, width, break_long_words=False)) or label


def _row_height(labels: Sequence[str]) -> int:
    """Pixels per driver: enough for the longest wrapped label's lines, never under 40."""
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    return max(40, 20 * lines + 12)


def figure(drivers: Sequence[Driver], labels: Mapping[str, str]) -> str:
    """Two panels sharing one row per driver, most important first: performance (left) and
    importance (right), each with its 95% interval and its median as a dashed line.

    One row per driver, with the name wrapped at WRAP characters and the margin grown to fit
    (automargin), so no two labels can overlap however long the names are, in any language;
    drivers to work on first are orange diamonds.
    """
    shown = [
        d for d in drivers if d.importance.r is not None and d.performance.estimate is not None
    ]
    focus = {d.question.question_id for d in priorities(drivers)}
    names = [wrap(d.question.name) for d in shown]
    colours = [FOCUS if d.question.question_id in focus else ACCENT for d in shown]
    symbols = ["diamond" if d.question.question_id in focus else "circle" for d in shown]
    xs = [round(100 * (d.performance.estimate or 0), 1) for d in shown]
    rs = [round(d.importance.r or 0, 3) for d in shown]
    hover = [
        f"{d.question.name}<br>{labels['performance']}: {x} % (n = {d.performance.n})"
        f"<br>{labels['importance']}: r = {r} (n = {d.importance.n})"
        for d, x, r in zip(shown, xs, rs, strict=True)
    ]
    marker = {"size": 13, "color": colours, "symbol": symbols}
    fig = go.Figure([
        go.Scatter(
            x=xs, y=names, mode="markers", marker=marker, hovertext=hover, hoverinfo="text",
            error_x=_bars([_perf(d) for d in shown], 100), cliponaxis=False,
        ),
        go.Scatter(
            x=rs, y=names, mode="markers", marker=marker, hovertext=hover, hoverinfo="text",
            error_x=_bars([(d.importance.r, d.importance.low, d.importance.high)
                           for d in shown], 1),
            xaxis="x2", cliponaxis=False,
        ),
    ])  # fmt: skip
    split = guides(drivers)
    if split is not None:
        dash = {"color": "#4a4a4a", "dash": "dash", "width": 1.5}
        fig.add_vline(x=round(100 * split[0], 1), line=dash)
        fig.add_shape(type="line", xref="x2", yref="paper", x0=round(split[1], 3),
                      x1=round(split[1], 3), y0=0, y1=1, line=dash)  # fmt: skip
    if focus:
        fig.add_annotation(
            xref="paper", yref="paper", x=0, y=1, xanchor="left", yanchor="bottom", yshift=8,
            text="◆ " + labels["work_first"], showarrow=False, font={"color": FOCUS, "size": 13},
        )  # fmt: skip
    fig.update_layout(
        height=96 + _row_height(names) * max(1, len(shown)),
        margin={"l": 8, "r": 24, "t": 40, "b": 56},
        font=FONT,
        plot_bgcolor="#ffffff",
        showlegend=False,
        hovermode="closest",
        xaxis={"title": labels["performance"] + " (%)", "ticksuffix": " %", "range": [0, 105],
               "domain": [0, 0.47], "gridcolor": "#d0d4da", "zeroline": False},
        xaxis2={"title": labels["importance"] + " (r)",
                "domain": [0.53, 1], "gridcolor": "#d0d4da", "anchor": "y"},
        yaxis={"automargin": True, "autorange": "reversed", "showgrid": True,
               "gridcolor": "#eef0f3", "ticklabelstandoff": 6},
    )  # fmt: skip
    return to_json(fig)

"""Drivers of satisfaction: how each one scores and how strongly it moves with the overall.

Importance is Pearson's correlation between a driver's answer and the same person's overall
answer, from the daily cross-tab of the two (AnswerPairDay); performance is the driver's
top-2-box share. A driver that matters much and scores low is the one to work on first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

import plotly.graph_objects as go

from dashboards import series
from dashboards.figures import FONT, to_json
from feedback.insight import metrics

ACCENT = "#1d4e89"
FOCUS = "#9a4a00"


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


def figure(drivers: Sequence[Driver], labels: Mapping[str, str]) -> str:
    """Importance against performance, labelled, with quadrant guides and both intervals."""
    shown = [
        d for d in drivers if d.importance.r is not None and d.performance.estimate is not None
    ]
    focus = {d.question.question_id for d in priorities(drivers)}
    xs = [round(100 * (d.performance.estimate or 0), 1) for d in shown]
    ys = [round(d.importance.r or 0, 3) for d in shown]
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=[d.question.name for d in shown],
            textposition="top center",
            marker={
                "size": 13,
                "color": [FOCUS if d.question.question_id in focus else ACCENT for d in shown],
                "symbol": [
                    "diamond" if d.question.question_id in focus else "circle" for d in shown
                ],
            },
            error_x=_bars([_perf(d) for d in shown], 100),
            error_y=_bars(
                [(d.importance.r, d.importance.low, d.importance.high) for d in shown], 1
            ),
            hovertext=[
                f"{d.question.name}<br>{labels['performance']}: {x} % (n = {d.performance.n})"
                f"<br>{labels['importance']}: r = {y} (n = {d.importance.n})"
                for d, x, y in zip(shown, xs, ys, strict=True)
            ],
            hoverinfo="text",
            cliponaxis=False,
        )
    )
    split = guides(drivers)
    if split is not None:
        fig.add_vline(x=round(100 * split[0], 1), line={"color": "#4a4a4a", "dash": "dash"})
        fig.add_hline(y=round(split[1], 3), line={"color": "#4a4a4a", "dash": "dash"})
        fig.add_annotation(
            xref="paper", yref="paper", x=0, y=1.0, xanchor="left", yanchor="bottom",
            text=labels["work_first"], showarrow=False, font={"color": FOCUS, "size": 13},
        )  # fmt: skip
        fig.add_annotation(
            xref="paper", yref="paper", x=1, y=1.0, xanchor="right", yanchor="bottom",
            text=labels["keep_up"], showarrow=False, font={"color": "#1b1b1b", "size": 13},
        )  # fmt: skip
    fig.update_layout(
        height=420,
        margin={"l": 64, "r": 24, "t": 64, "b": 56},
        font=FONT,
        plot_bgcolor="#ffffff",
        showlegend=False,
        xaxis={"title": labels["performance"] + " (%)", "ticksuffix": " %", "gridcolor": "#d0d4da"},
        yaxis={"title": labels["importance"] + " (r)", "gridcolor": "#d0d4da"},
    )
    return to_json(fig)

"""Plotly figures as JSON, drawn by static/dashboard.js (no inline script anywhere)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from babel.dates import format_date

from dashboards.series import Point

SELF_SERVICE = "#1d4e89"
ASSISTED = "#9a4a00"
BAND = {"#1d4e89": "rgba(29,78,137,0.18)", "#9a4a00": "rgba(154,74,0,0.18)"}
PARTIAL = "#5c5f66"  # partial periods: grey hollow diamonds, never joined to the line
FONT = {"family": "Noto Sans, Helvetica Neue, Arial, sans-serif", "size": 14, "color": "#1b1b1b"}


def month_axis(points: Sequence[Point], lang: str, most: int = 7) -> dict[str, Any]:
    """Date ticks at month starts named in `lang` (plotly.js only knows English names)."""
    if not points:
        return {}
    return month_ticks(points[0].period, points[-1].period, lang, most)


def month_ticks(first: date, last: date, lang: str, most: int = 7) -> dict[str, Any]:
    """Ticks at the month starts from `first` to `last`, at most about `most`, named in `lang`."""
    months = []
    current = (
        first.replace(day=1)
        if first.day == 1
        else (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    )
    while current <= last:
        months.append(current)
        current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    step = max(1, -(-len(months) // most))
    shown = months[::step]
    return {
        "tickvals": [m.isoformat() for m in shown],
        "ticktext": [format_date(m, "MMM y", locale=lang) for m in shown],
    }


def to_json(fig: go.Figure | dict[str, Any]) -> str:
    """The figure's JSON, safe inside a <script type="application/json"> element."""
    # A dict is taken as it is (small_multiples builds one); a figure validated itself.
    return str(pio.to_json(fig, validate=False)).replace("</", "<\\/")


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def shown(value: float | None, p: Point) -> str:
    """A share in percent with no more digits than its margin supports."""
    if value is None:
        return "–"
    margin = None if p.interval.margin is None else 100 * p.interval.margin
    places = 0 if margin is None or margin > 1 else 1
    return f"{100 * value:.{places}f}"


def band_traces(
    points: list[Point], colour: str, name: str, labels: Mapping[str, str], show_legend: bool
) -> list[dict[str, Any]]:
    """A score line with its 95% band over whole periods; hollow markers where the margin is
    over 10 points; partial periods as separate grey diamonds the line does not reach.

    Plain trace dicts (see `small_multiples`); go.Figure and add_trace take them as they are.
    """
    whole = [p for p in points if not p.partial]
    part = [p for p in points if p.partial and p.n]
    xs = [p.period.isoformat() for p in whole]
    lows = [_pct(p.interval.low) for p in whole]
    highs = [_pct(p.interval.high) for p in whole]
    estimates = [_pct(p.interval.estimate) for p in whole]
    hover = [
        f"{labels['period']}: {p.period.isoformat()}<br>{name}: {shown(p.interval.estimate, p)} %"
        f"<br>95 %: {shown(p.interval.low, p)}–{shown(p.interval.high, p)} %<br>n = {p.n}"
        + ("" if p.enough else f"<br>{labels['not_enough']}")
        for p in whole
    ]
    symbols = ["circle" if p.enough else "circle-open" for p in whole]
    return [
        dict(
            type="scatter",
            x=xs,
            y=highs,
            mode="lines",
            line={"width": 0},
            hoverinfo="skip",
            showlegend=False,
            connectgaps=False,
        ),
        dict(
            type="scatter",
            x=xs,
            y=lows,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=BAND[colour],
            hoverinfo="skip",
            showlegend=False,
            connectgaps=False,
            name=labels["band"],
        ),
        dict(
            type="scatter",
            x=xs,
            y=estimates,
            mode="lines+markers",
            name=name,
            line={"color": colour, "width": 2.5},
            marker={"symbol": symbols, "size": 7, "color": colour},
            hovertext=hover,
            hoverinfo="text",
            showlegend=show_legend,
            connectgaps=False,
        ),
        dict(
            type="scatter",
            x=[p.period.isoformat() for p in part],
            y=[_pct(p.interval.estimate) for p in part],
            mode="markers",
            name=labels["partial"],
            marker={"symbol": "diamond-open", "size": 9, "color": PARTIAL, "line": {"width": 2}},
            cliponaxis=False,
            hovertext=[
                f"{labels['period']}: {p.period.isoformat()}<br>{labels['partial']}<br>"
                f"{name}: {shown(p.interval.estimate, p)} %<br>n = {p.n}"
                for p in part
            ],
            hoverinfo="text",
            showlegend=False,
        ),
    ]


def trend_overall(
    points: list[Point],
    labels: dict[str, str],
    lang: str,
    events: Sequence[tuple[date, str]] = (),
) -> str:
    """All channels together: the score per period with its 95% band and dated changes."""
    fig = go.Figure(band_traces(points, SELF_SERVICE, labels["score"], labels, False))
    for day, text in events:
        fig.add_vline(x=day.isoformat(), line={"color": "#4a4a4a", "width": 1.5, "dash": "dash"})
        fig.add_annotation(
            x=day.isoformat(),
            y=100,
            yanchor="bottom",
            text=text,
            showarrow=False,
            xanchor="left",
            font={"size": 13, "color": "#1b1b1b"},
            bgcolor="rgba(255,255,255,0.85)",
        )
    fig.update_layout(
        height=340,
        margin={"l": 56, "r": 16, "t": 36, "b": 40},
        font=FONT,
        yaxis={"title": labels["score"] + " (%)", "range": [0, 100], "ticksuffix": " %"},
        plot_bgcolor="#ffffff",
        hovermode="closest",
    )
    fig.update_xaxes(showgrid=False, **month_axis(points, lang))
    fig.update_yaxes(gridcolor="#d0d4da")
    return to_json(fig)


def volume_by_channel(
    counts: dict[str, int], names: dict[str, str], modes: Mapping[str, str], labels: dict[str, str]
) -> str:
    """Responses per channel, largest first, coloured by whether a person helped."""
    ordered = sorted(counts, key=lambda c: counts[c])
    fig = go.Figure(
        go.Bar(
            x=[counts[c] for c in ordered],
            y=[names[c] for c in ordered],
            orientation="h",
            marker={
                "color": [ASSISTED if modes.get(c) == "assisted" else SELF_SERVICE for c in ordered]
            },
            hovertemplate="%{y}: %{x}<extra></extra>",
            text=[counts[c] for c in ordered],
            textposition="outside",
        )
    )
    fig.update_layout(
        height=60 + 34 * max(1, len(ordered)),
        margin={"l": 8, "r": 48, "t": 8, "b": 32},
        font=FONT,
        plot_bgcolor="#ffffff",
        xaxis={"title": labels["responses"]},
    )
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(gridcolor="#d0d4da")
    return to_json(fig)

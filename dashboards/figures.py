"""Plotly figures as JSON, drawn by static/dashboard.js (no inline script anywhere)."""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from babel.dates import format_date
from plotly.subplots import make_subplots

from dashboards.series import ALL, Point

SELF_SERVICE = "#1d4e89"
ASSISTED = "#9a4a00"
BAND = {"#1d4e89": "rgba(29,78,137,0.18)", "#9a4a00": "rgba(154,74,0,0.18)"}
PARTIAL = "#5c5f66"  # partial periods: grey hollow diamonds, never joined to the line
# Small multiples: the y axis runs to 112 % (ticks to 100 %) and titles sit 6 px above panels.
HEADROOM = 112
TITLE_LIFT = 6
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


def trend_by_channel(
    series: dict[str, list[Point]],
    names: dict[str, str],
    modes: Mapping[str, str],
    labels: dict[str, str],
    lang: str,
) -> str:
    """One small chart per channel, same scale, so channels compare at a glance."""
    channels = sorted((c for c in series if c != ALL), key=lambda c: -sum(p.n for p in series[c]))
    panels = [
        (
            names[c],
            band_traces(
                series[c],
                ASSISTED if modes.get(c) == "assisted" else SELF_SERVICE,
                names[c],
                labels,
                False,
            ),
        )
        for c in channels
    ]
    any_points = next((series[c] for c in channels), [])
    return small_multiples(
        panels,
        xaxis={"showgrid": False, **month_axis(any_points, lang, 4)},
        layout={"showlegend": False},
    )


def small_multiples(
    panels: Sequence[tuple[str, list[dict[str, Any]]]],
    *,
    xaxis: Mapping[str, Any],
    layout: Mapping[str, Any],
) -> str:
    """Titled panels, three to a row, sharing a 0-100 % y axis and the x axis: a figure's JSON.

    The grid is plotly's own make_subplots layout, made once per shape; the rest is plain
    dicts. Built through plotly's objects, whose every update parses and validates each key,
    the two such figures took two thirds of the survey page's render.
    """
    cols = max(1, min(3, len(panels)))
    rows = max(1, math.ceil(len(panels) / cols))
    grid = copy.deepcopy(_grid(rows, cols, len(panels)))
    for annotation, (title, _) in zip(grid.get("annotations", []), panels, strict=True):
        # Lifted clear of the plot area, so a title never sits on the panel's top edge.
        annotation.update(text=title, font={"size": 14}, yshift=TITLE_LIFT)
    for name, axis in grid.items():
        if name.startswith("xaxis"):
            axis.update(xaxis)
        elif name.startswith("yaxis"):
            # Headroom above 100 %: a line or marker at 100 % stays inside its panel, below
            # the title; the ticks stop at 100 % so the scale still reads 0-100.
            # (Ticks given as values show no suffix: their text carries the "%".)
            axis.update(
                range=[0, HEADROOM], tickvals=[0, 25, 50, 75, 100],
                ticktext=["0 %", "25 %", "50 %", "75 %", "100 %"], gridcolor="#d0d4da",
            )  # fmt: skip
    data = [
        {**trace, "xaxis": f"x{i + 1 if i else ''}", "yaxis": f"y{i + 1 if i else ''}"}
        for i, (_, traces) in enumerate(panels)
        for trace in traces
    ]
    grid.update(
        height=max(260, 230 * rows),
        margin={"l": 56, "r": 16, "t": 48, "b": 32},
        font=FONT,
        plot_bgcolor="#ffffff",
        template=_template(),
        **layout,
    )
    return to_json({"data": data, "layout": grid})


@functools.lru_cache(maxsize=64)
def _grid(rows: int, cols: int, panels: int) -> dict[str, Any]:
    """make_subplots' layout for this shape: axis domains, matches, one title per panel."""
    fig = make_subplots(
        rows=rows,
        cols=cols,
        shared_yaxes=True,
        shared_xaxes=True,
        subplot_titles=["-"] * panels,
        vertical_spacing=0.28 / rows,
        horizontal_spacing=0.04,
    )
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)  # the same for every figure: added as it is by the caller
    return dict(layout)


@functools.lru_cache(maxsize=1)
def _template() -> dict[str, Any]:
    """The default template, as every go.Figure carries it (read-only: shared by figures)."""
    return dict(go.Figure().layout.template.to_plotly_json())


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

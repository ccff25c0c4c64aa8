"""Small multiples: one titled panel per channel on a shared 0-100 % scale, as figure JSON."""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.figures import ASSISTED, FONT, SELF_SERVICE, band_traces, month_axis, to_json
from dashboards.series import ALL, Point

HEADROOM = 112  # the y axis runs past 100 % so a point at 100 % stays below its panel's title
TITLE_LIFT = 6  # pixels between a panel's title and its plot area


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

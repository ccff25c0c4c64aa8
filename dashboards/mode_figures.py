"""Figures of the digital-and-human view: score and share by mode, gap, flow, heat map."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.colors import sample_colorscale, unlabel_rgb

from dashboards.drivers import wrap
from dashboards.figures import (
    ASSISTED,
    FONT,
    SELF_SERVICE,
    band_traces,
    month_axis,
    month_ticks,
    to_json,
)
from dashboards.modes import MODES, NO_OTHER, Gap, Link, Share, mode_of
from dashboards.series import Point
from feedback.insight import metrics

COLOURS = {"self_service": SELF_SERVICE, "assisted": ASSISTED}
GRID = "#d0d4da"


def _layout(fig: go.Figure, height: int, **extra: Any) -> None:
    fig.update_layout(
        height=height,
        margin={"l": 56, "r": 16, "t": 36, "b": 40},
        font=FONT,
        plot_bgcolor="#ffffff",
        hovermode="closest",
        legend={"orientation": "h", "y": 1.12, "x": 0},
        **extra,
    )
    fig.update_yaxes(gridcolor=GRID)


def score_by_mode(
    by_mode: Mapping[str, Sequence[Point]],
    names: Mapping[str, str],
    labels: Mapping[str, str],
    lang: str,
) -> str:
    """Each mode's score per period with its 95% band."""
    fig = go.Figure()
    for mode in MODES:
        if mode in by_mode:
            for trace in band_traces(
                list(by_mode[mode]), COLOURS[mode], names[mode], labels, False
            ):
                fig.add_trace(trace)
    _layout(
        fig, 340, yaxis={"title": labels["score"] + " (%)", "range": [0, 100], "ticksuffix": " %"}
    )
    first = next((by_mode[m] for m in MODES if m in by_mode), [])
    fig.update_xaxes(showgrid=False, **month_axis(first, lang))
    return to_json(fig)


def gap(points: Sequence[Gap], labels: Mapping[str, str], lang: str) -> str:
    """Assisted minus self-service per whole period, with Newcombe bars; filled when
    significant after the family control."""
    known = [g for g in points if g.difference.estimate is not None and not g.partial]

    def pts(value: float | None) -> float:
        return round(value or 0, 1)

    def verdict(g: Gap) -> str:
        if g.difference.significant:
            return labels["significant"]
        return labels["within_noise"] if g.difference.enough else labels["not_enough"]

    fig = go.Figure(
        go.Scatter(
            x=[g.period.isoformat() for g in known],
            y=[pts(g.difference.estimate) for g in known],
            mode="markers",
            name=labels["gap"],
            marker={
                "size": 10,
                "color": "#1b1b1b",
                "symbol": ["circle" if g.difference.significant else "circle-open" for g in known],
            },
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [pts(g.difference.high) - pts(g.difference.estimate) for g in known],
                "arrayminus": [pts(g.difference.estimate) - pts(g.difference.low) for g in known],
                "color": "#4a4a4a",
            },
            hovertext=[
                f"{g.period.isoformat()}: {pts(g.difference.estimate):+} pts "
                f"({pts(g.difference.low):+} – {pts(g.difference.high):+})<br>" + verdict(g)
                for g in known
            ],
            hoverinfo="text",
        )
    )
    fig.add_hline(y=0, line={"color": "#4a4a4a", "width": 1})
    _layout(fig, 300, yaxis={"title": labels["gap_axis"], "ticksuffix": " pts"}, showlegend=False)
    fig.update_xaxes(showgrid=False, **month_axis([g.self_service for g in points], lang))
    return to_json(fig)


def share(
    rows: Sequence[Share], names: Mapping[str, str], labels: Mapping[str, str], lang: str
) -> str:
    """Each period's responses split by mode, as 100 % stacked bars."""
    fig = go.Figure()
    for mode in MODES:
        fig.add_trace(
            go.Bar(
                x=[r.period.isoformat() for r in rows],
                y=[r.counts.get(mode, 0) for r in rows],
                name=names[mode],
                marker={"color": COLOURS[mode]},
                hovertemplate="%{x}: %{y}<extra>" + names[mode] + "</extra>",
            )
        )
    _layout(
        fig,
        300,
        barmode="stack",
        barnorm="percent",
        showlegend=False,
        yaxis={"title": labels["share"], "ticksuffix": " %"},
    )
    ticks = month_ticks(rows[0].period, rows[-1].period, lang) if rows else {}
    fig.update_xaxes(showgrid=False, **ticks)
    return to_json(fig)


def sankey(links: Sequence[Link], names: Mapping[str, str], labels: Mapping[str, str]) -> str:
    """From the way people first tried to the channel where their interaction ended."""
    sources = sorted({link.source for link in links}, key=lambda s: (s != NO_OTHER, s))
    targets = sorted({link.target for link in links})
    nodes = [labels["first_try"] if s == NO_OTHER else names.get(s, s) for s in sources]
    nodes += [names.get(t, t) for t in targets]
    colours = [
        "#6b6f76" if s == NO_OTHER else COLOURS.get(mode_of(s) or "", "#6b6f76") for s in sources
    ]
    colours += [COLOURS.get(mode_of(t) or "", "#6b6f76") for t in targets]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": nodes, "color": colours, "pad": 14, "thickness": 16},
            link={
                "source": [sources.index(link.source) for link in links],
                "target": [len(sources) + targets.index(link.target) for link in links],
                "value": [link.n for link in links],
                "color": "rgba(138,143,152,0.35)",
            },
        )
    )
    height = max(340, 44 * max(len(sources), len(targets)))
    fig.update_layout(height=height, margin={"l": 8, "r": 8, "t": 72, "b": 8}, font=FONT)
    for x, text in ((0, labels["tried_first"]), (1, labels["ended_on"])):
        fig.add_annotation(
            x=x, y=1.06, xref="paper", yref="paper", yanchor="bottom", text=text,
            showarrow=False, xanchor="left" if x == 0 else "right",
        )  # fmt: skip
    return to_json(fig)


# Diverging, from below the survey's rate (red) through near-white to above it (blue);
# readable with the common colour-vision deficiencies (ColorBrewer RdBu).
DIVERGING = [[0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"], [0.75, "#67a9cf"], [1, "#2166ac"]]
TOO_FEW = "#c4c8ce"  # cells with too few answers: one flat grey, not a value on the scale
# Black rather than the page's near-black: on every colour of the scale, black or white then
# reaches 4.5:1 (near-black fell to about 4.1:1 on the mid reds).
DARK, LIGHT = "#000000", "#ffffff"
DARK_RGB = "rgb(0, 0, 0)"


def _luminance(rgb: tuple[float, ...]) -> float:
    """WCAG relative luminance of an sRGB colour given as 0-255 channels."""
    lin = [(c / 255) / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def ink(position: float) -> str:
    """Dark or white text, whichever contrasts more with the scale's colour at `position`."""
    colour = sample_colorscale(DIVERGING, [min(1.0, max(0.0, position))])[0]
    lum = _luminance(unlabel_rgb(colour))
    dark = _luminance(unlabel_rgb(DARK_RGB))
    return DARK if (lum + 0.05) / (dark + 0.05) >= 1.05 / (lum + 0.05) else LIGHT


def span(values: Sequence[float], mid: float) -> float:
    """Half the colour range: the farthest value from the midpoint, at least 10 points, in
    steps of 5, so the scale is symmetric (equal distances, equal strength of colour)."""
    far = max((abs(v - mid) for v in values), default=0.0)
    return max(10.0, 5 * math.ceil(far / 5))


def scale(z: Sequence[Sequence[float | None]], midpoint: float | None) -> tuple[float, float]:
    """(middle, half range) in percent of the heat map's colours for the values `z`: centred
    on the survey's overall rate (0-1), or 50 % when there is none."""
    mid = round(100 * midpoint, 1) if midpoint is not None else 50.0
    return mid, span([v for row in z for v in row if v is not None], mid)


def shares_of(
    channels: Sequence[str],
    questions: Sequence[tuple[int, str]],
    cells: Mapping[tuple[str, int], metrics.Interval],
) -> list[list[float | None]]:
    """Each cell's share in percent, None where there are too few answers to colour it."""
    return [
        [
            round(100 * iv.estimate, 1)
            if (iv := cells.get((c, q))) and metrics.enough_data(iv) and iv.estimate is not None
            else None
            for q, _ in questions
        ]
        for c in channels
    ]


def heat(
    channels: Sequence[str],
    questions: Sequence[tuple[int, str]],
    cells: Mapping[tuple[str, int], metrics.Interval],
    names: Mapping[str, str],
    labels: Mapping[str, str],
    midpoint: float | None = None,
) -> str:
    """Channel by driver: the share of good answers on a diverging scale centred on the
    survey's overall rate (`midpoint`, 0-1), its value and n printed in each cell; cells with
    too few answers are a flat grey marked "too few", never a colour of the scale."""
    z = shares_of(channels, questions, cells)
    few = [
        [0 if value is None and (iv := cells.get((c, q))) and iv.n else None
         for (q, _), value in zip(questions, row, strict=True)]
        for c, row in zip(channels, z, strict=True)
    ]  # fmt: skip
    mid, half = scale(z, midpoint)
    xs = [wrap(name, 16) for _, name in questions]
    ys = [names.get(c, c) for c in channels]
    fig = go.Figure([
        go.Heatmap(
            z=z, x=xs, y=ys, zmin=mid - half, zmax=mid + half, xgap=3, ygap=3,
            # The legend is the page's own (site.css .heat-legend): plotly's colour bar resets
            # a style attribute, which the strict CSP reports as blocked on every draw.
            colorscale=DIVERGING, showscale=False, hoverinfo="skip",
        ),
        go.Heatmap(
            z=few, x=xs, y=ys, zmin=0, zmax=1, xgap=3, ygap=3, showscale=False,
            colorscale=[[0, TOO_FEW], [1, TOO_FEW]], hoverinfo="skip",
        ),
    ])  # fmt: skip
    for channel, y, values in zip(channels, ys, z, strict=True):
        for (qid, _), x, value in zip(questions, xs, values, strict=True):
            iv = cells.get((channel, qid))
            if iv is None or iv.n == 0:
                continue
            if value is None:
                text, colour = f"n = {iv.n}<br>{labels['too_few']}", DARK
            else:
                text = f"{round(value):.0f} %<br>n = {iv.n}"
                colour = ink(0.5 + (value - mid) / (2 * half))
            fig.add_annotation(
                x=x, y=y, text=text, showarrow=False, font={"size": 13, "color": colour}
            )  # fmt: skip
    fig.update_layout(
        height=110 + 56 * max(1, len(channels)),
        margin={"l": 8, "r": 8, "t": 16, "b": 56},
        font=FONT,
        plot_bgcolor="#ffffff",
    )
    fig.update_yaxes(
        automargin=True, autorange="reversed", showgrid=False, zeroline=False, ticklabelstandoff=6
    )
    fig.update_xaxes(automargin=True, side="bottom", showgrid=False, zeroline=False)
    return to_json(fig)

"""Figures of the digital-and-human view: score and share by mode, gap, flow, heat map."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

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


def heat(
    channels: Sequence[str],
    questions: Sequence[tuple[int, str]],
    cells: Mapping[tuple[str, int], metrics.Interval],
    names: Mapping[str, str],
    labels: Mapping[str, str],
) -> str:
    """Channel by driver: top-2-box share, n in each cell; cells with too few answers greyed."""
    z: list[list[float | None]] = []
    fig = go.Figure()
    for channel in channels:
        row: list[float | None] = []
        for qid, _ in questions:
            iv = cells.get((channel, qid))
            ok = iv is not None and metrics.enough_data(iv) and iv.estimate is not None
            row.append(
                round(100 * iv.estimate, 1) if ok and iv and iv.estimate is not None else None
            )
        z.append(row)
    xs = [name for _, name in questions]
    ys = [names.get(c, c) for c in channels]
    fig.add_trace(
        go.Heatmap(
            z=z, x=xs, y=ys, zmin=0, zmax=100, xgap=2, ygap=2,
            # Light enough for dark text everywhere (contrast over 6:1); numbers carry the detail.
            colorscale=[[0, "#f4f7fb"], [1, "#7fa3d1"]],
            showscale=False,
            hoverinfo="skip",
        )
    )  # fmt: skip
    for channel, y in zip(channels, ys, strict=True):
        for (qid, _), x in zip(questions, xs, strict=True):
            iv = cells.get((channel, qid))
            if iv is None or iv.n == 0:
                continue
            ok = metrics.enough_data(iv) and iv.estimate is not None
            value = round(100 * (iv.estimate or 0))
            text = f"{value} %<br>n = {iv.n}" if ok else f"n = {iv.n}<br>{labels['too_few']}"
            fig.add_annotation(
                x=x, y=y, text=text, showarrow=False, font={"size": 12, "color": "#1b1b1b"}
            )  # fmt: skip
    fig.update_layout(
        height=90 + 52 * max(1, len(channels)),
        margin={"l": 8, "r": 8, "t": 40, "b": 56},
        font=FONT,
        plot_bgcolor="#e6e8eb",
    )
    fig.update_yaxes(automargin=True, autorange="reversed", showgrid=False, zeroline=False)
    fig.update_xaxes(automargin=True, side="bottom", showgrid=False, zeroline=False)
    return to_json(fig)

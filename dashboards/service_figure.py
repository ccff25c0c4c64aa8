"""The service's digital-and-human figure: each survey's gap and the overall one, with
their 95% intervals, one row each (names wrapped, margin fitted, so no label overlaps)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from dashboards.drivers import wrap
from dashboards.figures import FONT, to_json
from dashboards.service_modes import SurveyGap

INK = "#1b1b1b"
MUTED = "#5c5f66"


def figure(gaps: Sequence[SurveyGap], names: Mapping[str, str], labels: Mapping[str, str]) -> str:
    """Assisted minus self-service per survey, the overall last in bold: filled when
    significant after the family control, hollow within noise, grey hollow without enough."""
    known = [g for g in gaps if g.difference.estimate is not None]
    ys = [wrap(names[g.key], 28) for g in known]
    est = [round(g.difference.estimate or 0, 1) for g in known]

    def verdict(g: SurveyGap) -> str:
        if g.difference.significant:
            return labels["significant"]
        return labels["within_noise"] if g.difference.enough else labels["not_enough"]

    fig = go.Figure(
        go.Scatter(
            x=est,
            y=ys,
            mode="markers",
            marker={
                "size": [14 if g.key == "overall" else 11 for g in known],
                "symbol": [
                    ("diamond" if g.key == "overall" else "circle")
                    + ("" if g.difference.significant else "-open")
                    for g in known
                ],
                "color": [INK if g.difference.enough else MUTED for g in known],
                "line": {"width": 2},
            },
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [
                    round((g.difference.high or 0), 1) - e for g, e in zip(known, est, strict=True)
                ],
                "arrayminus": [
                    e - round((g.difference.low or 0), 1) for g, e in zip(known, est, strict=True)
                ],
                "color": "#4a4a4a",
            },
            hovertext=[
                f"{names[g.key]}: {e:+} pts ({g.difference.low:+.1f} – "
                f"{g.difference.high:+.1f})<br>{verdict(g)}"
                for g, e in zip(known, est, strict=True)
            ],
            hoverinfo="text",
            cliponaxis=False,
        )
    )
    fig.add_vline(x=0, line={"color": "#4a4a4a", "width": 1})
    lines = max((y.count("<br>") + 1 for y in ys), default=1)
    fig.update_layout(
        height=100 + max(40, 20 * lines + 12) * max(1, len(known)),
        margin={"l": 8, "r": 24, "t": 16, "b": 56},
        font=FONT,
        plot_bgcolor="#ffffff",
        showlegend=False,
        hovermode="closest",
        xaxis={"title": labels["gap_axis"], "ticksuffix": " pts", "gridcolor": "#d0d4da",
               "zeroline": False},
        yaxis={"automargin": True, "autorange": "reversed", "ticklabelstandoff": 6},
    )  # fmt: skip
    return to_json(fig)

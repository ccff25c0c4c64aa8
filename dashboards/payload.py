"""The figures a dashboard page shows, as plain JSON values (`?format=json`).

The page and its JSON are built from the same objects, so they carry the same numbers.
Scores and changes are in points (percent, or NPS points for NPS), rounded to the
precision their margin supports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dashboards.control import ControlPage
from dashboards.series import Point
from feedback.insight import significance
from feedback.insight.headline import Measure, digits
from feedback.insight.significance import Change


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def measure(m: Measure) -> dict[str, Any]:
    """A headline figure with its 95% interval."""
    d = m.digits
    return {
        "measure": m.what,
        "value": _round(m.value, d),
        "low": _round(m.low, d),
        "high": _round(m.high, d),
        "n": m.n,
        "enough_data": m.enough,
        "unit": "nps" if m.is_nps else "percent",
    }


def change(c: Change) -> dict[str, Any]:
    """A change with its 95% interval, p-value and verdict."""
    d = digits(None if c.low is None or c.high is None else (c.high - c.low) / 2)
    return {
        "estimate": _round(c.estimate, d),
        "low": _round(c.low, d),
        "high": _round(c.high, d),
        "p_value": _round(c.p_value, 4),
        "n_now": c.n_now,
        "n_before": c.n_before,
        "verdict": c.verdict,
    }


def family(changes: Sequence[Change]) -> dict[str, Any]:
    """How the page's changes were judged together."""
    return {
        "method": "holm",
        "alpha": significance.FAMILY_ALPHA,
        "min_answers": significance.MIN_ANSWERS,
        "max_margin_points": 10,
        "judged": significance.family_size(changes),
    }


def point(p: Point) -> dict[str, Any]:
    """One period's share with its interval and whether it is partial."""
    iv = p.interval
    d = digits(None if iv.margin is None else 100 * iv.margin)
    pct = lambda v: None if v is None else round(100 * v, d)  # noqa: E731
    return {
        "period": p.period.isoformat(),
        "value": pct(iv.estimate),
        "low": pct(iv.low),
        "high": pct(iv.high),
        "n": p.n,
        "partial": p.partial,
        "enough_data": p.enough,
    }


def series(trend: Mapping[str, list[Point]]) -> dict[str, list[dict[str, Any]]]:
    """Every series of a trend, by channel key ("all" for all channels)."""
    return {k: [point(p) for p in ps] for k, ps in trend.items()}


def control(page: ControlPage) -> dict[str, Any]:
    """Every control chart of a page: limits, statuses and marks."""
    pct = lambda v: None if v is None else round(100 * v, 1)  # noqa: E731
    return {
        "tail_each_side": page.judgement.tail,
        "baseline_periods": page.baseline,
        "judged": page.judgement.judged,
        "expected_marks_by_chance": round(page.judgement.expected_marks, 3),
        "charts": {
            key: [
                {
                    "period": p.period.isoformat(),
                    "value": pct(j.p),
                    "n": j.n,
                    "partial": p.partial,
                    "status": j.status,
                    "centre": pct(j.centre),
                    "low": pct(j.low),
                    "high": pct(j.high),
                    "mark": j.mark,
                }
                for p, j in zip(c.points, c.judgements, strict=True)
            ]
            for key, c in page.charts.items()
        },
    }

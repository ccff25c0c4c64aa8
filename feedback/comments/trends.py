"""Theme trends: each theme's share of comments over time and by channel, with Wilson
intervals, and how the headline score differs between comments with and without it.

Read from the theme counts (whole months from CommentThemeMonth, the days at the edges from
CommentThemeDay: comments.covering), so the cost is O((months + edge days) x themes x
channels) whatever the number of comments. A theme's share counts each comment once per
theme (a comment may carry several themes, so shares do not add up to 100 %). Themes are
those staff confirmed plus the classifier's suggestions on comments not yet reviewed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from feedback.comments import covering
from feedback.comments.tallies import ALL
from feedback.core import local_time
from feedback.core.models import CommentThemeDay, CommentThemeMonth, Theme
from feedback.insight.distributions import t_quantile
from feedback.insight.intervals import Interval, wilson

MIN_SCORED = 10  # fewer scored comments on either side: no score comparison shown


@dataclass(frozen=True)
class Moments:
    """Count, sum and sum of squares of scores (0-100), and how many comments in all."""

    n: int = 0
    scored: int = 0
    total: float = 0.0
    squares: float = 0.0

    def __sub__(self, other: Moments) -> Moments:
        return Moments(
            self.n - other.n,
            self.scored - other.scored,
            self.total - other.total,
            self.squares - other.squares,
        )

    @property
    def mean(self) -> float | None:
        """Mean score, or None without scores."""
        return self.total / self.scored if self.scored else None

    @property
    def variance(self) -> float | None:
        """Sample variance, or None under two scores."""
        if self.scored < 2:
            return None
        return max(0.0, (self.squares - self.total**2 / self.scored) / (self.scored - 1))


@dataclass(frozen=True)
class Gap:
    """Mean score with the theme minus without, in points of 100, with a Welch 95% interval."""

    with_theme: float
    without: float
    difference: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        """The interval leaves out zero."""
        return self.low > 0 or self.high < 0


def score_gap(theme: Moments, rest: Moments, level: float = 0.95) -> Gap | None:
    """Welch's comparison of mean scores (None when either side has too few scores)."""
    if theme.scored < MIN_SCORED or rest.scored < MIN_SCORED:
        return None
    v1, v2 = theme.variance or 0.0, rest.variance or 0.0
    a, b = v1 / theme.scored, v2 / rest.scored
    m1, m2 = theme.mean or 0.0, rest.mean or 0.0
    diff = m1 - m2
    if a + b == 0:
        return Gap(m1, m2, diff, diff, diff)
    # Welch-Satterthwaite degrees of freedom.
    df = (a + b) ** 2 / (a**2 / (theme.scored - 1) + b**2 / (rest.scored - 1))
    half = t_quantile(0.5 + level / 2, df) * math.sqrt(a + b)
    return Gap(m1, m2, diff, diff - half, diff + half)


@dataclass
class ThemeTrend:
    """One theme's figures on the trends page."""

    theme: Theme
    overall: Interval
    periods: dict[date, Interval] = field(default_factory=dict)
    channels: dict[str, Interval] = field(default_factory=dict)
    gap: Gap | None = None

    @property
    def priority(self) -> float:
        """How much fixing it could lift the average: share x score points lost (0 if none)."""
        if self.gap is None or self.overall.estimate is None or self.gap.difference >= 0:
            return 0.0
        return self.overall.estimate * -self.gap.difference


@dataclass
class Trends:
    """Every theme's trend for a set of surveys and dates."""

    periods: list[date]
    channels: list[str]
    comments: int
    themes: list[ThemeTrend]


def _grouped(
    session: Session,
    by: str | None,
    survey_ids: Sequence[str],
    first: date,
    last: date,
    channels: Sequence[str],
    months: bool = True,
) -> list[Any]:
    """Sums of the theme counts grouped in SQL by theme and `by` ("at": the row's day or
    month, "channel", or None); daily rows only when `months` is False."""

    def where(model: Any) -> list[Any]:
        out = [col(model.survey_id).in_(survey_ids)]
        if channels:
            out.append(col(model.channel).in_(channels))
        return out

    names = ["theme_id", "channel", "n", "scored", "score_sum", "score_sq"]
    month_model = CommentThemeMonth if months else None
    rows = covering.rows(CommentThemeDay, month_model, names, where, first, last)
    keys = [rows.c.theme_id] + ([rows.c[by]] if by is not None else [])
    sums = [func.sum(rows.c[n]) for n in names[2:]]
    return list(session.execute(select(*keys, *sums).group_by(*keys)).all())


def trends(
    session: Session,
    *,
    survey_ids: Sequence[str],
    first: date,
    last: date,
    grain: str = "month",
    channels: Sequence[str] = (),
) -> Trends:
    """Each theme's share overall, per period and per channel, and its score gap."""
    # Three small grouped reads (per theme; per theme and day or month; per theme and
    # channel), so the rows handed to Python are O(themes x days), whatever the surveys.
    args = (survey_ids, first, last, channels)
    totals = {
        theme_id: Moments(int(n or 0), int(scored or 0), float(total or 0), float(sq or 0))
        for theme_id, n, scored, total, sq in _grouped(session, None, *args)
    }
    by_period: dict[tuple[int, date], int] = defaultdict(int)
    # Months and quarters are made of whole months; weeks and days need the daily rows.
    whole = grain in ("month", "quarter")
    for theme_id, day, n, *_ in _grouped(session, "at", *args, months=whole):
        by_period[(theme_id, local_time.period_start(date.fromisoformat(str(day)), grain))] += n
    by_channel: dict[tuple[int, str], int] = {
        (theme_id, channel): int(n or 0)
        for theme_id, channel, n, *_ in _grouped(session, "channel", *args)
    }
    everything = totals.get(ALL, Moments())
    periods = sorted({p for t, p in by_period if t == ALL})
    seen_channels = sorted({c for t, c in by_channel if t == ALL})
    out = []
    for theme in session.scalars(select(Theme).order_by(col(Theme.id))):
        mine = totals.get(theme.id or -1, Moments())
        trend = ThemeTrend(theme, wilson(mine.n, everything.n) if everything.n else wilson(0, 0))
        for p in periods:
            trend.periods[p] = wilson(by_period.get((theme.id or -1, p), 0), by_period[(ALL, p)])
        for c in seen_channels:
            trend.channels[c] = wilson(by_channel.get((theme.id or -1, c), 0), by_channel[(ALL, c)])
        trend.gap = score_gap(mine, everything - mine)
        out.append(trend)
    out.sort(key=lambda t: (-t.priority, -(t.overall.estimate or 0.0)))
    return Trends(periods, seen_channels, everything.n, out)

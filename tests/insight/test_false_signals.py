"""Error rates of the dashboards' claims on data in which nothing changed, by seeded
simulation through the same functions the pages call (a fast version of
bench/false_signals.py). Each rate is checked with a binomial tolerance: a count of false
claims this high would come from a true rate of 5% less than once in a thousand."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from dashboards import control, overview, series
from feedback.insight import watch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import false_signals as bench  # noqa: E402

TODAY = bench.TODAY


def _allowed(runs: int, rate: float = 0.05) -> int:
    """The most false claims a true rate of `rate` gives 99.9% of the time."""
    return int(stats.binom.ppf(0.999, runs, rate))


def _small_page(rng: np.random.Generator, per_month: float) -> list[list[bench.Stream]]:
    kinds = ("rating5", "yes_no", "nps")
    return [
        [bench.Stream(k, c, per_month, float(rng.uniform(0.55, 0.9))) for c in ("web", "phone")]
        for k in kinds
    ]


@pytest.mark.parametrize("per_month", [10, 60])
def test_overview_by_channel_claims_nothing_on_stable_data(per_month: int) -> None:
    rng = np.random.default_rng([16, per_month])
    days = bench._days(7)
    runs, hits = 200, 0
    for _ in range(runs):
        page = _small_page(rng, per_month)
        rows = [bench.daily_rows(s, rng, days) for s in page]
        cards = bench.overview_view(rows, [s[0].kind for s in page])
        hits += overview.significant_count(cards) > 0
    assert hits <= _allowed(runs), hits


def test_control_charts_mark_few_pages_on_stable_data() -> None:
    rng = np.random.default_rng([16, 3])
    days = bench._days(bench.MONTHS)
    runs, hits = 150, 0
    for _ in range(runs):
        streams = [
            bench.Stream("rating5", c, 40, float(rng.uniform(0.55, 0.9))) for c in ("web", "phone")
        ]
        hits += bench.survey_marks(bench.daily_rows(streams, rng, days), "rating5") > 0
    assert hits <= _allowed(runs), hits


def test_weekly_alerts_keep_to_their_designed_rate() -> None:
    rng = np.random.default_rng([16, 4])
    years, alerts = 120, 0
    for _ in range(years):
        p, n_week = float(rng.uniform(0.55, 0.9)), int(rng.choice([3, 20, 150]))
        n = rng.poisson(n_week, size=watch.HISTORY_WEEKS + 52)
        x = rng.binomial(n, p)
        weeks = list(zip(x.tolist(), n.tolist(), strict=True))
        for t in range(52):
            found = watch.check(weeks[t : t + watch.HISTORY_WEEKS])
            alerts += found.finding is not None
    # Alert-weeks are at most RATE_PER_YEAR a year on average (before the quiet rule).
    assert alerts <= stats.poisson.ppf(0.999, watch.RATE_PER_YEAR * years), alerts


def test_a_real_drop_is_still_found() -> None:
    """A 10-point drop over three whole months at 200 answers a month is called significant
    on the overview or marked on the survey page at least 80% of the time."""
    rng = np.random.default_rng([16, 5])
    days = bench._days(bench.MONTHS)
    start = bench._three_months_ago()
    runs, found = 60, 0
    for _ in range(runs):
        stream = [bench.Stream("rating5", "web", 200, float(rng.uniform(0.6, 0.85)))]
        rows = bench.daily_rows(stream, rng, days, (start, 0.10))
        card = bench.overview_view([rows], ["rating5"], by_channel=False)[0]
        called = card is not None and card.headline.change.significant
        found += called or bench.survey_marks(rows, "rating5") > 0
    # At a true 80%, 60 runs fall below 39 less than once in a thousand.
    assert found >= stats.binom.ppf(0.001, runs, 0.8), found


def test_partial_periods_are_never_judged() -> None:
    since, until = date(2026, 1, 15), TODAY  # a cut first month, an unfinished last one
    rows = [(date(2026, m, 1), "web", "5", 30) for m in range(1, 13)]
    rows += [(date(2026, m, 1), "web", "1", 10) for m in range(1, 13)]
    trend = series.by_channel(rows, "rating5", since=since, until=until, grain="month", today=TODAY)
    first = control.history_since(since, "month")
    history = series.by_channel(
        rows, "rating5", since=first, until=until, grain="month", today=TODAY
    )
    page = control.control_charts(trend, history, "month")
    judged = page.charts["all"].judgements
    assert judged[0].status == "partial" and judged[-1].status == "partial"
    assert trend["all"][0].partial and trend["all"][-1].partial
    assert all(j.low is None for j in (judged[0], judged[-1]))
    assert TODAY - timedelta(days=1) >= trend["all"][-1].period

"""Theme trends: shares with Wilson intervals, the score gap with Welch's interval (checked
against scipy and statsmodels), read from the daily counts, and the page in both languages."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from scipy import stats
from sqlmodel import select
from starlette.testclient import TestClient
from statsmodels.stats.proportion import proportion_confint
from test_dashboard_views import submit

from feedback.comments import themes, trends
from feedback.core.db import session_scope
from feedback.core.models import Comment


def moments(values: list[float]) -> trends.Moments:
    return trends.Moments(len(values), len(values), sum(values), sum(v * v for v in values))


def test_score_gap_matches_welch_from_scipy() -> None:
    rnd = random.Random(7)
    for _ in range(20):
        a = [rnd.choice([0, 25, 50, 75, 100]) for _ in range(rnd.randint(10, 80))]
        b = [rnd.choice([25, 50, 75, 100, 100]) for _ in range(rnd.randint(10, 300))]
        gap = trends.score_gap(moments(a), moments(b))
        assert gap is not None
        ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
        assert gap.difference == pytest.approx(sum(a) / len(a) - sum(b) / len(b))
        assert (gap.low, gap.high) == pytest.approx((ci.low, ci.high), abs=1e-6)
    assert trends.score_gap(moments([50.0] * 9), moments([50.0] * 50)) is None


def test_shares_and_gaps_from_the_daily_counts(app: Any) -> None:
    said = [("Long wait in line.", 1), ("The wait was long.", 2), ("Great staff.", 5)]
    for i in range(12):
        for text, score in said:
            submit(
                app,
                "counter",
                {"satisfaction": score, "comment": text},
                day=date(2025, 1 + i % 3, 1 + i),
            )
    with session_scope(app.state.engine) as session:
        ids = themes.by_key(session)
        for c in session.scalars(select(Comment)):
            if c.score is not None and c.score <= 2:
                themes.confirm(session, c, [ids["waiting_time"]])
        survey = app.state.ids["counter"]
        result = trends.trends(
            session, survey_ids=[survey], first=date(2025, 1, 1), last=date(2025, 3, 31)
        )
    waiting = next(t for t in result.themes if t.theme.id == ids["waiting_time"])
    assert result.comments == 36 and result.themes[0] is waiting  # what to fix first
    low, high = proportion_confint(24, 36, method="wilson")
    assert waiting.overall.estimate == pytest.approx(24 / 36)
    # z = 1.96 here, statsmodels uses 1.959964: limits agree to 1e-5.
    assert (waiting.overall.low, waiting.overall.high) == pytest.approx((low, high), abs=1e-5)
    assert waiting.gap is not None and waiting.gap.difference == pytest.approx(12.5 - 100.0)
    assert list(waiting.channels) == ["in_person"] and len(waiting.periods) == 3


def test_trends_page_in_both_languages(staff: TestClient, app: Any) -> None:
    submit(app, "counter", {"satisfaction": 1, "comment": "Long wait."}, day=date(2025, 1, 2))
    url = "/dashboard/comments/trends?since=2025-01-01&until=2025-03-31"
    en = staff.get(url + "&lang=en")
    assert en.status_code == 200 and "What to fix first" in en.text
    assert "Que corriger en premier" in staff.get(url + "&lang=fr").text
    data = staff.get(url + "&format=json").json()
    assert data["comments"] == 1 and len(data["themes"]) == 12
    assert staff.get("/dashboard/comments/trends?since=nope&survey=zz").status_code == 200

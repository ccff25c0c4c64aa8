"""Response rates and the post-stratified score, against statsmodels and a hand computation."""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from feedback.insight.reach_metrics import (
    NotWeighted,
    Weighted,
    post_stratify,
    response_rate,
    wilson_at,
)


@pytest.mark.parametrize(("x", "n"), [(0, 10), (3, 10), (37, 412), (999, 1000), (5, 5)])
def test_response_rate_interval_is_wilsons(x: int, n: int) -> None:
    rate = response_rate(x, n)
    assert rate.status == "ok" and rate.interval is not None
    low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
    assert rate.interval.estimate == pytest.approx(x / n)
    assert rate.interval.low == pytest.approx(low, abs=2e-4)
    assert rate.interval.high == pytest.approx(high, abs=2e-4)


def test_more_answers_than_offers_is_not_a_rate() -> None:
    assert response_rate(12, 10).status == "not_counted"
    assert response_rate(12, 10).interval is None
    assert response_rate(3, 0).status == "no_offers"
    assert response_rate(0, 0).status == "no_offers"
    with pytest.raises(ValueError):
        response_rate(-1, 4)


@pytest.mark.parametrize(("p", "n"), [(0.575, 34.7826), (0.1, 7.5), (0.0, 12.25), (1.0, 3.0)])
def test_wilson_at_a_fractional_size_matches_statsmodels(p: float, n: float) -> None:
    low, high = proportion_confint(p * n, n, alpha=0.05, method="wilson")
    assert wilson_at(p, n) == pytest.approx((low, high), abs=2e-4)


def test_post_stratification_by_hand() -> None:
    # Web: 80 of 100 answers good; phone: 10 of 20. Served: web 1,000, phone 3,000.
    # Shares 0.25 / 0.75; weighted 0.25 * 0.8 + 0.75 * 0.5 = 0.575; raw 90 / 120 = 0.75;
    # n_eff = 1 / (0.25^2 / 100 + 0.75^2 / 20) = 1 / 0.02875 = 34.7826...
    result = post_stratify({"web": (80, 100), "phone": (10, 20)}, {"web": 1000, "phone": 3000})
    assert isinstance(result, Weighted)
    assert result.estimate == pytest.approx(0.575)
    assert result.raw.estimate == pytest.approx(0.75)
    assert result.n == 120
    assert result.n_eff == pytest.approx(34.7826, abs=1e-4)
    assert result.shares == pytest.approx({"web": 0.25, "phone": 0.75})
    assert result.answer_shares == pytest.approx({"web": 100 / 120, "phone": 20 / 120})
    low, high = proportion_confint(0.575 * 34.7826087, 34.7826087, method="wilson")
    # z = 1.96 here, 1.95996... in statsmodels: a few millionths apart.
    assert (result.low, result.high) == pytest.approx((low, high), abs=1e-5)
    # Weighting can only cost precision: n_eff is at most n.
    assert result.n_eff <= result.n


def test_weights_proportional_to_answers_change_nothing() -> None:
    result = post_stratify({"web": (80, 100), "phone": (10, 20)}, {"web": 500, "phone": 100})
    assert isinstance(result, Weighted)
    assert result.estimate == pytest.approx(0.75)
    assert result.n_eff == pytest.approx(120)


def test_no_weighted_score_without_every_volume() -> None:
    assert post_stratify({"web": (8, 10), "phone": (1, 2)}, {"web": 100}) == NotWeighted(
        "volume_unknown", ("phone",)
    )
    assert post_stratify({"web": (8, 10)}, {"web": 100, "mail": 40}) == NotWeighted(
        "no_answers_on", ("mail",)
    )
    assert post_stratify({}, {"web": 100}) == NotWeighted("no_answers")

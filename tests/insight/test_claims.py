"""Significance, control limits and distributions against statsmodels and scipy."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("statsmodels")

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402
from statsmodels.stats.proportion import (  # noqa: E402
    confint_proportions_2indep,
    proportion_confint,
)

from feedback.insight import control, distributions, headline, significance  # noqa: E402
from feedback.insight.intervals import newcombe_diff, wilson  # noqa: E402

CASES = [(0, 10, 3, 10), (5, 10, 5, 10), (40, 50, 30, 50), (81, 100, 70, 120), (10, 10, 0, 7),
         (300, 400, 250, 380), (1, 31, 29, 30), (700, 1000, 650, 1000)]  # fmt: skip
ALPHA_196 = 2 * (1 - stats.norm.cdf(1.96))


@pytest.mark.parametrize("x,n", [(0, 5), (3, 10), (10, 10), (47, 120), (999, 1000)])
def test_wilson_matches_statsmodels(x: int, n: int) -> None:
    low, high = proportion_confint(x, n, alpha=ALPHA_196, method="wilson")
    got = wilson(x, n)
    assert (got.low, got.high) == pytest.approx((low, high), abs=1e-12)


@pytest.mark.parametrize("x1,n1,x0,n0", CASES)
def test_newcombe_matches_statsmodels(x1: int, n1: int, x0: int, n0: int) -> None:
    low, high = confint_proportions_2indep(
        x1, n1, x0, n0, method="newcomb", compare="diff", alpha=ALPHA_196
    )
    got = newcombe_diff(x1, n1, x0, n0)
    assert (got.low, got.high) == pytest.approx((low, high), abs=1e-9)
    change = significance.share_change(x1, n1, x0, n0)
    assert (change.low, change.high) == pytest.approx((100 * low, 100 * high), abs=1e-7)


@pytest.mark.parametrize("x1,n1,x0,n0", [c for c in CASES if c[0] / c[1] != c[2] / c[3]])
def test_p_value_inverts_the_interval(x1: int, n1: int, x0: int, n0: int) -> None:
    p = significance.newcombe_p_value(x1, n1, x0, n0)
    assert 0 <= p <= 1
    if p < 1e-12:
        return
    z = stats.norm.ppf(1 - p / 2)
    low, high = confint_proportions_2indep(
        x1, n1, x0, n0, method="newcomb", compare="diff", alpha=p
    )
    assert min(abs(low), abs(high)) < 1e-7  # at its own level the interval touches zero
    assert newcombe_diff(x1, n1, x0, n0, z=z * 0.999).significant
    assert not newcombe_diff(x1, n1, x0, n0, z=z * 1.001).significant
    # Significant at 5% alone exactly when the 95% interval leaves out zero.
    assert (p < ALPHA_196) == newcombe_diff(x1, n1, x0, n0).significant


def test_holm_matches_statsmodels() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        m = int(rng.integers(1, 15))
        ps = list(rng.uniform(0, 0.1, m) ** rng.uniform(0.5, 3))
        expected = multipletests(ps, alpha=0.05, method="holm")[0]
        assert significance.holm(ps) == list(expected)


def test_verdicts_never_mix_not_enough_and_significant() -> None:
    few = significance.share_change(2, 2, 0, 6)  # 100% of 2 against 0% of 6
    thin = significance.share_change(20, 29, 5, 29)  # under 30 answers
    wide = significance.share_change(20, 40, 5, 40)  # margin over 10 points at 40 answers
    big = significance.share_change(900, 1000, 700, 1000)
    same = significance.share_change(500, 1000, 498, 1000)
    judged = significance.judge(
        [few, thin, wide, big, same, significance.share_change(1, 0 + 1, 0, 0)]
    )
    verdicts = [c.verdict for c in judged]
    assert verdicts == ["not_enough_data"] * 3 + ["significant", "within_noise", "no_data"]
    assert significance.family_size(judged) == 2


def test_holm_across_a_page_withholds_a_lone_borderline_change() -> None:
    border = significance.share_change(560, 1000, 515, 1000)  # p about 0.04 alone
    assert border.p_value is not None and 0.01 < border.p_value < 0.05
    alone = significance.judge([border])[0]
    crowd = significance.judge([border] + [significance.share_change(500, 1000, 500, 1000)] * 5)
    assert alone.significant and not crowd[0].significant


def test_nps_change_interval() -> None:
    a = headline.measure("nps", {"10": 60, "9": 40, "8": 50, "3": 50})
    b = headline.measure("nps", {"10": 30, "9": 30, "8": 60, "3": 80})
    assert a.is_nps and a.value == pytest.approx(25.0)
    d = headline.change(a, b)
    assert d.estimate == pytest.approx(a.value - b.value)  # type: ignore[operator]
    se = math.hypot(a.se, b.se)  # type: ignore[arg-type]
    assert (d.low, d.high) == pytest.approx((d.estimate - 1.96 * se, d.estimate + 1.96 * se))
    assert d.p_value == pytest.approx(2 * stats.norm.sf(abs(d.estimate) / se))


# --- distributions ---------------------------------------------------------------


@pytest.mark.parametrize("n,p", [(1, 0.3), (10, 0.5), (37, 0.91), (200, 0.8), (5000, 0.02)])
def test_binomial_tails_match_scipy(n: int, p: float) -> None:
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        assert distributions.binom_cdf(k, n, p) == pytest.approx(
            stats.binom.cdf(k, n, p), rel=1e-9, abs=1e-300
        )
        assert distributions.binom_sf(k, n, p) == pytest.approx(
            stats.binom.sf(k, n, p), rel=1e-9, abs=1e-300
        )


@pytest.mark.parametrize(
    "n,a,b", [(5, 0.5, 0.5), (30, 40.5, 10.5), (400, 801.5, 200.5), (60, 3.5, 1.5)]
)
def test_betabinomial_matches_scipy(n: int, a: float, b: float) -> None:
    lower, upper, first = distributions.betabinom_tails(n, a, b)
    for i, k in enumerate(range(first, first + len(lower))):
        assert lower[i] == pytest.approx(stats.betabinom.cdf(k, n, a, b), rel=1e-6, abs=1e-13)
        assert upper[i] == pytest.approx(stats.betabinom.sf(k - 1, n, a, b), rel=1e-6, abs=1e-13)


# --- control limits --------------------------------------------------------------


@pytest.mark.parametrize("n,p", [(5, 0.8), (30, 0.9), (200, 0.8), (1000, 0.55), (3000, 0.97)])
def test_limits_with_a_huge_baseline_are_the_exact_binomial(n: int, p: float) -> None:
    base_n = 10**9
    lim = control.limits(n, round(p * base_n), base_n)
    ks = np.arange(n + 1)
    cdf, sf = stats.binom.cdf(ks, n, p), stats.binom.sf(ks - 1, n, p)
    assert lim.low == int(ks[cdf > control.PER_TAIL][0])
    assert lim.high == int(ks[sf > control.PER_TAIL][-1])
    chance = stats.binom.cdf(lim.low - 1, n, p) + stats.binom.sf(lim.high, n, p)
    assert lim.chance == pytest.approx(chance, rel=1e-3, abs=1e-12)
    assert lim.chance <= 2 * control.PER_TAIL


def test_limits_follow_the_betabinomial_predictive() -> None:
    lim = control.limits(40, 90, 120, 0.01)
    a, b = 90.5, 30.5
    assert (
        stats.betabinom.cdf(lim.low - 1, 40, a, b) <= 0.01 < stats.betabinom.cdf(lim.low, 40, a, b)
    )
    assert (
        stats.betabinom.sf(lim.high, 40, a, b) <= 0.01 < stats.betabinom.sf(lim.high - 1, 40, a, b)
    )


def test_judge_page_skips_partial_thin_and_empty() -> None:
    P = control.Period
    page = control.judge_page(
        {
            "all": [P(80, 100, False, 960, 1200), P(40, 100, False, 960, 1200),
                    P(3, 4, True, 960, 1200), P(0, 0, False, 960, 1200), P(9, 10, False, 20, 30)],
        }
    )  # fmt: skip
    statuses = [j.status for j in page.charts["all"]]
    assert statuses == ["judged", "judged", "partial", "no_answers", "baseline_too_thin"]
    assert page.judged == 2 and page.tail == control.PER_TAIL
    assert [m[2].mark for m in page.marks] == ["below"]
    assert 0 < page.expected_marks <= 4 * control.PER_TAIL
    assert control.page_tail(100) == pytest.approx(0.05 / 200)


def test_rolling_baseline_uses_whole_periods_before() -> None:
    counts = [(8, 10, False)] * 12 + [(1, 2, True), (5, 10, False), (7, 10, False)]
    got = control.rolling_baselines(counts, 13, 12)
    assert got[0] == (88, 110)  # 11 whole months before, the partial one left out
    assert got[1] == (85, 110)

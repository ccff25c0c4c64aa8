"""feedback.metrics against scipy/numpy reference computations and published values."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("scipy")

import numpy as np  # noqa: E402  (scipy brings numpy; import only once scipy is known present)
from scipy import stats  # noqa: E402

from feedback.insight.metrics import (  # noqa: E402
    MAX_MARGIN,
    Interval,
    ces,
    correlation,
    csat,
    enough_data,
    mean_interval,
    newcombe_diff,
    nps,
    sample_size,
    score_for_kind,
    share_yes,
    t_quantile,
    wilson,
)

# The module uses z = 1.96 by default; this confidence level makes scipy use exactly that z.
CL_196 = 2 * stats.norm.cdf(1.96) - 1


def ref_wilson(x: int, n: int, level: float = CL_196) -> tuple[float, float]:
    """Wilson limits as computed by scipy."""
    ci = stats.binomtest(x, n).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def raw(counts: dict[int, int]) -> np.ndarray:
    """One array element per respondent, so references never see the histogram shortcut."""
    return np.repeat(np.array(list(counts), dtype=float), list(counts.values()))


# --- wilson / share_yes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "n"), [(0, 1), (1, 1), (1, 2), (3, 17), (81, 263), (0, 40), (40, 40), (999, 1000)]
)
def test_wilson_matches_scipy(x: int, n: int) -> None:
    z = stats.norm.ppf(0.975)
    got = wilson(x, n, z=z)
    low, high = ref_wilson(x, n, 0.95)
    assert got.estimate == pytest.approx(x / n)
    assert got.n == n
    assert got.low == pytest.approx(low, abs=1e-12)
    assert got.high == pytest.approx(high, abs=1e-12)
    assert got.margin == pytest.approx((high - low) / 2, abs=1e-12)


def test_wilson_default_z_and_published_value() -> None:
    got = wilson(81, 263)
    assert (got.low, got.high) == pytest.approx(ref_wilson(81, 263), abs=1e-12)
    assert (got.low, got.high) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    wide = wilson(81, 263, z=stats.norm.ppf(0.995))
    assert (wide.low, wide.high) == pytest.approx(ref_wilson(81, 263, 0.99), abs=1e-12)


def test_wilson_edges() -> None:
    empty = wilson(0, 0)
    assert (empty.estimate, empty.low, empty.high, empty.margin) == (None,) * 4
    assert empty.n == 0
    none_yes = wilson(0, 25)
    assert none_yes.estimate == 0 and none_yes.low == 0.0
    assert none_yes.high == pytest.approx(ref_wilson(0, 25)[1], abs=1e-12)
    all_yes = wilson(25, 25)
    assert all_yes.estimate == 1 and all_yes.high == 1.0
    assert all_yes.low == pytest.approx(ref_wilson(25, 25)[0], abs=1e-12)
    # Exactly 0 and 1 at the extremes, not float noise such as 0.9999999999999999.
    assert all(wilson(0, n).low == 0.0 and wilson(n, n).high == 1.0 for n in range(1, 60))
    for x, n in [(-1, 5), (6, 5), (0, -1)]:
        with pytest.raises(ValueError):
            wilson(x, n)


def test_share_yes_is_wilson() -> None:
    got = share_yes(12, 50)
    assert got.estimate == pytest.approx(0.24)
    assert (got.low, got.high) == pytest.approx(ref_wilson(12, 50), abs=1e-12)
    assert share_yes(0, 0).estimate is None


# --- csat / nps / ces / mean_interval ---------------------------------------------------


def test_csat_top2box_ignores_invalid_keys() -> None:
    counts = {1: 3, 2: 5, 3: 6, 4: 20, 5: 12, 0: 7, 6: 4, -1: 9}  # 0, 6, -1: N/A, out of range
    got = csat(counts)
    answers = raw(counts)
    valid = answers[(answers >= 1) & (answers <= 5)]
    assert got.n == valid.size == 46
    assert got.counts == {1: 3, 2: 5, 3: 6, 4: 20, 5: 12}
    top = int((valid >= 4).sum())
    assert got.interval.estimate == pytest.approx(top / valid.size)
    assert (got.interval.low, got.interval.high) == pytest.approx(
        ref_wilson(top, valid.size), abs=1e-12
    )


def test_csat_empty() -> None:
    got = csat({0: 4})
    assert got.n == 0 and got.interval.estimate is None
    assert got.counts == dict.fromkeys(range(1, 6), 0)


def test_nps_matches_per_respondent_reference() -> None:
    counts = {0: 2, 3: 4, 6: 9, 7: 11, 8: 13, 9: 17, 10: 21, 11: 5}  # 11 is out of range
    got = nps(counts)
    answers = raw(counts)
    answers = answers[answers <= 10]
    # Each person scores +1 (promoter), 0 (passive) or -1 (detractor); NPS is 100 * mean.
    person = np.where(answers >= 9, 1.0, np.where(answers <= 6, -1.0, 0.0))
    score = 100 * person.mean()
    se = 100 * person.std(ddof=0) / math.sqrt(person.size)
    assert got.n == person.size
    assert (got.promoters, got.passives, got.detractors) == (38, 24, 15)
    assert got.score == pytest.approx(score, abs=1e-10)
    assert got.se == pytest.approx(se, abs=1e-10)
    assert got.low == pytest.approx(score - 1.96 * se, abs=1e-10)
    assert got.high == pytest.approx(score + 1.96 * se, abs=1e-10)


def test_nps_clipping_and_empty() -> None:
    got = nps({10: 9, 0: 1})  # score 80, se ~19: the upper limit would pass 100
    assert got.score == pytest.approx(80)
    assert got.high == 100.0
    assert got.low == pytest.approx(80 - 1.96 * 100 * math.sqrt(0.36 / 10))
    floor = nps({0: 9, 10: 1})
    assert floor.score == pytest.approx(-80) and floor.low == -100.0
    empty = nps({11: 3})
    assert (empty.score, empty.low, empty.high, empty.se, empty.n) == (None,) * 4 + (0,)


def test_mean_interval_matches_numpy_and_scipy() -> None:
    counts = {1.5: 3, 2.0: 7, 4.25: 2, 7.0: 1}
    got = mean_interval(counts)
    values = raw(counts)  # type: ignore[arg-type]
    mean, sd, n = values.mean(), values.std(ddof=1), values.size
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    assert got.n == n
    assert got.mean == pytest.approx(mean, abs=1e-12)
    assert got.sd == pytest.approx(sd, abs=1e-12)
    assert (got.low, got.high) == pytest.approx((mean - half, mean + half), abs=1e-10)
    ninety = mean_interval(counts, level=0.90)
    half90 = stats.t.ppf(0.95, n - 1) * sd / math.sqrt(n)
    assert ninety.high == pytest.approx(mean + half90, abs=1e-10)


def test_mean_interval_small_n() -> None:
    assert mean_interval({}) == mean_interval({3.0: 0})
    assert mean_interval({}).mean is None and mean_interval({}).n == 0
    one = mean_interval({4: 1})
    assert (one.mean, one.low, one.high, one.n, one.sd) == (4.0, None, None, 1, None)
    two = mean_interval({2: 1, 5: 1})  # df = 1: the Cauchy quantile 12.706
    sd = np.std([2.0, 5.0], ddof=1)
    assert two.low == pytest.approx(3.5 - stats.t.ppf(0.975, 1) * sd / math.sqrt(2), abs=1e-9)
    with pytest.raises(ValueError):
        mean_interval({1: -2})


def test_ces_mean_and_easy_share() -> None:
    counts = {1: 2, 2: 3, 3: 5, 4: 8, 5: 12, 6: 9, 7: 6, 8: 4}  # 8 is out of range
    got = ces(counts)
    answers = raw(counts)
    answers = answers[answers <= 7]
    n = answers.size
    sd = answers.std(ddof=1)
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    assert got.n == got.mean.n == n == 45
    assert got.counts == {k: counts[k] for k in range(1, 8)}
    assert got.mean.mean == pytest.approx(answers.mean(), abs=1e-12)
    assert (got.mean.low, got.mean.high) == pytest.approx(
        (answers.mean() - half, answers.mean() + half), abs=1e-10
    )
    easy = int((answers >= 5).sum())
    assert got.easy.estimate == pytest.approx(easy / n)
    assert (got.easy.low, got.easy.high) == pytest.approx(ref_wilson(easy, n), abs=1e-12)
    assert ces({}).mean.mean is None and ces({}).easy.estimate is None


# --- t quantile -------------------------------------------------------------------------


def test_t_quantile_matches_scipy_df_1_to_1000() -> None:
    got = np.array([t_quantile(0.975, df) for df in range(1, 1001)])
    expected = stats.t.ppf(0.975, np.arange(1, 1001))
    assert np.max(np.abs(got - expected)) < 1e-9


@pytest.mark.parametrize("p", [1e-9, 0.001, 0.025, 0.3, 0.5, 0.6, 0.9, 0.995, 0.99999])
@pytest.mark.parametrize("df", [0.5, 1, 2.5, 4, 29, 9_999, 10_001, 123_456, 1e9])
def test_t_quantile_other_levels(p: float, df: float) -> None:
    expected = stats.t.ppf(p, df)
    assert t_quantile(p, df) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_t_quantile_rejects_bad_input() -> None:
    for p, df in [(0.0, 5), (1.0, 5), (0.5, 0), (0.9, -1)]:
        with pytest.raises(ValueError):
            t_quantile(p, df)


# --- newcombe_diff ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [  # Newcombe (1998) Stat Med 17:873-890, Table II, method 10
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
    ],
)
def test_newcombe_published(x1: int, n1: int, x2: int, n2: int, low: float, high: float) -> None:
    # The paper's 4-decimal figures use z = 1.959964, not the rounded 1.96.
    got = newcombe_diff(x1, n1, x2, n2, z=stats.norm.ppf(0.975))
    assert got.estimate == pytest.approx(x1 / n1 - x2 / n2)
    assert (got.low, got.high) == pytest.approx((low, high), abs=5e-5)
    assert got.significant == (low > 0 or high < 0)


def test_newcombe_from_scipy_wilson_limits() -> None:
    x1, n1, x2, n2 = 31, 150, 62, 160
    (l1, u1), (l2, u2) = ref_wilson(x1, n1), ref_wilson(x2, n2)
    p1, p2 = x1 / n1, x2 / n2
    got = newcombe_diff(x1, n1, x2, n2)
    assert got.low == pytest.approx(p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2))
    assert got.high == pytest.approx(p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))
    assert got.high is not None and got.high < 0  # 21% vs 39%: zero is excluded below
    assert got.significant
    same = newcombe_diff(30, 100, 33, 100)
    assert same.low is not None and same.high is not None
    assert same.low < 0 < same.high and not same.significant


def test_newcombe_empty_group() -> None:
    for args in [(0, 0, 3, 10), (3, 10, 0, 0)]:
        got = newcombe_diff(*args)
        assert (got.estimate, got.low, got.high, got.significant) == (None, None, None, False)
    with pytest.raises(ValueError):
        newcombe_diff(11, 10, 3, 10)


def test_sample_size_published_values() -> None:
    assert sample_size(0.05) == 385
    assert sample_size(0.10) == 97
    assert sample_size(0.03) == 1068
    assert sample_size(0.05, population=1000) == 278  # Cochran's corrected figure
    assert sample_size(0.05, population=100) == 80


@pytest.mark.parametrize("margin", [0.02, 0.04, 0.07])
@pytest.mark.parametrize("p", [0.2, 0.5])
@pytest.mark.parametrize("population", [None, 500, 20_000])
def test_sample_size_matches_formula(margin: float, p: float, population: int | None) -> None:
    z = stats.norm.ppf(0.975)
    n0 = z**2 * p * (1 - p) / margin**2
    if population is not None:
        n0 = n0 / (1 + (n0 - 1) / population)
    assert sample_size(margin, p=p, z=z, population=population) == math.ceil(n0)


def test_sample_size_rejects_bad_input() -> None:
    for kwargs in [{"margin": 0.0}, {"margin": 0.05, "p": 1.0}, {"margin": 0.05, "population": 0}]:
        with pytest.raises(ValueError):
            sample_size(**kwargs)  # type: ignore[arg-type]


def test_enough_data() -> None:
    assert MAX_MARGIN == 0.10
    assert enough_data(wilson(50, 100))  # margin 0.096
    assert not enough_data(wilson(40, 80))  # margin 0.107
    assert not enough_data(wilson(0, 0))
    assert Interval(0.1, 0.0, 0.2, 90).margin == 0.1
    assert enough_data(Interval(0.1, 0.0, 0.2, 90))  # exactly 10 points is still enough
    assert not enough_data(Interval(0.1, 0.0, 0.2002, 90))


# --- score_for_kind ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "counts", "good", "total"),
    [
        ("rating5", {1: 4, 3: 6, 4: 7, 5: 3, 0: 9}, 10, 20),
        ("yes_no", {True: 13, False: 27}, 13, 40),
        ("yes_no", {1: 13, 0: 27, 2: 5}, 13, 40),
        ("nps", {0: 5, 6: 5, 8: 10, 9: 6, 10: 4, 11: 3}, 10, 30),
        ("ces7", {1: 2, 4: 8, 5: 5, 7: 5, 9: 1}, 10, 20),
    ],
)
def test_score_for_kind(kind: str, counts: dict[int, int], good: int, total: int) -> None:
    got = score_for_kind(kind, counts)
    assert got.n == total
    assert got.estimate == pytest.approx(good / total)
    assert (got.low, got.high) == pytest.approx(ref_wilson(good, total), abs=1e-12)


def test_score_for_kind_rejects_unscored_kinds() -> None:
    for kind in ("text", "choice", "multi", "nonsense"):
        with pytest.raises(ValueError):
            score_for_kind(kind, {1: 3})
    assert score_for_kind("rating5", {}).estimate is None


def _expand(pairs: dict[tuple[int, int], int]) -> tuple[list[int], list[int]]:
    xs = [x for (x, _), c in pairs.items() for _ in range(c)]
    ys = [y for (_, y), c in pairs.items() for _ in range(c)]
    return xs, ys


@pytest.mark.parametrize("seed", range(6))
def test_correlation_matches_scipy_pearsonr(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pairs: dict[tuple[int, int], int] = {}
    for _ in range(int(rng.integers(10, 400))):
        x = int(rng.integers(1, 6))
        y = int(min(5, max(1, x + rng.integers(-2, 3) * (seed % 3 + 1))))
        pairs[(x, y)] = pairs.get((x, y), 0) + 1
    result = correlation(pairs, z=float(stats.norm.ppf(0.975)))
    ref = stats.pearsonr(*_expand(pairs))
    ci = ref.confidence_interval(0.95)
    assert result.n == sum(pairs.values())
    assert result.r == pytest.approx(ref.statistic, abs=1e-12)
    assert result.low == pytest.approx(ci.low, abs=1e-9)
    assert result.high == pytest.approx(ci.high, abs=1e-9)


def test_correlation_edges() -> None:
    assert correlation({}).r is None
    assert correlation({(3, 4): 10}).r is None  # no variation
    assert correlation({(1, 1): 5, (1, 5): 5}).r is None  # x never varies
    perfect = correlation({(1, 2): 3, (2, 4): 3, (3, 6): 3})
    assert perfect.r == pytest.approx(1.0) and perfect.low is None
    small = correlation({(1, 1): 1, (2, 3): 1, (3, 2): 1})
    assert small.r == pytest.approx(0.5) and small.low is None and small.n == 3
    with pytest.raises(ValueError):
        correlation({(1, 1): -1, (2, 2): 3})

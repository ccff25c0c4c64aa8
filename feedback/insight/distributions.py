"""Distributions the statistics need, standard library only: Student's t quantile, the
binomial and beta-binomial tails (exact sums, no normal approximation).

Kept apart from numpy and scipy so the web process stays small; tests check every function
against scipy.stats.
"""

from __future__ import annotations

import math
from itertools import accumulate
from statistics import NormalDist

# Above this many degrees of freedom a normal-based expansion replaces the exact t quantile.
_NORMAL_DF = 1e4
# Terms further than this many standard deviations from the mean add less than 1e-20.
_SPAN_SD = 12


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 1e-15
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        for aa in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + aa * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < eps:
            break
    return h


def betainc(a: float, b: float, x: float, y: float) -> float:
    """Regularized incomplete beta I_x(a, b); y = 1 - x is passed in to keep its digits."""
    if x <= 0:
        return 0.0
    if y <= 0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(y)
    )
    # The fraction converges fast only on this side of the mean; use symmetry on the other.
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1 - math.exp(log_front) * _betacf(b, a, y) / b


def t_quantile(p: float, df: float) -> float:
    """Student t inverse CDF; matches scipy.stats.t.ppf to ~1e-9 for 1e-12 <= p <= 1 - 1e-12."""
    if not 0 < p < 1 or df <= 0:
        raise ValueError(f"need 0 < p < 1 and df > 0, got p={p}, df={df}")
    if p == 0.5:
        return 0.0
    # Solve on the smaller tail: 1 - p would throw away the digits of a tiny p.
    t = _t_upper_quantile(min(p, 1 - p), df)
    return t if p > 0.5 else -t


def _t_upper_quantile(q: float, df: float) -> float:
    """The t > 0 with P(T > t) = q, for 0 < q < 0.5."""
    z = -NormalDist().inv_cdf(q)
    if df > _NORMAL_DF:
        # Cornish-Fisher expansion around the normal quantile; dropped terms are O(df**-4).
        return (
            z
            + (z**3 + z) / (4 * df)
            + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
        )
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    # The t upper tail is convex and decreasing for t > 0 and always heavier than the normal,
    # so Newton from the normal quantile climbs monotonically to the root without overshoot.
    t = z
    for _ in range(500):
        upper = 0.5 * betainc(df / 2, 0.5, df / (df + t * t), t * t / (df + t * t))
        pdf = math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))
        if pdf == 0.0:  # only for q near the float limit: the density underflows
            return math.inf
        step = (upper - q) / pdf
        t += step
        if abs(step) <= 1e-13 * max(1.0, t):
            break
    return t


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), through the regularized incomplete beta function."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return betainc(n - k, k + 1, 1 - p, p)


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X > k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 1.0
    if k >= n:
        return 0.0
    return betainc(k + 1, n - k, p, 1 - p)


def _lbeta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def betabinom_pmf(k: int, n: int, a: float, b: float) -> float:
    """P(X = k) for X ~ BetaBinomial(n, a, b) (a = b = inf-like gives the binomial)."""
    if k < 0 or k > n:
        return 0.0
    log_choose = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    return math.exp(log_choose + _lbeta(k + a, n - k + b) - _lbeta(a, b))


def betabinom_tails(n: int, a: float, b: float) -> tuple[list[float], list[float], int]:
    """Lower tails P(X <= k) and upper tails P(X >= k) for k in a window around the mean.

    Returns (lower, upper, first): entry i is for k = first + i. Outside the window each
    tail is below 1e-20 (or the window reaches 0 or n), so a caller reads 0 or 1 there.
    """
    mean = n * a / (a + b)
    var = n * a * b * (a + b + n) / ((a + b) ** 2 * (a + b + 1))
    span = _SPAN_SD * math.sqrt(var) + 10
    first, last = max(0, math.floor(mean - span)), min(n, math.ceil(mean + span))
    # One exact term near the mean, the rest by the ratio of neighbours (no lgamma per term).
    mid = min(last, max(first, round(mean)))
    pmf = [0.0] * (last - first + 1)
    pmf[mid - first] = betabinom_pmf(mid, n, a, b)
    for k in range(mid, last):
        pmf[k + 1 - first] = pmf[k - first] * (n - k) * (k + a) / ((k + 1) * (n - k - 1 + b))
    for k in range(mid, first, -1):
        pmf[k - 1 - first] = pmf[k - first] * k * (n - k + b) / ((n - k + 1) * (k - 1 + a))
    # Float sums may pass 1 by a few ulps; callers compare tails with small probabilities.
    lower = list(accumulate(pmf))
    upper = list(accumulate(reversed(pmf)))[::-1]
    return lower, upper, first

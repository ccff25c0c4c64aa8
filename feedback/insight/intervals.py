"""Scores and their 95% intervals from answer counts: Wilson, Newcombe, NPS, CES, means.

Pure functions on histograms (answer value -> count), standard library only, so the same
code serves the dashboard, exports and tests without pulling numpy into the web process.
Proportions are in 0..1; only NPS is on its own -100..100 scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from feedback.insight.distributions import t_quantile

# Widest 95% half-width (proportion units) we will still draw as a confident figure.
MAX_MARGIN = 0.10


@dataclass(frozen=True)
class Interval:
    """A proportion with its confidence limits; estimate/low/high are None when n == 0."""

    estimate: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def margin(self) -> float | None:
        """Half-width (high - low) / 2 in proportion units, or None when n == 0."""
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2


@dataclass(frozen=True)
class Score:
    """Top-box share of a scale question plus the count at every scale point."""

    counts: dict[int, int]
    n: int
    interval: Interval


@dataclass(frozen=True)
class NpsResult:
    """Net Promoter Score (-100..100) with normal-approximation limits; None when n == 0."""

    score: float | None
    low: float | None
    high: float | None
    se: float | None
    n: int
    promoters: int
    passives: int
    detractors: int


@dataclass(frozen=True)
class MeanResult:
    """Mean with t-based limits; sd/low/high are None when n < 2, everything None at n == 0."""

    mean: float | None
    low: float | None
    high: float | None
    n: int
    sd: float | None


@dataclass(frozen=True)
class CesResult:
    """Customer Effort Score on 1..7: the mean and the share answering 5..7 (easy)."""

    counts: dict[int, int]
    n: int
    mean: MeanResult
    easy: Interval


@dataclass(frozen=True)
class Difference:
    """p1 - p2 with a Newcombe interval; None fields and not significant if either n == 0."""

    estimate: float | None
    low: float | None
    high: float | None
    significant: bool


def _check(x: float, n: float) -> None:
    """Reject counts that cannot be a binomial observation."""
    if n < 0 or x < 0 or x > n:
        raise ValueError(f"need 0 <= x <= n, got x={x}, n={n}")


def _wilson_limits(x: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score limits for 0 <= x <= n, n > 0."""
    p = x / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # At x == 0 or x == n the exact limit is 0 or 1; float noise would give 1e-17 or 0.999...
    low = 0.0 if x == 0 else max(0.0, centre - half)
    high = 1.0 if x == n else min(1.0, centre + half)
    return low, high


def wilson(x: int, n: int, *, z: float = 1.96) -> Interval:
    """Wilson score interval for x successes out of n (estimate x / n)."""
    _check(x, n)
    if n == 0:
        return Interval(None, None, None, 0)
    return Interval(x / n, *_wilson_limits(x, n, z), n)


def share_yes(yes: int, n: int) -> Interval:
    """Share answering yes to a yes/no question such as "was this page useful?"."""
    # Unprompted page feedback leans to "no": people who found their answer simply leave.
    # Read it as a trend between periods, not as the share of all visitors satisfied.
    return wilson(yes, n)


def _histogram(counts: Mapping[int, int], lo: int, hi: int) -> dict[int, int]:
    """Counts at every point lo..hi; other keys (N/A, out of range) are dropped."""
    hist = {k: int(counts.get(k, 0)) for k in range(lo, hi + 1)}
    if any(c < 0 for c in hist.values()):
        raise ValueError("counts must be non-negative")
    return hist


def csat(counts: Mapping[int, int]) -> Score:
    """Top-2-box satisfaction on a 1..5 scale: share of 4 and 5 among valid answers."""
    hist = _histogram(counts, 1, 5)
    n = sum(hist.values())
    return Score(hist, n, wilson(hist[4] + hist[5], n))


def nps(counts: Mapping[int, int]) -> NpsResult:
    """Net Promoter Score from 0..10 counts: 100 * (share 9-10 minus share 0-6)."""
    hist = _histogram(counts, 0, 10)
    n = sum(hist.values())
    pro = hist[9] + hist[10]
    det = sum(hist[k] for k in range(7))
    if n == 0:
        return NpsResult(None, None, None, None, 0, 0, 0, 0)
    p, d = pro / n, det / n
    score = 100 * (p - d)
    # Variance of a per-person +1/0/-1 score; max() guards float noise when p or d is 1.
    se = 100 * math.sqrt(max(0.0, p + d - (p - d) ** 2) / n)
    low, high = max(-100.0, score - 1.96 * se), min(100.0, score + 1.96 * se)
    return NpsResult(score, low, high, se, n, pro, n - pro - det, det)


def mean_interval(
    values_counts: Mapping[float, int] | Mapping[int, int], *, level: float = 0.95
) -> MeanResult:
    """Mean, sample sd and t interval from a value -> count histogram."""
    items = [(float(v), int(c)) for v, c in values_counts.items()]
    if any(c < 0 for _, c in items):
        raise ValueError("counts must be non-negative")
    n = sum(c for _, c in items)
    if n == 0:
        return MeanResult(None, None, None, 0, None)
    mean = math.fsum(v * c for v, c in items) / n
    if n < 2:
        return MeanResult(mean, None, None, n, None)
    # Two-pass sum of squares: the one-pass formula loses digits when sd << mean.
    sd = math.sqrt(math.fsum(c * (v - mean) ** 2 for v, c in items) / (n - 1))
    half = t_quantile(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return MeanResult(mean, mean - half, mean + half, n, sd)


def ces(counts: Mapping[int, int]) -> CesResult:
    """Customer Effort Score on 1..7: mean with t interval and share of 5..7 with Wilson."""
    hist = _histogram(counts, 1, 7)
    n = sum(hist.values())
    return CesResult(hist, n, mean_interval(hist), wilson(hist[5] + hist[6] + hist[7], n))


def newcombe_diff(x1: float, n1: float, x2: float, n2: float, *, z: float = 1.96) -> Difference:
    """Difference p1 - p2 with Newcombe's hybrid score interval (1998, method 10); x and n
    may be effective (weighted) counts."""
    _check(x1, n1)
    _check(x2, n2)
    if n1 == 0 or n2 == 0:
        return Difference(None, None, None, False)
    (l1, u1), (l2, u2) = _wilson_limits(x1, n1, z), _wilson_limits(x2, n2, z)
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    # Unlike the Wald interval this stays inside [-1, 1] and behaves at 0/n and n/n.
    low = max(-1.0, d - math.hypot(p1 - l1, u2 - p2))
    high = min(1.0, d + math.hypot(u1 - p1, p2 - l2))
    return Difference(d, low, high, low > 0 or high < 0)


def sample_size(
    margin: float, *, p: float = 0.5, z: float = 1.96, population: int | None = None
) -> int:
    """Responses needed for a given half-width, with optional finite-population correction."""
    if not 0 < margin < 1 or not 0 < p < 1 or (population is not None and population < 1):
        raise ValueError(f"need 0 < margin, p < 1 and population >= 1: {margin}, {p}, {population}")
    n0 = z * z * p * (1 - p) / (margin * margin)
    if population is not None:
        # Correct the unrounded n0 (Cochran), which gives the familiar 278 for N = 1000.
        n0 = n0 / (1 + (n0 - 1) / population)
    # Subtract a hair so float noise on an exact integer does not round up a whole response.
    return max(1, math.ceil(n0 - 1e-9))


def enough_data(interval: Interval) -> bool:
    """Whether an interval is tight enough (margin <= MAX_MARGIN) to draw a conclusion."""
    margin = interval.margin
    return interval.n > 0 and margin is not None and margin <= MAX_MARGIN


# kind: (lowest valid answer, highest valid answer, lowest answer counted as good)
_TOP_BOX = {"rating5": (1, 5, 4), "nps": (0, 10, 9), "ces7": (1, 7, 5)}


def score_for_kind(kind: str, counts: Mapping[int, int] | Mapping[bool, int]) -> Interval:
    """Headline share for a kind: rating5 4-5, yes_no True/1, nps 9-10, ces7 5-7."""
    # One comparable 0..1 proportion per kind lets trends, comparisons and p-charts treat
    # every scale alike; the means and NPS itself come from csat/nps/ces.
    # bool is an int and True/1, False/0 hash alike, so bool keys read as 1 and 0.
    counts = cast(Mapping[int, int], counts)
    if kind == "yes_no":
        hist = _histogram(counts, 0, 1)
        return wilson(hist[1], hist[0] + hist[1])
    if kind not in _TOP_BOX:
        raise ValueError(f"no headline proportion for question kind {kind!r}")
    lo, hi, good = _TOP_BOX[kind]
    hist = _histogram(counts, lo, hi)
    return wilson(sum(hist[k] for k in range(good, hi + 1)), sum(hist.values()))

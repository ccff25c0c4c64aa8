"""What a change may claim: "significant", "within noise", "not enough data" or "no data".

A change between two periods is called significant only when both periods have enough
answers (at least MIN_ANSWERS and a margin of at most 10 points each) and it survives
Holm's step-down across every change a page shows together, so that the chance of any
false "significant" on a page stays at or below FAMILY_ALPHA (docs/statistics.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from statistics import NormalDist

from feedback.insight.intervals import MAX_MARGIN, _wilson_limits, newcombe_diff, wilson

MIN_ANSWERS = 30
FAMILY_ALPHA = 0.05
SIGNIFICANT = "significant"
WITHIN_NOISE = "within_noise"
NOT_ENOUGH = "not_enough_data"
NO_DATA = "no_data"
_PENDING = "pending"  # enough data; the page's family decides
_Z = NormalDist()


@dataclass(frozen=True)
class Change:
    """A change in points (now minus before) with its 95% interval and what it may claim.

    Points are percentage points for shares and NPS points for NPS. `p_value` is the
    two-sided p-value of the change alone; `verdict` is set by `judge` for a whole page.
    """

    estimate: float | None
    low: float | None
    high: float | None
    p_value: float | None
    n_now: int
    n_before: int
    verdict: str

    @property
    def enough(self) -> bool:
        """Both periods have enough answers to conclude anything."""
        return self.verdict in (SIGNIFICANT, WITHIN_NOISE, _PENDING)

    @property
    def significant(self) -> bool:
        """Called significant after the page's family control."""
        return self.verdict == SIGNIFICANT


def enough_share(x: float, n: float) -> bool:
    """At least MIN_ANSWERS answers and a 95% margin of at most 10 points."""
    if n < MIN_ANSWERS:
        return False
    low, high = _wilson_limits(x, n, 1.96)
    return (high - low) / 2 <= MAX_MARGIN


def newcombe_p_value(x1: float, n1: float, x2: float, n2: float) -> float:
    """The two-sided p-value that matches Newcombe's interval: 1 - the widest level whose
    interval still leaves out zero (the interval is inverted, so both always agree)."""
    d = x1 / n1 - x2 / n2
    if d == 0:
        return 1.0

    def clear(z: float) -> bool:
        diff = newcombe_diff(x1, n1, x2, n2, z=z)
        assert diff.low is not None and diff.high is not None
        return diff.low > 0 or diff.high < 0

    lo, hi = 0.0, 1.0
    while clear(hi) and hi < 40:
        lo, hi = hi, hi * 2
    if clear(hi):
        return 0.0
    for _ in range(60):  # bisection to ~1e-16 of z
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if clear(mid) else (lo, mid)
    return 2 * _Z.cdf(-lo)


def share_change(x1: float, n1: float, x0: float, n0: float) -> Change:
    """Now (x1 of n1) minus before (x0 of n0), in points, with Newcombe's interval; x and n
    may be effective counts of a standardised share (n rounded down in the result)."""
    diff = newcombe_diff(x1, n1, x0, n0)
    if diff.estimate is None or diff.low is None or diff.high is None:
        return Change(None, None, None, None, int(n1), int(n0), NO_DATA)
    enough = enough_share(x1, n1) and enough_share(x0, n0)
    return Change(
        100 * diff.estimate,
        100 * diff.low,
        100 * diff.high,
        newcombe_p_value(x1, n1, x0, n0),
        int(n1),
        int(n0),
        _PENDING if enough else NOT_ENOUGH,
    )


def nps_change(
    now: tuple[float, float, int] | None, before: tuple[float, float, int] | None
) -> Change:
    """Difference of two NPS (score, standard error, n) with a normal 95% interval."""
    if now is None or before is None:
        return Change(None, None, None, None, now[2] if now else 0, before[2] if before else 0,
                      NO_DATA)  # fmt: skip
    (s1, se1, n1), (s0, se0, n0) = now, before
    d, se = s1 - s0, math.hypot(se1, se0)
    enough = min(n1, n0) >= MIN_ANSWERS and max(se1, se0) * 1.96 <= 100 * MAX_MARGIN
    p = 1.0 if d == 0 else (0.0 if se == 0 else 2 * _Z.cdf(-abs(d) / se))
    low, high = max(-200.0, d - 1.96 * se), min(200.0, d + 1.96 * se)
    return Change(d, low, high, p, n1, n0, _PENDING if enough else NOT_ENOUGH)


def holm(p_values: Sequence[float], alpha: float = FAMILY_ALPHA) -> list[bool]:
    """Holm's step-down: which hypotheses to reject, family-wise error at most `alpha`."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    rejected = [False] * len(p_values)
    m = len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (m - rank):
            break
        rejected[i] = True
    return rejected


def judge(changes: Sequence[Change], alpha: float = FAMILY_ALPHA) -> list[Change]:
    """Settle the verdicts of the changes one page shows together (Holm across them)."""
    eligible = [i for i, c in enumerate(changes) if c.verdict == _PENDING]
    rejected = holm([_p(changes[i]) for i in eligible], alpha)
    out = list(changes)
    for i, reject in zip(eligible, rejected, strict=True):
        out[i] = replace(changes[i], verdict=SIGNIFICANT if reject else WITHIN_NOISE)
    return out


def _p(change: Change) -> float:
    return 1.0 if change.p_value is None else change.p_value


def family_size(changes: Sequence[Change]) -> int:
    """How many changes with enough data the page judged together."""
    return sum(1 for c in changes if c.enough)


def interval_of(x: int, n: int) -> tuple[float | None, float | None, float | None]:
    """A share in points with its Wilson limits (None when n == 0)."""
    iv = wilson(x, n)
    if iv.estimate is None or iv.low is None or iv.high is None:
        return None, None, None
    return 100 * iv.estimate, 100 * iv.low, 100 * iv.high

"""Survey statistics from answer counts: one place to import them from.

The work is split by concern: intervals (scores and their 95% intervals), distributions
(t, binomial, beta-binomial), significance (changes and the page's family of claims),
control (probability limits); this module adds correlation and re-exports the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from feedback.insight.distributions import t_quantile
from feedback.insight.intervals import (
    MAX_MARGIN,
    CesResult,
    Difference,
    Interval,
    MeanResult,
    NpsResult,
    Score,
    ces,
    csat,
    enough_data,
    mean_interval,
    newcombe_diff,
    nps,
    sample_size,
    score_for_kind,
    share_yes,
    wilson,
)

__all__ = [
    "MAX_MARGIN",
    "CesResult",
    "Correlation",
    "Difference",
    "Interval",
    "MeanResult",
    "NpsResult",
    "Score",
    "ces",
    "correlation",
    "csat",
    "enough_data",
    "mean_interval",
    "newcombe_diff",
    "nps",
    "sample_size",
    "score_for_kind",
    "share_yes",
    "t_quantile",
    "wilson",
]


@dataclass(frozen=True)
class Correlation:
    """Pearson's r with a Fisher-z 95% interval; None fields when it cannot be computed."""

    r: float | None
    low: float | None
    high: float | None
    n: int


def correlation(pairs: Mapping[tuple[float, float], int], *, z: float = 1.96) -> Correlation:
    """Pearson correlation from a (x, y) -> count cross-tab, as if each person were listed."""
    items = [(float(x), float(y), int(c)) for (x, y), c in pairs.items() if c]
    if any(c < 0 for _, _, c in items):
        raise ValueError("counts must be non-negative")
    n = sum(c for _, _, c in items)
    if n < 2:
        return Correlation(None, None, None, n)
    mx = math.fsum(x * c for x, _, c in items) / n
    my = math.fsum(y * c for _, y, c in items) / n
    sxy = math.fsum(c * (x - mx) * (y - my) for x, y, c in items)
    sxx = math.fsum(c * (x - mx) ** 2 for x, _, c in items)
    syy = math.fsum(c * (y - my) ** 2 for _, y, c in items)
    if sxx == 0 or syy == 0:
        return Correlation(None, None, None, n)  # one variable never varies: r is undefined
    r = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    if n <= 3 or abs(r) == 1.0:
        return Correlation(r, None, None, n)
    # Fisher's z is near normal with SE 1/sqrt(n-3), so the limits are exact-ish and asymmetric.
    centre, half = math.atanh(r), z / math.sqrt(n - 3)
    return Correlation(r, math.tanh(centre - half), math.tanh(centre + half), n)

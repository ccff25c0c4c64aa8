"""One headline per survey, the same on every page: what it measures, its value and interval.

rating5: share answering 4 or 5; yes_no: share answering yes; nps: the Net Promoter Score
(-100..100); ces7: share answering 5, 6 or 7 (found it easy). Values are in points: percent
for shares, NPS points for NPS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from feedback.insight import intervals, significance
from feedback.insight.significance import Change

# What each kind's headline measures (the key of its label in every language).
WHAT = {"rating5": "top2", "yes_no": "yes", "nps": "nps", "ces7": "easy"}
KINDS = tuple(WHAT)


@dataclass(frozen=True)
class Measure:
    """A headline figure in points with its 95% interval; None values when n == 0."""

    what: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    x: int = 0  # successes, for shares
    se: float | None = None  # NPS only

    @property
    def margin(self) -> float | None:
        """Half the interval's width, in points."""
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2

    @property
    def enough(self) -> bool:
        """A margin of at most 10 points: enough to conclude anything."""
        margin = self.margin
        return self.n > 0 and margin is not None and margin <= 100 * intervals.MAX_MARGIN

    @property
    def digits(self) -> int:
        """Decimals the margin supports: none when it is wider than a point."""
        return digits(self.margin)

    @property
    def is_nps(self) -> bool:
        """True for an NPS (-100..100), not a percentage."""
        return self.what == "nps"


def digits(margin: float | None) -> int:
    """No decimals when a margin is wider than a point, else one (never more)."""
    return 0 if margin is None or margin > 1 else 1


def numeric(counts: Mapping[str, int]) -> dict[int, int]:
    """Stored answer values ("5", "0", "1") as integer keys."""
    return {int(v): n for v, n in counts.items() if v.lstrip("-").isdigit()}


def measure(kind: str, counts: Mapping[str, int]) -> Measure:
    """The survey headline of a kind from value -> count."""
    if kind not in WHAT:
        raise ValueError(f"no headline for question kind {kind!r}")
    hist = numeric(counts)
    if kind == "nps":
        r = intervals.nps(hist)
        return Measure("nps", r.score, r.low, r.high, r.n, r.promoters, r.se)
    iv = intervals.score_for_kind(kind, hist)
    x = round((iv.estimate or 0) * iv.n)
    if iv.estimate is None or iv.low is None or iv.high is None:
        return Measure(WHAT[kind], None, None, None, 0)
    return Measure(WHAT[kind], 100 * iv.estimate, 100 * iv.low, 100 * iv.high, iv.n, x)


def change(now: Measure, before: Measure) -> Change:
    """Now minus before with its interval; the verdict awaits the page's `judge`."""
    if now.is_nps:
        a = (now.value, now.se, now.n) if now.value is not None and now.se is not None else None
        b = (
            (before.value, before.se, before.n)
            if before.value is not None and before.se is not None
            else None
        )
        return significance.nps_change(a, b)
    return significance.share_change(now.x, now.n, before.x, before.n)

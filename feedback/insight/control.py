"""Control charts for shares: exact probability limits at each period's number of answers.

Each whole period is judged against a baseline fixed by the calendar: the BASELINE periods
just before it (12 whole months, or 13 whole weeks), whatever span the page displays. The
limits leave at most PER_TAIL (0.135%, what "3 sigma" intends) in each tail of the count's
exact distribution: the binomial at the period's n, widened for what the baseline does not
know about the true share (the beta-binomial predictive with Jeffreys' prior; with a large
baseline it is the binomial itself). When a page judges many periods a year the tail shrinks
so that chance alone marks any period on at most FAMILY_ALPHA of a year's pages. Partial periods are
never judged. docs/statistics.md#control-charts has the reasoning.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from feedback.insight.distributions import betabinom_tails

PER_TAIL = 0.00135
FAMILY_ALPHA = 0.05
BASELINE = {"month": 12, "week": 13}
MIN_BASELINE_ANSWERS = 50

JUDGED = "judged"
PARTIAL = "partial"
THIN = "baseline_too_thin"
EMPTY = "no_answers"


@dataclass(frozen=True)
class Limits:
    """The counts a period may take by chance: low..high of n, and P(a mark) if stable."""

    low: int
    high: int
    n: int
    chance: float

    def mark(self, x: int) -> str | None:
        """ "below", "above" or None for a count x of n."""
        return "below" if x < self.low else "above" if x > self.high else None


def limits(n: int, base_x: int, base_n: int, tail: float = PER_TAIL) -> Limits:
    """Counts outside low..high have a predictive tail probability of at most `tail` each."""
    if n <= 0 or base_n <= 0:
        raise ValueError("need answers in the period and in the baseline")
    a, b = base_x + 0.5, base_n - base_x + 0.5
    lower, upper, first = betabinom_tails(n, a, b)
    # low: the smallest count whose lower tail P(X <= k) is above `tail` (k below it is a mark);
    # high: the largest count whose upper tail P(X >= k) is above `tail`. Both tails are
    # monotone, so a binary search finds them.
    low = min(n, first + bisect_right(lower, tail))
    high = max(0, first + len(upper) - 1 - bisect_right(upper[::-1], tail))
    below = lower[low - first - 1] if low - 1 >= first else 0.0
    above = upper[high - first + 1] if high + 1 - first < len(upper) else 0.0
    return Limits(low, high, n, below + above)


@dataclass(frozen=True)
class Period:
    """One period of a control chart: its count, whether it is whole, and its baseline."""

    x: int
    n: int
    partial: bool
    base_x: int
    base_n: int


@dataclass(frozen=True)
class Judgement:
    """What the chart says about one period (limits in 0..1; None when not judged)."""

    x: int
    n: int
    status: str
    centre: float | None
    low: float | None
    high: float | None
    mark: str | None
    chance: float

    @property
    def p(self) -> float | None:
        """The period's share, or None with no answers."""
        return self.x / self.n if self.n else None


@dataclass(frozen=True)
class PageJudgement:
    """Every chart of a page judged together: the tail used and the marks chance would give."""

    charts: dict[str, list[Judgement]]
    tail: float
    judged: int
    expected_marks: float

    @property
    def marks(self) -> list[tuple[str, int, Judgement]]:
        """(chart, index, judgement) of every marked period."""
        return [(key, i, j) for key, js in self.charts.items() for i, j in enumerate(js) if j.mark]


def _status(p: Period) -> str:
    if p.partial:
        return PARTIAL
    if p.n == 0:
        return EMPTY
    if p.base_n < MIN_BASELINE_ANSWERS:
        return THIN
    return JUDGED


PERIODS_A_YEAR = {"month": 12, "week": 52}


def family_size(series: int, grain: str) -> int:
    """The periods a page judges in a year: its charts (all channels and each channel the
    survey offers) times the periods in a year. Fixed by the survey and the grain, never by
    the dates or filters chosen, so a period is judged the same way whatever is displayed."""
    return max(1, series) * PERIODS_A_YEAR.get(grain, 12)


def page_tail(judged: int) -> float:
    """The tail for each limit: 0.135%, less when a page judges many periods a year."""
    return min(PER_TAIL, FAMILY_ALPHA / (2 * judged)) if judged else PER_TAIL


def judge_page(charts: Mapping[str, Sequence[Period]], family: int | None = None) -> PageJudgement:
    """Judge every whole period of every chart on a page with one tail for the page, sized
    to `family` periods (family_size; by default the periods judged here)."""
    judged = sum(1 for ps in charts.values() for p in ps if _status(p) == JUDGED)
    tail = page_tail(family if family is not None else judged)
    out: dict[str, list[Judgement]] = {}
    expected = 0.0
    for key, periods in charts.items():
        row = []
        for p in periods:
            status = _status(p)
            centre = p.base_x / p.base_n if p.base_n else None
            if status != JUDGED:
                row.append(Judgement(p.x, p.n, status, centre, None, None, None, 0.0))
                continue
            lim = limits(p.n, p.base_x, p.base_n, tail)
            expected += lim.chance
            row.append(
                Judgement(p.x, p.n, JUDGED, centre, lim.low / p.n, lim.high / p.n,
                          lim.mark(p.x), lim.chance)
            )  # fmt: skip
        out[key] = row
    return PageJudgement(out, tail, judged, expected)


def rolling_baselines(
    counts: Sequence[tuple[int, int, bool]], first_shown: int, size: int
) -> list[tuple[int, int]]:
    """For each period from `first_shown` on, the sums (x, n) of the `size` whole periods
    before it; `counts` is (x, n, partial) per period in calendar order."""
    out = []
    for i in range(first_shown, len(counts)):
        window = [c for c in counts[max(0, i - size) : i] if not c[2]]
        out.append((sum(c[0] for c in window), sum(c[1] for c in window)))
    return out

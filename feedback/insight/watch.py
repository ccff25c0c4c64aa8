"""Weekly watch of a channel's headline share, designed to a stated false-alarm rate.

Each week the latest whole week is checked, and so are the last 4 and the last 13 weeks
summed, so a small channel whose few answers a week say little can still alert once the
evidence has built up. Each window's count is judged against a baseline of the 26 whole
weeks just before that window, with exact tails (the binomial at the window's n, widened
for what the baseline does not know: feedback.insight.control.limits). Every window and
direction gets RATE_PER_YEAR / 52 / 6 of the week's budget, so a channel whose share did
not change alerts at most RATE_PER_YEAR times a year on average, whatever its volume.
docs/statistics.md#alerts compares this with a CUSUM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedback.insight import control

WINDOWS = (1, 4, 13)  # weeks summed, ending with the week judged
BASELINE_WEEKS = 26
RATE_PER_YEAR = 0.5  # false alerts per channel-year, by design
MIN_BASELINE_ANSWERS = 50
HISTORY_WEEKS = BASELINE_WEEKS + max(WINDOWS)


def tail() -> float:
    """Each window's and direction's share of the weekly false-alarm budget."""
    return RATE_PER_YEAR / 52 / (2 * len(WINDOWS))


@dataclass(frozen=True)
class Finding:
    """A window outside its expected range: counts, range (0..1) and the baseline share."""

    weeks: int
    x: int
    n: int
    low: float
    high: float
    centre: float
    direction: str  # "down" or "up"

    @property
    def value(self) -> float:
        """The window's share."""
        return self.x / self.n


@dataclass(frozen=True)
class Check:
    """What one week's check says about one channel."""

    watched: bool  # False: the baseline is too thin to judge
    finding: Finding | None
    chance: float  # probability of a false alert this week if nothing changed


def check(weeks: Sequence[tuple[int, int]]) -> Check:
    """Judge the last of HISTORY_WEEKS weekly (x, n) counts, oldest first."""
    if len(weeks) != HISTORY_WEEKS:
        raise ValueError(f"need {HISTORY_WEEKS} weeks, got {len(weeks)}")
    t = tail()
    chance = 0.0
    found: Finding | None = None
    judged = False
    for k in WINDOWS:
        base = weeks[-k - BASELINE_WEEKS : -k]
        base_x, base_n = sum(c[0] for c in base), sum(c[1] for c in base)
        recent = weeks[-k:]
        x, n = sum(c[0] for c in recent), sum(c[1] for c in recent)
        if base_n < MIN_BASELINE_ANSWERS:
            continue
        judged = True
        if n == 0:
            continue
        lim = control.limits(n, base_x, base_n, t)
        chance += lim.chance
        mark = lim.mark(x)
        if mark and found is None:
            found = Finding(
                k, x, n, lim.low / n, lim.high / n, base_x / base_n,
                "down" if mark == "below" else "up",
            )  # fmt: skip
    return Check(judged, found, chance)


def false_alerts_per_year(checks: Sequence[Check]) -> float:
    """Expected false alerts a year over some channels at their current volumes."""
    return 52 * sum(c.chance for c in checks if c.watched)

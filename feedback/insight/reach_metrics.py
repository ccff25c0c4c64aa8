"""Response rates and the score weighted to the people each channel served (pure: no SQL).

Response rate = answers / people offered the survey, with a Wilson interval. More answers
than offers means offers were not all counted on that channel, so no rate is claimed.

Post-stratification: the respondents' own score weights each channel by how many people
happened to answer (web dwarfs phone); the weighted score gives each channel its share W_c
of the interactions served: p_w = sum W_c p_c. Each respondent of channel c then carries the
weight W_c / n_c, and Kish's effective sample size n_eff = (sum w)^2 / sum w^2
= 1 / sum(W_c^2 / n_c) is the number of equally weighted answers that would be as precise;
the interval is Wilson's at n_eff.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from feedback.insight.metrics import Interval, wilson

Z = 1.96


@dataclass(frozen=True)
class Rate:
    """A response rate, or why there is none: "ok", "no_offers" or "not_counted"."""

    answers: int
    offered: int
    status: str
    interval: Interval | None = None


def response_rate(answers: int, offered: int) -> Rate:
    """answers / offered with its Wilson interval; no rate when offers were not all counted."""
    if answers < 0 or offered < 0:
        raise ValueError("counts cannot be negative")
    if offered == 0:
        return Rate(answers, offered, "no_offers")
    if answers > offered:
        return Rate(answers, offered, "not_counted")
    return Rate(answers, offered, "ok", wilson(answers, offered))


def wilson_at(p: float, n: float, z: float = Z) -> tuple[float, float]:
    """Wilson limits for a share p observed on a (possibly fractional) effective size n."""
    if n <= 0 or not 0 <= p <= 1:
        raise ValueError("need n > 0 and 0 <= p <= 1")
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Weighted:
    """The post-stratified score, its interval at n_eff, and the respondents' own score."""

    estimate: float
    low: float
    high: float
    n: int
    n_eff: float
    raw: Interval
    shares: dict[str, float]  # each channel's share of the interactions served
    answer_shares: dict[str, float]  # each channel's share of the answers
    scores: dict[str, float]  # each channel's own score


@dataclass(frozen=True)
class NotWeighted:
    """Why no weighted score: "no_answers", "volume_unknown" or "no_answers_on" a channel."""

    reason: str
    channels: tuple[str, ...] = ()


def post_stratify(
    cells: Mapping[str, tuple[int, int]], served: Mapping[str, float]
) -> Weighted | NotWeighted:
    """Weight channel scores (x good answers of n per channel) to the people each served.

    `served` holds interactions per channel (any unit: only shares matter). Every channel with
    answers needs a known volume, and every channel that served people needs answers.
    """
    answered = {c: (x, n) for c, (x, n) in cells.items() if n > 0}
    if not answered:
        return NotWeighted("no_answers")
    unknown = tuple(sorted(c for c in answered if served.get(c) is None))
    if unknown:
        return NotWeighted("volume_unknown", unknown)
    silent = tuple(sorted(c for c, v in served.items() if v > 0 and c not in answered))
    if silent:
        return NotWeighted("no_answers_on", silent)
    total = sum(served[c] for c in answered)
    if total <= 0:
        return NotWeighted("volume_unknown", tuple(sorted(answered)))
    shares = {c: served[c] / total for c in answered}
    estimate = sum(shares[c] * x / n for c, (x, n) in answered.items())
    n_eff = 1 / sum(shares[c] ** 2 / n for c, (_, n) in answered.items() if shares[c] > 0)
    low, high = wilson_at(min(1.0, max(0.0, estimate)), n_eff)
    x_all = sum(x for x, _ in answered.values())
    n_all = sum(n for _, n in answered.values())
    return Weighted(
        estimate=estimate,
        low=low,
        high=high,
        n=n_all,
        n_eff=n_eff,
        raw=wilson(x_all, n_all),
        shares=shares,
        answer_shares={c: n / n_all for c, (_, n) in answered.items()},
        scores={c: x / n for c, (x, n) in answered.items()},
    )

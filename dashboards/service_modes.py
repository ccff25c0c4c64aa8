"""Digital and human across a service's surveys: each survey's gap over the dates shown, and
the service's overall gap, judged together as one family.

Each survey's share per mode weights its channels by their share of that mode's answers (as
the survey's own view does), with Kish's effective n, and the gap has Newcombe's interval.
The overall gap weights both modes to one common mix of surveys (each survey's share of all
answers among surveys used on both modes), so it is the average of the surveys' own gaps and
not a comparison of different surveys: assisted channels can serve surveys that score higher.
Every gap shown, the overall one too, is judged with Holm's method as one family.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dashboards import series
from dashboards.modes import MODES, mode_of, standardised
from dashboards.series import Row
from feedback.insight import metrics, significance
from feedback.insight.intervals import _wilson_limits
from feedback.insight.significance import Change

Cells = dict[str, dict[str, tuple[int, int]]]  # mode -> stratum -> (good answers, answers)

# Why a survey has no gap: its reasons, in the order the page explains them.
NO_QUESTION = "no_question"  # no scored question to compare on
ONE_MODE = "one_mode"  # offered on self-service channels only, or assisted ones only
NO_ANSWERS = "no_answers"  # offered on both, but one mode had no answers in the dates
NO_GAP = Change(None, None, None, None, 0, 0, significance.NO_DATA)


@dataclass(frozen=True)
class ModeShare:
    """A mode's standardised share of good answers, its effective counts and its answers."""

    interval: metrics.Interval
    x_eff: float
    n_eff: float

    @property
    def enough(self) -> bool:
        """Enough answers to conclude (30 and a margin of 10 points at most)."""
        return significance.enough_share(self.x_eff, self.n_eff)


@dataclass(frozen=True)
class SurveyGap:
    """Assisted minus self-service on one survey (or the service overall), in points."""

    key: str  # the survey's id, or OVERALL
    shares: dict[str, ModeShare]
    difference: Change
    reason: str | None = None  # why there is no gap, when there is none


OVERALL = "overall"


def cells_of(rows: Sequence[Row], kind: str, stratum: str = "") -> Cells:
    """(good, answers) per mode and channel from (period, channel, value, n) rows; strata are
    named `stratum` + channel so several surveys' cells can be put together."""
    out: Cells = {}
    for _, channel, value, n in rows:
        mode = mode_of(channel)
        if mode is None or value not in series.VALID[kind]:
            continue
        good, total = out.setdefault(mode, {}).get(stratum + channel, (0, 0))
        good += n if value in series.SUCCESS[kind] else 0
        out[mode][stratum + channel] = (good, total + n)
    return out


def _share(cells: Mapping[str, tuple[int, int]], mix: Mapping[str, float]) -> ModeShare | None:
    found = standardised(cells, mix)
    if found is None:
        return None
    p, n_eff, n = found
    low, high = _wilson_limits(p * n_eff, n_eff, 1.96)
    return ModeShare(metrics.Interval(p, low, high, n), p * n_eff, n_eff)


def _own_mix(cells: Mapping[str, tuple[int, int]]) -> dict[str, float]:
    total = sum(n for _, n in cells.values())
    return {k: n / total for k, (_, n) in cells.items()} if total else {}


def gap_of(key: str, cells: Cells, mixes: Mapping[str, Mapping[str, float]]) -> SurveyGap:
    """The gap from each mode's cells weighted to its mix (unjudged: see `judge`)."""
    shares = {m: s for m in MODES if (s := _share(cells.get(m, {}), mixes.get(m, {})))}
    if len(shares) < 2:
        return SurveyGap(key, shares, NO_GAP, NO_ANSWERS)
    a, s = shares["assisted"], shares["self_service"]
    return SurveyGap(key, shares, significance.share_change(a.x_eff, a.n_eff, s.x_eff, s.n_eff))


def survey_gap(key: str, cells: Cells) -> SurveyGap:
    """One survey's gap, each mode weighted to its own channel mix over the dates."""
    return gap_of(key, cells, {m: _own_mix(c) for m, c in cells.items()})


def overall_gap(per_survey: Mapping[str, Cells]) -> SurveyGap:
    """The service's gap: both modes weighted to one mix of the surveys with both modes
    (each survey by its share of their answers), channels within a survey and mode by their
    share of that mode's answers. None of the surveys with both: no gap."""
    both = {k: c for k, c in per_survey.items() if all(c.get(m) for m in MODES)}
    sizes = {k: sum(n for m in MODES for _, n in c[m].values()) for k, c in both.items()}
    total = sum(sizes.values())
    if not total:
        return SurveyGap(OVERALL, {}, NO_GAP, NO_ANSWERS)
    cells: Cells = {m: {} for m in MODES}
    mixes: dict[str, dict[str, float]] = {m: {} for m in MODES}
    for key, survey_cells in both.items():
        for mode in MODES:
            own = _own_mix(survey_cells[mode])
            for stratum, counts in survey_cells[mode].items():
                cells[mode][f"{key}/{stratum}"] = counts
                mixes[mode][f"{key}/{stratum}"] = sizes[key] / total * own[stratum]
    return gap_of(OVERALL, cells, mixes)


def judge(gaps: Sequence[SurveyGap]) -> list[SurveyGap]:
    """Every gap the page shows settled together (Holm), the overall one included."""
    judged = significance.judge([g.difference for g in gaps])
    return [SurveyGap(g.key, g.shares, c, g.reason) for g, c in zip(gaps, judged, strict=True)]

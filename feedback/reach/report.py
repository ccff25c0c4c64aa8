"""What the dashboards show about reach: response rates per channel and period, and the
overall score weighted to the people each channel served. Reads aggregates only: O(days)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from feedback.core.catalog import CHANNELS
from feedback.core.local_time import period_start
from feedback.core.models import Question, Survey
from feedback.insight import metrics, queries
from feedback.insight.reach_metrics import (
    NotWeighted,
    Rate,
    Weighted,
    post_stratify,
    response_rate,
)
from feedback.reach import interactions, opportunities


@dataclass
class SurveyReach:
    """A survey's response rates over a window, per channel and per period."""

    total: Rate
    channels: list[tuple[str, Rate]]
    periods: list[tuple[date, Rate]] = field(default_factory=list)
    weighted: Weighted | NotWeighted | None = None
    served: dict[str, float] = field(default_factory=dict)


def _rates_only(filters: queries.Filters) -> queries.Filters:
    # Offers have no language: answers in one language over every offer would be no rate.
    return queries.Filters(filters.since, filters.until, filters.channels, (), filters.touchpoint)


def _order(channel: str) -> tuple[int, str]:
    order = list(CHANNELS)
    return (order.index(channel) if channel in order else len(order), channel)


def _total(answers: dict[str, int], offered: dict[str, int]) -> Rate:
    """All channels together, leaving out those whose offers are not counted (answers there
    would count against other channels' offers)."""
    counted = [c for c in set(answers) | set(offered) if 0 < offered.get(c, 0) >= answers.get(c, 0)]
    if not counted and any(answers.values()):
        status = "not_counted" if any(offered.values()) else "no_offers"
        return Rate(sum(answers.values()), sum(offered.values()), status)
    return response_rate(sum(answers.get(c, 0) for c in counted), sum(offered[c] for c in counted))


def overview(
    session: Session, *, survey_ids: Sequence[str], filters: queries.Filters
) -> dict[str, Rate]:
    """Each survey's response rate over the window, all channels whose offers are counted."""
    f = _rates_only(filters)
    answers: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    offered: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for survey_id, _, channel, n in queries.response_counts(
        session, survey_ids=survey_ids, filters=f
    ):
        answers[survey_id][channel] += n
    for survey_id, _, channel, n in opportunities.totals(
        session, survey_ids=survey_ids, since=f.since, until=f.until, channels=f.channels,
        touchpoint=f.touchpoint,
    ):  # fmt: skip
        offered[survey_id][channel] += n
    return {s: _total(answers[s], offered[s]) for s in survey_ids}


def survey(
    session: Session,
    *,
    survey: Survey,
    filters: queries.Filters,
    grain: str,
    question: Question | None,
) -> SurveyReach:
    """Rates per channel and per period; the weighted score where volumes are known."""
    f = _rates_only(filters)
    answers: dict[str, int] = defaultdict(int)
    offered: dict[str, int] = defaultdict(int)
    # (period, channel) -> [answers, offered]
    cells: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    for _, day, channel, n in queries.response_counts(
        session, survey_ids=[survey.id], filters=f, grain="day"
    ):
        answers[channel] += n
        cells[(period_start(day, grain), channel)][0] += n
    for _, day, channel, n in opportunities.totals(
        session, survey_ids=[survey.id], since=f.since, until=f.until, channels=f.channels,
        touchpoint=f.touchpoint,
    ):  # fmt: skip
        offered[channel] += n
        cells[(period_start(day, grain), channel)][1] += n
    channels = sorted(set(answers) | set(offered), key=_order)
    # Periods count the channels whose offers are counted over the window, as the total does.
    counted = {c for c in channels if 0 < offered[c] >= answers[c]}
    by_period: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for (period, channel), (a, o) in cells.items():
        by_period[period][0] += a if channel in counted else 0
        by_period[period][1] += o if channel in counted else 0
    report = SurveyReach(
        total=_total(answers, offered),
        channels=[(c, response_rate(answers[c], offered[c])) for c in channels],
        periods=[(p, response_rate(*by_period[p])) for p in sorted(by_period)],
    )
    if question is not None and question.id is not None and question.kind in metrics_kinds():
        report.weighted, report.served = _weighted(session, survey, question, f)
    return report


def metrics_kinds() -> tuple[str, ...]:
    """Kinds with a headline share that can be weighted."""
    return ("rating5", "nps", "ces7", "yes_no")


def _weighted(
    session: Session, survey: Survey, question: Question, f: queries.Filters
) -> tuple[Weighted | NotWeighted | None, dict[str, float]]:
    assert question.id is not None
    found = interactions.served(session, service_id=survey.service_id, since=f.since, until=f.until)
    if not found:
        return None, {}
    rates = interactions.daily_rates(found)
    if f.channels:
        rates = {c: v for c, v in rates.items() if c in f.channels}
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for _, channel, value, n in queries.answer_counts(session, question_id=question.id, filters=f):
        if value.lstrip("-").isdigit():
            counts[channel][int(value)] += n
    cells = {}
    for channel, hist in counts.items():
        score = metrics.score_for_kind(question.kind, hist)
        if score.n and score.estimate is not None:
            cells[channel] = (round(score.estimate * score.n), score.n)
    # Channels the survey is not offered on served people it could not ask: left out.
    rates = {c: v for c, v in rates.items() if c in survey.channels}
    return post_stratify(cells, rates), {c: n for c, (n, _) in found.items()}


def rate_json(rate: Rate) -> dict[str, object]:
    """A rate for ?format=json: counts, status, and the rate with its interval when there is one."""
    out: dict[str, object] = {"answers": rate.answers, "offered": rate.offered}
    out["status"] = rate.status
    if rate.interval is not None:
        out.update(rate=rate.interval.estimate, low=rate.interval.low, high=rate.interval.high)
    return out


def survey_json(report: SurveyReach) -> dict[str, object]:
    """The survey page's reach figures for ?format=json."""
    out: dict[str, object] = {
        "response_rate": rate_json(report.total),
        "channels": {c: rate_json(r) for c, r in report.channels},
        "periods": [{"start": p.isoformat(), **rate_json(r)} for p, r in report.periods],
    }
    w = report.weighted
    if isinstance(w, Weighted):
        out["weighted"] = {
            "score": w.estimate, "low": w.low, "high": w.high, "n": w.n, "n_eff": w.n_eff,
            "respondents_score": w.raw.estimate, "shares_served": w.shares,
            "shares_answers": w.answer_shares, "channel_scores": w.scores,
        }  # fmt: skip
    elif isinstance(w, NotWeighted):
        out["weighted"] = {"unavailable": w.reason, "channels": list(w.channels)}
    return out

"""Aggregate summaries from the daily counts: the A-11 quarterly report and public scorecards.

Both read the daily aggregates only, so they cost O(days), not O(responses).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from feedback.core import days
from feedback.core.catalog import CHANNELS, Text
from feedback.core.models import (
    AnswerDay,
    ChangeEvent,
    InteractionCount,
    OpportunityDay,
    Question,
    ResponseDay,
    Service,
    Survey,
    Theme,
)
from feedback.insight import disclosure, events, headline, metrics, queries
from feedback.surveys import definitions as surveys

# Kinds whose answers the quarterly summary counts, and the points each one has.
_SCALE_POINTS = {"rating5": range(1, 6), "nps": range(0, 11), "ces7": range(1, 8)}
COUNTED_KINDS = ("rating5", "nps", "ces7", "yes_no", "choice", "multi")
SCORED_KINDS = ("rating5", "nps", "ces7", "yes_no")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, written 2026-Q1."""

    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter holding `day`."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str, *, check_range: bool = True) -> Quarter | None:
        """2026-Q1 (or 2026q1) as a Quarter; None if it is not one, or (`check_range`) if its
        year is outside the supported days (9999-Q4 has no next quarter to end it)."""
        found = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text.strip())
        if not found or (check_range and not days.in_range(int(found.group(1)))):
            return None
        return cls(int(found.group(1)), int(found.group(2)))

    @property
    def start(self) -> date:
        """Its first day."""
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """Its last day."""
        return self.next().start - timedelta(days=1)

    def next(self) -> Quarter:
        """The quarter after this one."""
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        """The quarter before this one."""
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


def points_of(question: Question) -> list[tuple[str, Text | None]]:
    """The values a question is counted under, in order, with their labels where they have one."""
    labels = {str(p["id"]): p.get("label") for p in question.scale}
    if question.kind in _SCALE_POINTS:
        return [(str(v), labels.get(str(v))) for v in _SCALE_POINTS[question.kind]]
    if question.kind == "yes_no":
        return [("1", labels.get("true")), ("0", labels.get("false"))]
    return [(str(o["id"]), o.get("label")) for o in question.options]


@dataclass
class QuestionCounts:
    """One question's answers per channel and value over a quarter."""

    question: Question
    points: list[tuple[str, Text | None]]
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)

    def total(self, value: str) -> int:
        """Answers with this value on every channel."""
        return sum(counts.get(value, 0) for counts in self.by_channel.values())

    def answered(self, channel: str | None = None) -> int:
        """Answers counted (on one channel, or all); for multi, choices rather than people."""
        rows = [self.by_channel.get(channel, {})] if channel else self.by_channel.values()
        return sum(sum(r.values()) for r in rows)


@dataclass
class SurveySummary:
    """A survey's respondents per channel and its questions' counts over a quarter."""

    survey: Survey
    respondents: dict[str, int]
    questions: list[QuestionCounts]
    # People offered the survey per channel (reach), and the service's customers served per
    # channel over the quarter where its records were uploaded (spread evenly over each period).
    offered: dict[str, int] = field(default_factory=dict)
    served: dict[str, int] = field(default_factory=dict)

    @property
    def channels(self) -> list[str]:
        """Channels with respondents or offers, sorted."""
        return sorted(set(self.respondents) | set(self.offered))


@dataclass
class ServiceSummary:
    """Every survey of one service that had respondents in the quarter."""

    service: Service
    surveys: list[SurveySummary]


def services(session: Session, service_ids: list[str] | None = None) -> list[Service]:
    """Every service, or some, by id."""
    stmt = select(Service).order_by(col(Service.id))
    if service_ids is not None:
        stmt = stmt.where(col(Service.id).in_(service_ids))
    return list(session.exec(stmt))


def a11_summary(
    session: Session, *, quarter: Quarter, service_ids: list[str] | None = None
) -> list[ServiceSummary]:
    """Respondents and the count at each scale point, per service, survey and channel."""
    found = services(session, service_ids)
    wanted = [s.id for s in found]
    respondents: dict[str, dict[str, int]] = defaultdict(dict)
    per_channel = (
        select(col(ResponseDay.survey_id), col(ResponseDay.channel), func.sum(ResponseDay.n))
        .join(Survey, col(Survey.id) == ResponseDay.survey_id)
        .where(
            col(Survey.service_id).in_(wanted),
            ResponseDay.day >= quarter.start,
            ResponseDay.day <= quarter.end,
        )
        .group_by(col(ResponseDay.survey_id), col(ResponseDay.channel))
    )
    for survey_id, channel, n in session.execute(per_channel):
        respondents[survey_id][channel] = int(n)
    offered = _offered(session, wanted, quarter)
    counts: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    per_value = (
        select(
            col(AnswerDay.question_id),
            col(AnswerDay.channel),
            col(AnswerDay.value),
            func.sum(AnswerDay.n),
        )
        .join(Question, col(Question.id) == AnswerDay.question_id)
        .where(
            col(Question.survey_id).in_(list(respondents)),
            AnswerDay.day >= quarter.start,
            AnswerDay.day <= quarter.end,
        )
        .group_by(col(AnswerDay.question_id), col(AnswerDay.channel), col(AnswerDay.value))
    )
    for question_id, channel, value, n in session.execute(per_value):
        counts[question_id][channel][value] = int(n)
    out = []
    for service in found:
        summaries = []
        served = _served(session, service.id, quarter)
        for survey in surveys.all_surveys(session, [service.id]):
            if survey.id not in respondents and survey.id not in offered:
                continue
            questions = [
                QuestionCounts(q, points_of(q), dict(counts.get(q.id or 0, {})))
                for q in surveys.questions_of(session, survey.id)
                if q.kind in COUNTED_KINDS
            ]
            summaries.append(
                SurveySummary(
                    survey, respondents.get(survey.id, {}), questions,
                    offered.get(survey.id, {}), served,
                )
            )  # fmt: skip
        if summaries:
            out.append(ServiceSummary(service, summaries))
    return out


def _offered(
    session: Session, service_ids: list[str], quarter: Quarter
) -> dict[str, dict[str, int]]:
    """People offered each survey per channel in the quarter (reach's daily counts)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    stmt = (
        select(
            col(OpportunityDay.survey_id), col(OpportunityDay.channel), func.sum(OpportunityDay.n)
        )
        .join(Survey, col(Survey.id) == OpportunityDay.survey_id)
        .where(col(Survey.service_id).in_(service_ids))
        .where(OpportunityDay.day >= quarter.start, OpportunityDay.day <= quarter.end)
        .group_by(col(OpportunityDay.survey_id), col(OpportunityDay.channel))
    )
    for survey_id, channel, n in session.execute(stmt):
        out[survey_id][channel] = int(n)
    return out


def _served(session: Session, service_id: str, quarter: Quarter) -> dict[str, int]:
    """Customers the service served per channel in the quarter, where records cover it."""
    stmt = select(InteractionCount).where(
        InteractionCount.service_id == service_id,
        col(InteractionCount.start) <= quarter.end,
        col(InteractionCount.end) >= quarter.start,
    )
    out: dict[str, float] = defaultdict(float)
    for rec in session.exec(stmt):
        inside = (min(rec.end, quarter.end) - max(rec.start, quarter.start)).days + 1
        out[rec.channel] += rec.n * inside / ((rec.end - rec.start).days + 1)
    return {channel: round(n) for channel, n in out.items()}


def first_day(session: Session, service_ids: list[str] | None = None) -> date | None:
    """The earliest day with a response in these services (all when None)."""
    stmt = select(func.min(ResponseDay.day)).join(Survey, col(Survey.id) == ResponseDay.survey_id)
    if service_ids is not None:
        stmt = stmt.where(col(Survey.service_id).in_(service_ids))
    value = session.execute(stmt).scalar_one_or_none()
    return date.fromisoformat(value) if isinstance(value, str) else value


# ---- public scorecard ----


def headline_interval(counts: Mapping[str, int], kind: str) -> metrics.Interval:
    """The headline share (top box, or yes) of a value -> count mapping from the aggregates."""
    numeric = {int(v): n for v, n in counts.items() if v.lstrip("-").isdigit()}
    return metrics.score_for_kind(kind, numeric)


def _tally(rows: Iterable[tuple[date, str, str, int]]) -> dict[str, dict[str, int]]:
    """Value counts per channel, plus "" for every channel together."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, channel, value, n in rows:
        out[channel][value] += n
        out[""][value] += n
    return out


@dataclass(frozen=True)
class PublicScore:
    """A survey's headline score over a year, overall, per channel and per quarter."""

    survey: Survey
    question: Question
    overall: metrics.Interval
    channels: list[tuple[str, metrics.Interval]]
    quarters: list[tuple[Quarter, metrics.Interval]]
    # Figures not shown: too few answers, or enough to work out one that has too few.
    withheld: frozenset[str] = frozenset()
    # NPS surveys publish their NPS (-100..100), keyed like `withheld`, as on the dashboards.
    nps: dict[str, metrics.NpsResult] = field(default_factory=dict)


@dataclass(frozen=True)
class Scorecard:
    """What a service publishes: scores with intervals and the changes it made."""

    service: Service
    since: date
    until: date
    scores: list[PublicScore]
    changes: list[ChangeEvent]
    # The comment themes each change cites (never comment text), by event id.
    themes: dict[int, list[Theme]] = field(default_factory=dict)


def _channel_order(channel: str) -> tuple[int, str]:
    order = list(CHANNELS)
    return (order.index(channel) if channel in order else len(order), channel)


def public_services(session: Session) -> list[Service]:
    """Services that chose to publish a scorecard."""
    stmt = select(Service).where(col(Service.public_scorecard).is_(True)).order_by(col(Service.id))
    return list(session.exec(stmt))


def set_scorecard(session: Session, *, service_id: str, public: bool) -> Service | None:
    """Turn a service's public scorecard on or off; None if there is no such service."""
    service = session.get(Service, service_id)
    if service is not None:
        service.public_scorecard = public
        session.add(service)
    return service


def scorecard(session: Session, *, service: Service, today: date, minimum: int = 1) -> Scorecard:
    """The year up to `today` (the service's local day; its quarter is marked "so far"):
    each live or closed survey's score, with small figures withheld and any that would
    reveal them (keys "overall", "channel:web", "quarter:2026-Q1"); every change, newest
    first."""
    until = today
    since = until - timedelta(days=364)
    quarters = [Quarter.of(until)]
    for _ in range(3):
        quarters.insert(0, quarters[0].previous())
    # Whole quarters, even where the first one starts before the year shown overall.
    window = queries.Filters(since=min(since, quarters[0].start), until=until)
    scores = []
    for survey in surveys.all_surveys(session, [service.id]):
        question = surveys.headline_question(surveys.questions_of(session, survey.id))
        if survey.status == "draft" or question is None or question.id is None:
            continue
        rows = queries.daily_answers(session, question_id=question.id, filters=window)
        tally = _tally(r for r in rows if r[0] >= since)
        per_quarter = []
        for q in quarters:
            inside = [r for r in rows if q.start <= r[0] <= q.end]
            per_quarter.append((q, headline_interval(_tally(inside)[""], question.kind)))
        overall = headline_interval(tally[""], question.kind)
        # Channels in the vocabulary's order: self-service first, then assisted.
        channels = [
            (c, headline_interval(tally[c], question.kind))
            for c in sorted((c for c in tally if c), key=_channel_order)
        ]
        hidden = disclosure.withheld(
            disclosure.Cell("overall", overall.n),
            [
                [disclosure.Cell(f"channel:{c}", iv.n) for c, iv in channels],
                # Not always the same days as the year, but near enough to be treated alike.
                [disclosure.Cell(f"quarter:{q}", iv.n) for q, iv in per_quarter],
            ],
            minimum,
        )
        nps: dict[str, metrics.NpsResult] = {}
        if question.kind == "nps":
            nps["overall"] = metrics.nps(headline.numeric(tally[""]))
            nps |= {f"channel:{c}": metrics.nps(headline.numeric(tally[c])) for c, _ in channels}
            for q in quarters:
                in_quarter = _tally(r for r in rows if q.start <= r[0] <= q.end)[""]
                nps[f"quarter:{q}"] = metrics.nps(headline.numeric(in_quarter))
        scores.append(PublicScore(survey, question, overall, channels, per_quarter, hidden, nps))
    everything = queries.Filters(since=date(1970, 1, 1), until=until)
    changes = queries.change_events(session, service_id=service.id, filters=everything)
    cited = events.cited_themes(session, [e.id for e in changes if e.id is not None])
    return Scorecard(service, since, until, scores, list(reversed(changes)), cited)

"""The A-11 quarterly summary from the daily counts: respondents, offers and customers served
per channel, and the count at each scale point, per service and survey; and the quarters it
is asked for. Public scorecards are in `scorecards`.

Reads the daily aggregates only, so it costs O(days), not O(responses).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from feedback.core import days
from feedback.core.catalog import Text
from feedback.core.models import (
    AnswerDay,
    InteractionCount,
    OpportunityDay,
    Question,
    ResponseDay,
    Service,
    Survey,
)
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

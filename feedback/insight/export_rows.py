"""The rows an export or the read API gives out: selected, keyset-paged, with local times.

Dates chosen (since, until) are the service's local days, turned into UTC bounds; every row
carries its UTC instant and the same instant in the service's zone. Test answers (previews)
are left out unless asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlmodel import Session, col

from feedback.core import local_time
from feedback.core.catalog import CHANNELS
from feedback.core.models import Answer, Question, Response, Survey
from feedback.insight.local_days import service_zone
from feedback.insight.queries import by_dimensions
from feedback.surveys import definitions as surveys

# A cell starting with these is run as a formula by spreadsheets; a leading quote defuses it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection in a text cell."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportRow:
    """One response with its answers keyed by question key (lists for multi)."""

    id: int
    submitted_at: datetime  # UTC
    channel: str
    language: str
    touchpoint: str | None
    assisted: bool  # a person entered it on someone's behalf (agent, staff typing paper)
    answers: dict[str, Any]
    local: datetime | None = None  # the same instant in the service's zone
    test: bool = False  # sent from a staff preview

    @property
    def channel_mode(self) -> str:
        """The channel's mode: "self_service" or "assisted" (not whether a person helped)."""
        found = CHANNELS.get(self.channel)
        return found.mode if found else ""

    @property
    def submitted_local(self) -> datetime:
        """The instant in the service's zone (UTC when not known)."""
        return self.local or self.submitted_at


@dataclass(frozen=True)
class Selection:
    """Which responses to export: the dashboard's filters, each optional."""

    since: date | None = None
    until: date | None = None
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    touchpoint: str | None = None
    include_tests: bool = False  # preview answers too, with a `test` column


EVERYTHING = Selection()  # every real answer (no test answers)


def iter_rows(
    session: Session,
    *,
    survey: Survey,
    questions: list[Question],
    selection: Selection = Selection(),
    batch: int = 5000,
    after: tuple[datetime, int] | None = None,
) -> Iterator[ExportRow]:
    """Every selected response in time order, fetched in keyset-paged batches.

    `after` (submitted_at, id) starts past a row already seen: the API's page cursor.
    """
    by_id = {q.id: (q, surveys.answer_key(q, questions)) for q in questions}
    zone = service_zone(session, survey.service_id)
    base = select(
        col(Response.id),
        col(Response.submitted_at),
        col(Response.channel),
        col(Response.language),
        col(Response.touchpoint),
        col(Response.assisted),
        col(Response.test),
    ).where(col(Response.survey_id) == survey.id)
    if not selection.include_tests:
        base = base.where(col(Response.test).is_(False))
    # Local days to UTC bounds, which walk the (survey_id, submitted_at) index.
    if selection.since:
        start, _end = local_time.day_range(selection.since, selection.since, zone)
        base = base.where(col(Response.submitted_at) >= start)
    if selection.until:
        _start, end = local_time.day_range(selection.until, selection.until, zone)
        base = base.where(col(Response.submitted_at) < end)
    base = by_dimensions(base, Response, selection)
    tz = local_time.zone(zone)
    last = after
    while True:
        stmt = base
        if last is not None:
            stmt = stmt.where(tuple_(Response.submitted_at, Response.id) > tuple_(*last))
        rows = session.execute(
            stmt.order_by(col(Response.submitted_at), col(Response.id)).limit(batch)
        ).all()
        if not rows:
            return
        answers: dict[int, dict[str, Any]] = {r[0]: {} for r in rows}
        found = select(
            col(Answer.response_id),
            col(Answer.question_id),
            col(Answer.value),
            col(Answer.option),
            col(Answer.text),
        ).where(col(Answer.response_id).in_(list(answers)), col(Answer.hidden).is_(False))
        for response_id, question_id, value, option, text in session.execute(found):
            found_q = by_id.get(question_id)
            if found_q is not None:
                _put(answers[response_id], *found_q, value, option, text)
        for rid, submitted, channel, language, touchpoint, assisted, test in rows:
            moment = _utc(submitted)
            yield ExportRow(
                rid,
                moment,
                channel,
                language,
                touchpoint,
                assisted,
                answers[rid],
                local=moment.astimezone(tz),
                test=bool(test),
            )
        last = (rows[-1][1], rows[-1][0])


def _put(target: dict[str, Any], q: Question, key: str, value: Any, option: Any, text: Any) -> None:
    """Store one answer under `key`, typed as the API shapes it."""
    if q.kind == "multi":
        target.setdefault(key, []).append(option)
    elif q.kind == "yes_no":
        target[key] = bool(value)
    elif q.kind == "choice":
        target[key] = option
    elif q.kind == "text":
        target[key] = text
    else:
        target[key] = int(value) if value is not None else None


def _utc(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def open_survey(session: Session, survey_id: str) -> tuple[Survey, list[Question]]:
    """A survey and every version of its questions; LookupError if there is no such survey."""
    survey = surveys.get_survey(session, survey_id)
    if survey is None:
        raise LookupError(survey_id)
    return survey, surveys.every_version_of(session, survey_id)

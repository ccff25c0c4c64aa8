"""Streamed exports of a survey's responses: CSV and XLSX (spreadsheet-safe) and JSON.

Rows are read in keyset-paged batches and written as they come, so a million responses
never sit in memory. Hidden (moderated) comments are never exported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any, TextIO

import xlsxwriter
from sqlalchemy import select, tuple_
from sqlmodel import Session, col

from feedback.core.models import Answer, Question, Response, Survey
from feedback.insight.queries import by_dimensions
from feedback.surveys import definitions as surveys

# A cell starting with these is run as a formula by spreadsheets; a leading quote defuses it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
_FIXED = ["id", "submitted_at", "channel", "language", "touchpoint", "assisted"]
# Excel's sheet holds 1,048,576 rows; one is the header.
XLSX_MAX_ROWS = 1_048_575
_CHUNK_CHARS = 64 * 1024


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection in a text cell."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportRow:
    """One response with its answers keyed by question key (lists for multi)."""

    id: int
    submitted_at: datetime
    channel: str
    language: str
    touchpoint: str | None
    assisted: bool
    answers: dict[str, Any]


@dataclass(frozen=True)
class Selection:
    """Which responses to export: the dashboard's filters, each optional."""

    since: date | None = None
    until: date | None = None
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    touchpoint: str | None = None


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
    base = select(
        col(Response.id),
        col(Response.submitted_at),
        col(Response.channel),
        col(Response.language),
        col(Response.touchpoint),
        col(Response.assisted),
    ).where(col(Response.survey_id) == survey.id)
    # Bounds on submitted_at walk the (survey_id, submitted_at) index on both databases.
    if selection.since:
        base = base.where(col(Response.submitted_at) >= datetime.combine(selection.since, time.min))
    if selection.until:
        end = datetime.combine(selection.until + timedelta(days=1), time.min)
        base = base.where(col(Response.submitted_at) < end)
    base = by_dimensions(base, Response, selection)
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
        for rid, submitted, channel, language, touchpoint, assisted in rows:
            yield ExportRow(
                rid, _utc(submitted), channel, language, touchpoint, assisted, answers[rid]
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


def _open(session: Session, survey_id: str) -> tuple[Survey, list[Question]]:
    survey = surveys.get_survey(session, survey_id)
    if survey is None:
        raise LookupError(survey_id)
    return survey, surveys.every_version_of(session, survey_id)


def _cells(row: ExportRow, questions: list[Question]) -> list[Any]:
    """A row's answer cells: yes/no as words, multi joined by ';', text defused."""
    cells: list[Any] = []
    for q in questions:
        value = row.answers.get(surveys.answer_key(q, questions))
        if isinstance(value, list):
            value = ";".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        cells.append(safe_cell(value) if value is not None else "")
    return cells


def csv_chunks(
    session: Session, *, survey_id: str, selection: Selection = Selection()
) -> Iterator[str]:
    """The CSV export as text chunks of about 64 KB, header first."""
    survey, questions = _open(session, survey_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_FIXED + [surveys.answer_key(q, questions) for q in questions])
    for row in iter_rows(session, survey=survey, questions=questions, selection=selection):
        writer.writerow(
            [
                row.id,
                row.submitted_at.isoformat(),
                row.channel,
                row.language,
                safe_cell(row.touchpoint or ""),
                "yes" if row.assisted else "no",
                *_cells(row, questions),
            ]
        )
        if buffer.tell() > _CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_item(row: ExportRow, survey_id: str) -> dict[str, Any]:
    """One response as the JSON export and the API shape it."""
    return {
        "id": str(row.id),
        "survey": survey_id,
        "submitted_at": row.submitted_at.isoformat(),
        "channel": row.channel,
        "language": row.language,
        "touchpoint": row.touchpoint,
        "assisted": row.assisted,
        "answers": row.answers,
    }


def json_chunks(
    session: Session, *, survey_id: str, selection: Selection = Selection()
) -> Iterator[str]:
    """A JSON array of responses shaped like the API's, as text chunks."""
    survey, questions = _open(session, survey_id)
    parts: list[str] = ["["]
    size = 1
    rows = iter_rows(session, survey=survey, questions=questions, selection=selection)
    for count, row in enumerate(rows):
        item = json_item(row, survey.id)
        text = ("," if count else "") + "\n" + json.dumps(item, ensure_ascii=False)
        parts.append(text)
        size += len(text)
        if size > _CHUNK_CHARS:
            yield "".join(parts)
            parts, size = [], 0
    parts.append("\n]\n")
    yield "".join(parts)


def write_text(
    session: Session,
    *,
    survey_id: str,
    out: TextIO,
    format: str,
    selection: Selection | None = None,
) -> None:
    """Write the CSV or JSON export to a text stream, chunk by chunk."""
    chunks = csv_chunks if format == "csv" else json_chunks
    for chunk in chunks(session, survey_id=survey_id, selection=selection or Selection()):
        out.write(chunk)


def write_xlsx(
    session: Session,
    *,
    survey_id: str,
    out: str | IO[bytes],
    selection: Selection = Selection(),
) -> int:
    """Write an XLSX workbook (responses, then the questions' wording); returns the row count.

    XlsxWriter in constant_memory mode writes each row to a temporary file as soon as the
    next one starts and stores strings inline, so memory stays flat however many rows.
    """
    survey, questions = _open(session, survey_id)
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            # Every cell is written with an explicit type; never guess formulas or links.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    header = _FIXED + [surveys.answer_key(q, questions) for q in questions]
    header[1] = "submitted_at (UTC)"

    def new_sheet(number: int) -> Any:
        sheet = book.add_worksheet("Responses" if number == 1 else f"Responses {number}")
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, 1, 20)
        sheet.set_column(2, len(header) - 1, 14)
        sheet.freeze_panes(1, 0)
        for c, name in enumerate(header):
            sheet.write_string(0, c, name, bold)
        return sheet

    sheets = 1
    sheet = new_sheet(sheets)
    r = count = 0
    for row in iter_rows(session, survey=survey, questions=questions, selection=selection):
        if r == XLSX_MAX_ROWS:  # a full sheet continues on the next one
            sheets += 1
            sheet, r = new_sheet(sheets), 0
        r += 1
        count += 1
        sheet.write_number(r, 0, row.id)
        sheet.write_datetime(r, 1, row.submitted_at.astimezone(UTC).replace(tzinfo=None), when)
        sheet.write_string(r, 2, row.channel)
        sheet.write_string(r, 3, row.language)
        sheet.write_string(r, 4, safe_cell(row.touchpoint or ""))
        sheet.write_string(r, 5, "yes" if row.assisted else "no")
        for c, value in enumerate(_cells(row, questions), start=6):
            if isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value != "":
                sheet.write_string(r, c, str(value))
    wording = book.add_worksheet("Questions")
    for c, name in enumerate(["key", "kind", "driver", "en", "fr"]):
        wording.write_string(0, c, name, bold)
    for i, q in enumerate(questions, start=1):
        texts = [
            surveys.answer_key(q, questions),
            q.kind,
            q.driver or "",
            q.text.get("en", ""),
            q.text.get("fr", ""),
        ]
        for c, text in enumerate(texts):
            wording.write_string(i, c, safe_cell(text))
    book.close()
    return count

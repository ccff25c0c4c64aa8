"""Streamed exports of a survey's responses: CSV and XLSX (spreadsheet-safe) and JSON.

Rows are read in keyset-paged batches and written as they come, so a million responses
never sit in memory. Hidden (moderated) comments are never exported. Columns:
`submitted_at` is the UTC instant, `submitted_local` the same instant in the service's zone
(its date is the day dashboards count it on); `channel_mode` is the channel's mode
(`self_service` or `assisted`); `assisted` says a person entered the answers on someone's behalf
(an agent, or staff typing in a paper form); `test` (only when test answers are included)
marks answers sent from a staff preview.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC
from typing import IO, Any, TextIO

import xlsxwriter
from sqlmodel import Session

from feedback.core.models import Question
from feedback.insight.export_rows import (
    EVERYTHING,
    ExportRow,
    Selection,
    iter_rows,
    open_survey,
    safe_cell,
)
from feedback.surveys import definitions as surveys

__all__ = ["ExportRow", "Selection", "iter_rows", "json_item", "safe_cell", "write_xlsx"]

FORMATS = ("csv", "xlsx", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
_FIXED = [
    "id",
    "submitted_at",
    "submitted_local",
    "channel",
    "channel_mode",
    "language",
    "touchpoint",
    "assisted",
]
# Excel's sheet holds 1,048,576 rows; one is the header.
XLSX_MAX_ROWS = 1_048_575
_CHUNK_CHARS = 64 * 1024


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


def header(questions: list[Question], selection: Selection) -> list[str]:
    """The column names of a CSV or XLSX export."""
    fixed = [*_FIXED, "test"] if selection.include_tests else list(_FIXED)
    return fixed + [surveys.answer_key(q, questions) for q in questions]


def _fixed_cells(row: ExportRow, selection: Selection) -> list[Any]:
    cells = [
        row.id,
        row.submitted_at.isoformat(),
        row.submitted_local.isoformat(),
        row.channel,
        row.channel_mode,
        row.language,
        safe_cell(row.touchpoint or ""),
        "yes" if row.assisted else "no",
    ]
    return [*cells, "yes" if row.test else "no"] if selection.include_tests else cells


def csv_chunks(
    session: Session, *, survey_id: str, selection: Selection = EVERYTHING
) -> Iterator[str]:
    """The CSV export as text chunks of about 64 KB, header first."""
    survey, questions = open_survey(session, survey_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header(questions, selection))
    for row in iter_rows(session, survey=survey, questions=questions, selection=selection):
        writer.writerow([*_fixed_cells(row, selection), *_cells(row, questions)])
        if buffer.tell() > _CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_item(row: ExportRow, survey_id: str, *, with_test: bool = False) -> dict[str, Any]:
    """One response as the JSON export and the API shape it (`test` when tests are included)."""
    item = {
        "id": str(row.id),
        "survey": survey_id,
        "submitted_at": row.submitted_at.isoformat(),
        "submitted_local": row.submitted_local.isoformat(),
        "channel": row.channel,
        "channel_mode": row.channel_mode,
        "language": row.language,
        "touchpoint": row.touchpoint,
        "assisted": row.assisted,
        "answers": row.answers,
    }
    if with_test:
        item["test"] = row.test
    return item


def json_chunks(
    session: Session, *, survey_id: str, selection: Selection = EVERYTHING
) -> Iterator[str]:
    """A JSON array of responses shaped like the API's, as text chunks."""
    survey, questions = open_survey(session, survey_id)
    parts: list[str] = ["["]
    size = 1
    rows = iter_rows(session, survey=survey, questions=questions, selection=selection)
    for count, row in enumerate(rows):
        item = json_item(row, survey.id, with_test=selection.include_tests)
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
    selection: Selection = EVERYTHING,
) -> int:
    """Write an XLSX workbook (responses, then the questions' wording); returns the row count.

    XlsxWriter in constant_memory mode writes each row to a temporary file as soon as the
    next one starts and stores strings inline, so memory stays flat however many rows.
    """
    survey, questions = open_survey(session, survey_id)
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
    names = header(questions, selection)
    names[1] = "submitted_at (UTC)"
    names[2] = "submitted_local"

    def new_sheet(number: int) -> Any:
        sheet = book.add_worksheet("Responses" if number == 1 else f"Responses {number}")
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, 2, 20)
        sheet.set_column(3, len(names) - 1, 14)
        sheet.freeze_panes(1, 0)
        for c, name in enumerate(names):
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
        fixed = _fixed_cells(row, selection)
        sheet.write_number(r, 0, row.id)
        sheet.write_datetime(r, 1, row.submitted_at.astimezone(UTC).replace(tzinfo=None), when)
        # The service's wall-clock time (a spreadsheet date has no zone).
        sheet.write_datetime(r, 2, row.submitted_local.replace(tzinfo=None), when)
        for c, value in enumerate(fixed[3:], start=3):
            sheet.write_string(r, c, str(value))
        for c, value in enumerate(_cells(row, questions), start=len(fixed)):
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

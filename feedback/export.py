"""Streamed exports of a survey's responses: CSV (spreadsheet-safe) and JSON."""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import Any, TextIO

from sqlmodel import Session

from feedback import queries, surveys

# A cell starting with these is run as a formula by spreadsheets; a leading quote defuses it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection in a text cell."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _rows(session: Session, survey_id: str, since: date | None, until: date | None) -> Any:
    survey = surveys.get_survey(session, survey_id)
    assert survey is not None
    questions = surveys.questions_of(session, survey_id)
    return (
        survey,
        questions,
        queries.iter_responses(
            session, survey=survey, questions=questions, since=since, until=until
        ),
    )


def write_csv(
    session: Session,
    *,
    survey_id: str,
    out: TextIO,
    since: date | None = None,
    until: date | None = None,
) -> int:
    """Write one CSV row per response; returns how many were written."""
    _, questions, rows = _rows(session, survey_id, since, until)
    writer = csv.writer(out)
    writer.writerow(
        ["id", "submitted_at", "channel", "language", "touchpoint", "assisted"]
        + [q.key for q in questions]
    )
    count = 0
    for row in rows:
        cells: list[Any] = []
        for q in questions:
            value = row.answers.get(q.key)
            if isinstance(value, list):
                value = ";".join(value)
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            cells.append(safe_cell(value) if value is not None else "")
        writer.writerow(
            [
                row.id,
                row.submitted_at.isoformat(),
                row.channel,
                row.language,
                safe_cell(row.touchpoint or ""),
                "yes" if row.assisted else "no",
                *cells,
            ]
        )
        count += 1
    return count


def write_json(
    session: Session,
    *,
    survey_id: str,
    out: TextIO,
    since: date | None = None,
    until: date | None = None,
) -> int:
    """Write a JSON array of responses shaped like the API's, one element at a time."""
    survey, _, rows = _rows(session, survey_id, since, until)
    out.write("[")
    count = 0
    for row in rows:
        item = {
            "id": str(row.id),
            "survey": survey.id,
            "submitted_at": row.submitted_at.isoformat(),
            "channel": row.channel,
            "language": row.language,
            "touchpoint": row.touchpoint,
            "assisted": row.assisted,
            "answers": row.answers,
        }
        out.write(("," if count else "") + "\n" + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count

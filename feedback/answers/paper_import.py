"""CSV import of typed-in paper forms: one row per form, each through intake, with a result
and line number per row. Importing the same file again stores nothing new.

Columns: `language` (en or fr), then one column per question id; optional `channel`
(default mail), `touchpoint`, `submitted_at` (a date or an ISO time) and `id` (a form
number; without it a row is known by the SHA-256 of the file's bytes and its line, so
re-running the same file stores nothing new, while an edited file stores its rows again).
Yes/no answers may be written yes, no, oui, non, true, false, 1 or 0; several choices are
separated by ";".
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from feedback.answers import bulk, bulk_store, intake
from feedback.surveys import definitions as surveys

FIXED = ("id", "channel", "language", "touchpoint", "submitted_at")
DEFAULT_CHANNEL = "mail"
_YES = {"yes", "oui", "true", "1", "y", "o"}
_NO = {"no", "non", "false", "0", "n"}


class ImportFailed(ValueError):
    """The file as a whole cannot be imported (unknown survey, wrong columns, not CSV)."""


@dataclass
class Report:
    """What an import did (or would do, in a dry run), with the problems by line number."""

    created: int = 0
    replayed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Rows not stored."""
        return len(self.errors)


def _row_key(digest: str, line: int, explicit: str) -> str:
    if explicit:
        return f"paper:{explicit}"[: intake.IDEMPOTENCY_KEY_MAX]
    # The file's content, not its name: another file called the same is other forms.
    return f"paper:{digest[:32]}:{line}"


def _typed(kind: str, raw: str) -> Any:
    """A cell as the API value of a question of this kind (left as text if unreadable)."""
    if kind == "yes_no":
        low = raw.strip().lower()
        return True if low in _YES else False if low in _NO else raw
    if kind == "multi":
        return [part.strip() for part in raw.split(";") if part.strip()]
    if kind in ("rating5", "nps", "ces7"):
        text = raw.strip()
        # Short digit strings only: int() refuses over 4,300 digits, and no scale is that long.
        digits = text.lstrip("-")
        return int(text) if digits.isdigit() and len(digits) <= 9 else raw
    return raw.strip()


def _item(row: dict[str, str], line: int, digest: str, kinds: dict[str, str], survey: str) -> Any:
    cell = {k: (v or "").strip() for k, v in row.items() if k is not None}
    when = cell.get("submitted_at") or None
    if when and len(when) == 10:
        when += "T12:00:00+00:00"  # a date alone: midday UTC stays on that day across Canada
    body = {
        "survey": survey,
        "idempotency_key": _row_key(digest, line, cell.get("id", "")),
        "channel": cell.get("channel") or DEFAULT_CHANNEL,
        "language": cell.get("language", ""),
        "touchpoint": cell.get("touchpoint") or None,
        "submitted_at": when,
        "answers": {
            key: _typed(kind, cell[key]) for key, kind in kinds.items() if cell.get(key, "")
        },
    }
    lang = body["language"] if body["language"] in ("en", "fr") else "en"
    try:
        item = bulk.item_from_json(body, lang)
        return dataclasses.replace(
            # Staff typed in what a person wrote: entered on their behalf (assisted).
            item,
            submission=dataclasses.replace(item.submission, source="paper", assisted=True),
        )
    except intake.Rejected as error:
        return error


def import_csv(
    session: Session,
    *,
    survey_id: str,
    text: str,
    file_name: str,
    dry_run: bool = False,
    content: bytes | None = None,
) -> Report:
    """Import the rows of a CSV text into a survey; ImportFailed if the file cannot be used.

    `content` is the file's bytes (rows without `id` are known by their hash); the text's
    UTF-8 bytes if not given. `file_name` is only for messages.
    """
    digest = hashlib.sha256(content if content is not None else text.encode()).hexdigest()
    survey = surveys.get_survey(session, survey_id)
    if survey is None:
        raise ImportFailed(f"no survey {survey_id!r}")
    kinds = {q.key: q.kind for q in surveys.questions_of(session, survey.id)}
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    columns = [c.strip() for c in reader.fieldnames or []]
    unknown = [c for c in columns if c not in FIXED and c not in kinds]
    if not columns or "language" not in columns or unknown:
        wanted = ", ".join([*FIXED, *kinds])
        problem = f"unknown columns: {', '.join(unknown)}" if unknown else "no `language` column"
        raise ImportFailed(f"{problem}; the columns can be: {wanted}")
    reader.fieldnames = columns
    lines: list[int] = []
    items: list[Any] = []
    for row in reader:
        line = reader.line_num  # the row's last physical line (a quoted cell may span lines)
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue  # a blank line between forms
        lines.append(line)
        items.append(_item(row, line, digest, kinds, survey.id))
    results = bulk_store.store_many(session, items=items, lang="en", dry_run=dry_run)
    report = Report()
    for result in results:
        if result.status == 201:
            report.created += 1
        elif result.status == 200:
            report.replayed += 1
        else:
            details = "; ".join(f"{k}: {v}" for k, v in result.fields.items())
            report.errors.append((lines[result.index], details or result.message or ""))
    return report

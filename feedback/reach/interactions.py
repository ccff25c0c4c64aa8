"""Interactions served per service, channel and period, from operational records.

Optional: where they are known for every channel, the overall score can be weighted to each
channel's share of the people served (insight.reach_metrics.post_stratify). A period's
count is spread evenly over its days, so a window that cuts a month takes its share.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from feedback.core.catalog import CHANNELS
from feedback.core.models import InteractionCount, Service, utcnow
from feedback.core.numbers import whole_number

PERIOD_DAYS_MAX = 366
COUNT_MAX = 1_000_000_000
CSV_ROWS_MAX = 10_000
CSV_COLUMNS = ("channel", "start", "end", "count")


@dataclass(frozen=True)
class Row:
    """One record as sent (fields may be wrong until `problems` says none are)."""

    service: Any
    channel: Any
    start: date | None
    end: date | None
    count: int | None


def problems(session: Session, row: Row, _: Callable[[str], str]) -> dict[str, str]:
    """What is wrong with a record, by field; empty when it can be stored."""
    errors: dict[str, str] = {}
    if not isinstance(row.service, str) or session.get(Service, row.service) is None:
        errors["service"] = _("This service does not exist.")
    if not isinstance(row.channel, str) or row.channel not in CHANNELS:
        errors["channel"] = _("Use one of the channel ids: %(ids)s.") % {"ids": ", ".join(CHANNELS)}
    if row.start is None:
        errors["start"] = _("Give a date as YYYY-MM-DD.")
    if row.end is None:
        errors["end"] = _("Give a date as YYYY-MM-DD.")
    elif row.start is not None and not 0 <= (row.end - row.start).days < PERIOD_DAYS_MAX:
        errors["end"] = _("The end must be on or after the start, at most a year later.")
    if row.count is None or not 0 <= row.count <= COUNT_MAX:
        errors["count"] = _("Give a whole number of at least 0.")
    return errors


def store(session: Session, row: Row) -> int:
    """Store a checked record: 201 when new, 200 when it replaced the same period's count."""
    assert row.start is not None and row.end is not None and row.count is not None
    found = session.get(InteractionCount, (row.service, row.channel, row.start))
    if found is None:
        session.add(
            InteractionCount(
                service_id=row.service, channel=row.channel, start=row.start, end=row.end,
                n=row.count,
            )
        )  # fmt: skip
        return 201
    found.end, found.n, found.updated_at = row.end, row.count, utcnow()
    session.add(found)
    return 200


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_csv(text: str, service_id: str) -> list[Row]:
    """Rows of an uploaded CSV with columns channel,start,end,count (a header row first)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = []
    for number, cells in enumerate(reader):
        if number == 0 and [c.strip().lower() for c in cells[:4]] == list(CSV_COLUMNS):
            continue
        if not any(c.strip() for c in cells):
            continue
        cells = [*cells, "", "", "", ""][:4]
        rows.append(
            Row(
                service=service_id, channel=cells[0].strip(), start=_date(cells[1]),
                end=_date(cells[2]), count=whole_number(cells[3].replace(",", "").strip(), lo=0),
            )
        )  # fmt: skip
        if len(rows) > CSV_ROWS_MAX:
            break
    return rows


def served(
    session: Session, *, service_id: str, since: date, until: date
) -> dict[str, tuple[float, int]]:
    """Per channel: people served in [since, until] (spread evenly over each record's days),
    and how many of the window's days the records cover."""
    stmt = select(InteractionCount).where(
        col(InteractionCount.service_id) == service_id,
        col(InteractionCount.start) <= until,
        col(InteractionCount.end) >= since,
    )
    out: dict[str, tuple[float, int]] = {}
    for rec in session.exec(stmt):
        first, last = max(rec.start, since), min(rec.end, until)
        inside = (last - first).days + 1
        days = (rec.end - rec.start).days + 1
        n, covered = out.get(rec.channel, (0.0, 0))
        out[rec.channel] = (n + rec.n * inside / days, covered + inside)
    return out


def daily_rates(found: dict[str, tuple[float, int]]) -> dict[str, float]:
    """People served per day on each channel, over the days the records cover."""
    return {c: n / covered for c, (n, covered) in found.items() if covered > 0}


def listing(session: Session, *, service_id: str, limit: int = 50) -> list[InteractionCount]:
    """The latest records of a service, newest period first."""
    stmt = (
        select(InteractionCount)
        .where(col(InteractionCount.service_id) == service_id)
        .order_by(col(InteractionCount.start).desc(), col(InteractionCount.channel))
        .limit(limit)
    )
    return list(session.exec(stmt))

"""Which count rows cover a period: its whole local months from the monthly rows, the days
at its edges from the daily rows.

A year then reads 12 monthly rows and at most 60 daily ones per term or theme, instead of
365 daily ones. Both tables hold the same local days (the monthly rows are the sums of the
daily ones), so the numbers are the same either way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Subquery, false, select, union_all
from sqlmodel import col

from feedback.core import local_time

Filter = Callable[[Any], list[Any]]  # the conditions on a model's other columns


def split(first: date, last: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """The day ranges at the edges, and the first days of the first and last whole months
    (None when the period holds no whole month)."""
    if first > last:
        return [], None
    if last >= date.max - timedelta(31) or first <= date.min + timedelta(31):
        # the calendar's first and last months: no month before or after to step to
        return [(first, last)], None
    start = first if first.day == 1 else local_time.period_end(first, "month") + timedelta(1)
    ends_month = last == local_time.period_end(last, "month")
    end = last if ends_month else last.replace(day=1) - timedelta(1)
    if start > end:
        return [(first, last)], None
    edges = []
    if first < start:
        edges.append((first, start - timedelta(1)))
    if end < last:
        edges.append((end + timedelta(1), last))
    return edges, (start, end.replace(day=1))


def rows(
    day_model: Any,
    month_model: Any | None,
    names: list[str],
    where: Filter,
    first: date,
    last: date,
) -> Subquery:
    """The columns `names` (and `at`: the row's day, or its month's first day) of the rows
    covering first..last; without `month_model`, daily rows only (for weeks and days)."""
    if month_model is None:
        edges, months = ([(first, last)] if first <= last else []), None
    else:
        edges, months = split(first, last)
    parts = []
    for low, high in edges:
        day = col(day_model.day)
        parts.append(
            select(*[getattr(day_model, n) for n in names], day.label("at")).where(
                day >= low, day <= high, *where(day_model)
            )
        )
    if months is not None and month_model is not None:
        month = col(month_model.month)
        parts.append(
            select(*[getattr(month_model, n) for n in names], month.label("at")).where(
                month >= months[0], month <= months[1], *where(month_model)
            )
        )
    if not parts:  # an empty period: a select that finds nothing
        day = col(day_model.day)
        parts.append(
            select(*[getattr(day_model, n) for n in names], day.label("at")).where(false())
        )
    if len(parts) == 1:
        return parts[0].subquery()
    return union_all(*parts).subquery()

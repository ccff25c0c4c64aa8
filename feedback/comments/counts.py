"""Term and comment counts read from the aggregates: O(months + edge days) x terms, not
O(comments) (see comments.covering)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlmodel import Session, col

from feedback.comments import covering
from feedback.comments.tallies import ALL
from feedback.core import local_time
from feedback.core.models import (
    CommentTermDay,
    CommentTermMonth,
    CommentThemeDay,
    CommentThemeMonth,
)

TOP = 8
MAX_PERIODS = 40  # a ten-year window by month; older periods are left out


@dataclass(frozen=True)
class Slice:
    """Which comments of a survey are counted: days (inclusive) and optional dimensions."""

    survey_id: str
    first: date
    last: date
    channels: tuple[str, ...] = ()
    language: str | None = None


def _filter(part: Slice, language: str | None = None) -> covering.Filter:
    """The slice's conditions other than dates, on the daily or the monthly model."""

    def where(model: Any) -> list[Any]:
        out: list[Any] = [col(model.survey_id) == part.survey_id]
        if part.channels:
            out.append(col(model.channel).in_(part.channels))
        out += [col(model.language) == lang for lang in (part.language, language) if lang]
        return out

    return where


def top_terms(
    session: Session, part: Slice, languages: Sequence[str], n: int = TOP
) -> dict[str, list[tuple[str, int]]]:
    """The `n` terms most comments mention, per language, ties alphabetical."""
    out: dict[str, list[tuple[str, int]]] = {}
    for lang in languages:
        where = _filter(part, lang)
        rows = covering.rows(
            CommentTermDay, CommentTermMonth, ["term", "n"], where, part.first, part.last
        )
        total = func.sum(rows.c.n)
        stmt = (
            select(rows.c.term, total)
            .group_by(rows.c.term)
            .order_by(total.desc(), rows.c.term)
            .limit(n)
        )
        out[lang] = [(term, int(count)) for term, count in session.execute(stmt)]
    return out


def comments_by_language(session: Session, part: Slice) -> dict[str, int]:
    """How many comments there are in each language."""
    where = _filter(part)
    rows = covering.rows(
        CommentThemeDay,
        CommentThemeMonth,
        ["language", "n"],
        lambda m: [*where(m), col(m.theme_id) == ALL],
        part.first,
        part.last,
    )
    stmt = select(rows.c.language, func.sum(rows.c.n)).group_by(rows.c.language)
    return {lang: int(n) for lang, n in session.execute(stmt)}


Periods = list[tuple[date, dict[str, int], dict[str, list[tuple[str, int]]]]]


def terms_by_period(session: Session, part: Slice, grain: str, languages: Sequence[str]) -> Periods:
    """Per period, newest first: comments per language and the top terms per language, for
    the newest MAX_PERIODS periods that have comments."""
    out: Periods = []
    oldest = local_time.period_start(part.first, grain)
    last = part.last
    # Two statements for up to MAX_PERIODS periods at a time (a statement per period cost
    # more in round trips than in reading); another round only when some of them had no
    # comments and older ones remain.
    while len(out) < MAX_PERIODS and last >= part.first:
        starts = [local_time.period_start(last, grain)]
        while len(starts) < MAX_PERIODS - len(out) and starts[-1] > oldest:
            starts.append(local_time.period_start(starts[-1] - timedelta(days=1), grain))
        piece = Slice(
            part.survey_id, max(part.first, starts[-1]), last, part.channels, part.language
        )
        out += _periods(session, piece, grain, languages, starts)
        last = starts[-1] - timedelta(days=1)
    return out


def _period_of(at: Any, starts: Sequence[date]) -> Any:
    """SQL for the index in `starts` (newest first) of the period that holds `at` (a day, or
    a month's first day); a number, as sorting on it is cheaper than on a date."""
    if len(starts) == 1:
        return literal(0)
    return case(*[(at >= start, i) for i, start in enumerate(starts[:-1])], else_=len(starts) - 1)


def _periods(
    session: Session, part: Slice, grain: str, languages: Sequence[str], starts: list[date]
) -> Periods:
    """terms_by_period for one run of periods (`starts`, newest first) covering `part`."""
    # Months and quarters are made of whole months; weeks and days need the daily rows.
    whole = grain in ("month", "quarter")
    where = _filter(part)
    rows = covering.rows(
        CommentThemeDay,
        CommentThemeMonth if whole else None,
        ["language", "n"],
        lambda m: [*where(m), col(m.theme_id) == ALL],
        part.first,
        part.last,
    )
    # The period is named in a subquery and grouped by that name: PostgreSQL would not take
    # the same CASE, with parameters of its own, in GROUP BY for the one in SELECT.
    by = select(_period_of(rows.c.at, starts).label("period"), rows.c.language, rows.c.n)
    sub = by.subquery()
    stmt = select(sub.c.period, sub.c.language, func.sum(sub.c.n)).group_by(
        sub.c.period, sub.c.language
    )
    comments: dict[int, dict[str, int]] = {}
    for period, lang, n in session.execute(stmt):
        comments.setdefault(int(period), {})[lang] = int(n)
    top: dict[int, dict[str, list[tuple[str, int]]]] = {}
    if any(any(said.values()) for said in comments.values()):
        rows = covering.rows(
            CommentTermDay,
            CommentTermMonth if whole else None,
            ["language", "term", "n"],
            lambda m: [*where(m), col(m.language).in_(languages)],
            part.first,
            part.last,
        )
        by = select(
            _period_of(rows.c.at, starts).label("period"), rows.c.language, rows.c.term, rows.c.n
        )
        sub = by.subquery()
        total = func.sum(sub.c.n)
        # Ties alphabetical, as in top_terms.
        rank = func.row_number().over(
            partition_by=(sub.c.period, sub.c.language), order_by=(total.desc(), sub.c.term)
        )
        ranked = (
            select(sub.c.period, sub.c.language, sub.c.term, total.label("n"), rank.label("rank"))
            .group_by(sub.c.period, sub.c.language, sub.c.term)
            .subquery()
        )
        stmt = (
            select(ranked.c.period, ranked.c.language, ranked.c.term, ranked.c.n)
            .where(ranked.c.rank <= TOP)
            .order_by(ranked.c.period, ranked.c.language, ranked.c.rank)
        )
        for period, lang, term, n in session.execute(stmt):
            top.setdefault(int(period), {}).setdefault(lang, []).append((term, int(n)))
    return [
        (start, comments[i], {lang: top.get(i, {}).get(lang, []) for lang in languages})
        for i, start in enumerate(starts)
        if any(comments.get(i, {}).values())
    ]

"""Term and comment counts read from the aggregates: O(months + edge days) x terms, not
O(comments) (see comments.covering)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
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


def terms_by_period(
    session: Session, part: Slice, grain: str, languages: Sequence[str]
) -> list[tuple[date, dict[str, int], dict[str, list[tuple[str, int]]]]]:
    """Per period, newest first: comments per language and the top terms per language."""
    out: list[tuple[date, dict[str, int], dict[str, list[tuple[str, int]]]]] = []
    start = local_time.period_start(part.last, grain)
    while start >= local_time.period_start(part.first, grain) and len(out) < MAX_PERIODS:
        end = min(local_time.period_end(start, grain), part.last)
        piece = Slice(part.survey_id, max(start, part.first), end, part.channels, part.language)
        comments = comments_by_language(session, piece)
        if any(comments.values()):
            out.append((start, comments, top_terms(session, piece, languages)))
        start = local_time.period_start(start - timedelta(days=1), grain)
    return out

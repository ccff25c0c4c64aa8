"""Monthly term and theme counts: pages read whole local months from them and get exactly the
numbers the daily counts give, for periods cut mid-month and a service in Toronto; the
monthly rows stay the sums of the daily ones through confirms, merges and hides, and the
rebuild paths make the same rows as the incremental writes."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from feedback.answers import intake, storing
from feedback.comments import counts, covering, followup, rebuild, themes, trends
from feedback.core import local_time
from feedback.core.db import session_scope
from feedback.core.models import (
    Comment,
    CommentTermDay,
    CommentTermMonth,
    CommentThemeDay,
    CommentThemeMonth,
    Service,
    Survey,
)
from feedback.surveys import definitions as surveys

ZONE = "America/Toronto"
SAID = [
    ("en", "The wait at the counter was long."),
    ("en", "Staff were helpful and kind."),
    ("en", "The online form kept crashing."),
    ("en", "Waiting times are terrible, staff rude."),
    ("fr", "L'attente au bureau était trop longue."),
    ("fr", "Le personnel était courtois et compétent."),
    ("fr", "Le formulaire en ligne ne marche pas."),
]
CHANNELS = ["in_person", "phone", "web"]
# Cut mid-month at both ends, whole months only, one whole month, inside a month, a year.
PERIODS = [
    (date(2024, 11, 17), date(2025, 3, 9)),
    (date(2024, 12, 1), date(2025, 2, 28)),
    (date(2025, 1, 1), date(2025, 1, 31)),
    (date(2025, 2, 3), date(2025, 2, 20)),
    (date(2024, 10, 1), date(2025, 9, 30)),
]


def load(app: Any, n: int = 160) -> str:
    """`n` random comments from October 2024 to April 2025 on the counter survey of a service
    in Toronto, many of them in the hours where the UTC and local months differ."""
    rnd = random.Random(18)
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, app.state.ids["counter"])
        assert survey is not None
        service = session.get(Service, survey.service_id)
        assert service is not None
        service.time_zone = ZONE
        survey.status = "live"
        session.flush()
        questions = surveys.questions_of(session, survey.id)
        for _ in range(n):
            day = date(2024, 10, 1) + timedelta(days=rnd.randrange(200))
            hour = rnd.choice([1, 3, 4, 12, 23])  # 01:00-04:00 UTC is the day before locally
            lang, text = rnd.choice(SAID)
            answers = {"satisfaction": rnd.randint(1, 5), "comment": text}
            storing.submit(
                session,
                survey=survey,
                questions=questions,
                submission=intake.Submission(rnd.choice(CHANNELS), lang, answers),
                lang=lang,
                submitted_at=datetime(day.year, day.month, day.day, hour, 7, tzinfo=UTC),
            )
        ids = themes.by_key(session)
        picks = [ids["waiting_time"], ids["staff_courtesy"], ids["online_forms"]]
        for c in session.scalars(select(Comment).order_by(Comment.answer_id)):
            if rnd.random() < 0.6:
                themes.confirm(session, c, rnd.sample(picks, rnd.randint(1, 2)))
        return survey.id


def daily_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every read take the daily rows alone, and the terms table read one period at a
    time with the per-period functions (the path before monthly counts)."""
    monkeypatch.setattr(covering, "split", lambda first, last: ([(first, last)], None))
    monkeypatch.setattr(counts, "terms_by_period", period_by_period)


def period_by_period(
    session: Session, part: counts.Slice, grain: str, languages: list[str]
) -> counts.Periods:
    out: counts.Periods = []
    start = local_time.period_start(part.last, grain)
    while start >= local_time.period_start(part.first, grain) and len(out) < counts.MAX_PERIODS:
        end = min(local_time.period_end(start, grain), part.last)
        piece = counts.Slice(
            part.survey_id, max(start, part.first), end, part.channels, part.language
        )
        said = counts.comments_by_language(session, piece)
        if any(said.values()):
            out.append((start, said, counts.top_terms(session, piece, languages)))
        start = local_time.period_start(start - timedelta(days=1), grain)
    return out


def figures(session: Session, survey_id: str, first: date, last: date) -> dict[str, Any]:
    """Every number the comments page and the trends page show for the period."""
    part = counts.Slice(survey_id, first, last)
    french = counts.Slice(survey_id, first, last, ("in_person", "web"), "fr")
    out: dict[str, Any] = {
        "terms": counts.top_terms(session, part, ["en", "fr"], n=1000),
        "terms, filtered": counts.top_terms(session, french, ["fr"], n=1000),
        "languages": counts.comments_by_language(session, part),
    }
    for grain in ("month", "week", "quarter", "day"):
        out[f"terms by {grain}"] = counts.terms_by_period(session, part, grain, ["en", "fr"])
        out[f"terms by {grain}, filtered"] = counts.terms_by_period(session, french, grain, ["fr"])
        found = trends.trends(session, survey_ids=[survey_id], first=first, last=last, grain=grain)
        out[f"trends by {grain}"] = (
            found.periods,
            found.channels,
            found.comments,
            [(t.theme.id, t.overall, t.periods, t.channels, t.gap) for t in found.themes],
        )
    phone = trends.trends(session, survey_ids=[survey_id], first=first, last=last,
                          channels=["phone"])  # fmt: skip
    out["trends, phone"] = [(t.theme.id, t.overall, t.periods, t.gap) for t in phone.themes]
    return out


def test_monthly_reads_give_exactly_the_daily_numbers(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey_id = load(app)
    with session_scope(app.state.engine) as session:
        assert session.scalars(select(CommentThemeMonth)).first() is not None
        monthly = {p: figures(session, survey_id, *p) for p in PERIODS}
    daily_only(monkeypatch)
    with session_scope(app.state.engine) as session:
        daily = {p: figures(session, survey_id, *p) for p in PERIODS}
    for period in PERIODS:
        for name, value in daily[period].items():
            # Scores are 1-5 (0, 25, ... 100 %): their sums are exact in floating point.
            assert monthly[period][name] == value, (period, name)
    assert monthly[PERIODS[0]]["languages"]["fr"] > 0


def test_a_split_keeps_whole_local_months_and_the_edge_days() -> None:
    edges, months = covering.split(date(2024, 11, 17), date(2025, 3, 9))
    assert edges == [(date(2024, 11, 17), date(2024, 11, 30)), (date(2025, 3, 1), date(2025, 3, 9))]
    assert months == (date(2024, 12, 1), date(2025, 2, 1))
    assert covering.split(date(2025, 2, 1), date(2025, 2, 28)) == ([], (date(2025, 2, 1),) * 2)
    assert covering.split(date(2025, 2, 2), date(2025, 2, 28)) == (
        [(date(2025, 2, 2), date(2025, 2, 28))],
        None,
    )
    assert covering.split(date(2025, 3, 1), date(2025, 2, 1)) == ([], None)


def table(session: Session, model: Any) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """A count table as {key: counts}, zero rows left out (a zero counts as no row)."""
    found = {}
    for row in session.scalars(select(model)):
        data = row.model_dump()
        values = tuple(data.pop(k) for k in ("n", "scored", "score_sum", "score_sq") if k in data)
        if values[0]:
            found[tuple(str(data[k]) for k in sorted(data))] = values
    return found


def months_of_days(session: Session, model: Any) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """The daily rows summed by month, keyed like the monthly table."""
    sums: dict[tuple[Any, ...], Counter[int]] = {}
    for row in session.scalars(select(model)):
        data = row.model_dump()
        data["month"] = data.pop("day").replace(day=1)
        values = [data.pop(k) for k in ("n", "scored", "score_sum", "score_sq") if k in data]
        acc = sums.setdefault(tuple(str(data[k]) for k in sorted(data)), Counter())
        for i, v in enumerate(values):
            acc[i] += v
    return {k: tuple(v[i] for i in range(len(v))) for k, v in sums.items() if v[0]}


def snapshot(session: Session) -> dict[str, Any]:
    return {
        m.__name__: table(session, m)
        for m in (CommentTermDay, CommentThemeDay, CommentTermMonth, CommentThemeMonth)
    }


def test_monthly_rows_are_the_daily_sums_and_rebuilds_agree(app: Any) -> None:
    survey_id = load(app, 120)
    with session_scope(app.state.engine) as session:
        ids = themes.by_key(session)
        merged = themes.add(session, {"en": "Queues", "fr": "Files"})
        some = session.scalars(select(Comment).limit(5)).all()
        for c in some[:3]:
            themes.confirm(session, c, [merged.id or 0])
        theme = themes.get(session, ids["waiting_time"])
        assert theme is not None
        themes.merge(session, merged, theme)
        for c in some[3:]:
            followup.hide(session, answer_id=c.answer_id, by="admin")
    with session_scope(app.state.engine) as session:
        incremental = snapshot(session)
        assert table(session, CommentTermMonth) == months_of_days(session, CommentTermDay)
        assert table(session, CommentThemeMonth) == months_of_days(session, CommentThemeDay)
        survey = session.get(Survey, survey_id)
        assert survey is not None
        assert rebuild.recount_service(session, service_id=survey.service_id) == 118
    with session_scope(app.state.engine) as session:
        assert snapshot(session) == incremental
        rebuild.rebuild(session, classify=False)  # drops themes: terms and all-comment counts
    with session_scope(app.state.engine) as session:
        again = snapshot(session)
    for name in ("CommentTermDay", "CommentTermMonth"):
        assert again[name] == incremental[name]
    for name in ("CommentThemeDay", "CommentThemeMonth"):
        everyone = {k: v for k, v in incremental[name].items() if k[-1] == "0"}
        assert again[name] == everyone

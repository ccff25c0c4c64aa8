"""Two moderators hiding the same comment at once take it out of the counts once (PostgreSQL,
where the two transactions really overlap; SQLite runs one writer at a time)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text as sql
from sqlmodel import Session, select

from feedback.answers import intake, storing
from feedback.comments import followup, tallies
from feedback.core.db import session_scope
from feedback.core.models import Comment, CommentThemeDay, CommentThemeMonth, Survey
from feedback.surveys import definitions as surveys


def _counts(session: Session, survey_id: str) -> tuple[int, int]:
    """All-comments count of the survey, from the daily rows and from the monthly rows."""
    day = session.scalars(
        select(CommentThemeDay.n).where(
            CommentThemeDay.survey_id == survey_id, CommentThemeDay.theme_id == tallies.ALL
        )
    ).all()
    month = session.scalars(
        select(CommentThemeMonth.n).where(
            CommentThemeMonth.survey_id == survey_id, CommentThemeMonth.theme_id == tallies.ALL
        )
    ).all()
    return sum(day), sum(month)


def _waiting(engine: Any, n: int) -> bool:
    """Whether `n` backends wait on a row lock (the second hide has reached the first's rows)."""
    with engine.connect() as conn:
        found = conn.execute(
            sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"
            )
        ).scalar_one()
    return int(found) >= n


def test_two_hides_of_one_comment_at_once_count_it_out_once(app: Any) -> None:
    engine = app.state.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time")
    with session_scope(engine) as session:
        survey = session.get(Survey, app.state.ids["counter"])
        assert survey is not None
        questions = surveys.questions_of(session, survey.id)
        for said in ("The wait was long.", "The staff were kind."):
            storing.submit(
                session,
                survey=survey,
                questions=questions,
                submission=intake.Submission("web", "en", {"satisfaction": 4, "comment": said}),
                lang="en",
                submitted_at=datetime(2025, 3, 4, 15, tzinfo=UTC),
            )
        target = session.scalars(select(Comment).order_by(Comment.answer_id)).first()
        assert target is not None
        answer_id, survey_id = target.answer_id, survey.id
    with session_scope(engine) as session:
        assert _counts(session, survey_id) == (2, 2)

    first = Session(engine, expire_on_commit=False)
    assert followup.hide(first, answer_id=answer_id, by="one")  # holds its locks, not committed
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with session_scope(engine) as session:
                followup.hide(session, answer_id=answer_id, by="two")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    worker = threading.Thread(target=second)
    worker.start()
    for _ in range(2000):  # until the second hide waits for the first's locks
        if _waiting(engine, 1) or not worker.is_alive():
            break
        threading.Event().wait(0.005)
    first.commit()
    first.close()
    worker.join(timeout=60)
    assert not worker.is_alive() and not errors
    with session_scope(engine) as session:
        assert _counts(session, survey_id) == (1, 1)


def test_counts_are_upserted_in_key_order(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL locks an upsert's rows in the order given: two writers whose comments share
    a month would deadlock if one took "wait" then "long" and the other "long" then "wait"."""
    given: list[list[tuple[Any, ...]]] = []
    real = tallies.upsert

    def recording(session: Session, model: Any, keys: list[str], rows: Any, *a: Any) -> None:
        given.append([tuple(str(r[k]) for k in keys) for r in rows])
        real(session, model, keys, rows, *a)

    monkeypatch.setattr(tallies, "upsert", recording)
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, app.state.ids["counter"])
        assert survey is not None
        questions = surveys.questions_of(session, survey.id)
        for lang, said in (("fr", "Zèle, attente, bureau."), ("en", "Waiting long, staff kind.")):
            storing.submit(
                session,
                survey=survey,
                questions=questions,
                submission=intake.Submission("web", lang, {"satisfaction": 3, "comment": said}),
                lang=lang,
                submitted_at=datetime(2025, 3, 4, 15, tzinfo=UTC),
            )
    assert len(given) >= 4 and any(len(rows) > 1 for rows in given)
    for rows in given:
        assert rows == sorted(rows)

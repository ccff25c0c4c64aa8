"""Comment counts under concurrent writers: two moderators hiding one comment at once take
it out once, and count rows are upserted in one order (no deadlock on PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, select

from feedback.answers import intake, storing
from feedback.comments import followup, index, tallies
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


def test_two_hides_of_one_comment_at_once_count_it_out_once(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = app.state.engine
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

    # The second hide reads the comment while the first is not committed yet: before the fix
    # it read it (and counted it out again); with it, it waits for the first to end.
    read = threading.Event()
    real = index.stored

    def reading(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread():
            read.set()
        return found

    monkeypatch.setattr(index, "stored", reading)
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
    # Either the second hide has read (unfixed), or it waits for the first's locks and this
    # wait runs out; the outcome checked below is the same whichever comes first.
    read.wait(timeout=3)
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

"""Index every stored comment again from the answers (after bulk loads, seeding or repairs).

Comments are read a chunk at a time, indexed, given suggested themes (each distinct text
classified once) and counted, so a million responses take a minute, not an hour.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session, col

from feedback.comments import classifier, index, tallies
from feedback.comments.index import Incoming
from feedback.core.models import (
    Answer,
    Comment,
    CommentTheme,
    Question,
    Response,
    Survey,
    utcnow,
)
from feedback.surveys.definitions import headline_question

CHUNK = 5000


def _incoming(session: Session, survey: Survey, first: int) -> Iterator[list[Incoming]]:
    """The survey's visible comments with their headline answers, a chunk at a time."""
    questions = list(session.scalars(select(Question).where(col(Question.survey_id) == survey.id)))
    headline = headline_question(questions)
    texts = [q.id for q in questions if q.kind == "text" and q.id is not None]
    if not texts:
        return
    stmt = (
        select(
            col(Answer.id),
            col(Response.id),
            col(Response.submitted_at),
            col(Response.channel),
            col(Response.language),
            col(Answer.text),
            col(Response.touchpoint),
        )  # fmt: skip
        .join(Response, col(Response.id) == Answer.response_id)
        .where(
            col(Response.survey_id) == survey.id,
            col(Answer.question_id).in_(texts),
            col(Answer.text).is_not(None),
            col(Answer.hidden).is_(False),
            col(Response.test).is_(False),
            col(Answer.id) >= first,
        )
        .order_by(col(Answer.id))
    )
    # The headline answers apart, one pass over that question's answers: joined per comment,
    # SQLite probed the question's index for every row (quadratic at a million responses).
    values: dict[int, float | None] = {}
    if headline is not None and headline.id is not None:
        scores = select(col(Answer.response_id), col(Answer.value)).where(
            col(Answer.question_id) == headline.id
        )
        values = {rid: value for rid, value in session.execute(scores)}
    kind = headline.kind if headline else None
    chunk: list[Incoming] = []
    for aid, rid, at, channel, lang, said, touchpoint in session.execute(stmt).all():
        if not said:
            continue
        value = values.get(rid)
        pct = index.score_pct(kind, value)
        chunk.append(
            Incoming(
                aid,
                rid,
                survey.id,
                survey.service_id,
                at,
                channel,
                lang,
                said,
                value,
                pct,
                touchpoint,
            )  # fmt: skip
        )
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _suggest(
    session: Session,
    model: classifier.Model,
    chunk: Sequence[Incoming],
    cache: dict[str, list[tuple[int, float]]],
    now: datetime,
) -> None:
    fresh = sorted({c.text for c in chunk if c.text not in cache})
    cache.update(zip(fresh, model.suggest(fresh), strict=True))
    rows = [
        {"answer_id": c.answer_id, "theme_id": t, "source": "suggested", "confidence": p}
        for c in chunk
        for t, p in cache[c.text]
    ]
    if rows:
        session.execute(insert(CommentTheme), rows)
    themed = [(c, t) for c in chunk for t, _p in cache[c.text]]
    tallies.add_theme_days(session, themed, +1)
    ids = [c.answer_id for c in chunk]
    for start in range(0, len(ids), 500):
        session.execute(
            update(Comment)
            .where(col(Comment.answer_id).in_(ids[start : start + 500]))
            .values(classified_at=now)
        )


def rebuild(session: Session, *, first_answer: int | None = None, classify: bool = True) -> int:
    """Index comments from the answers; how many.

    With `first_answer`, only answers from that id on (just bulk-loaded) are added and
    nothing else changes. Without, everything is dropped and rebuilt, follow-up (status,
    notes, confirmed themes) included: for repairs of a damaged index.
    """
    if first_answer is None:
        tallies.clear(session)
        for model_ in (CommentTheme, Comment):
            session.execute(delete(model_))
    model = classifier.current(session) if classify else None
    cache: dict[str, list[tuple[int, float]]] = {}
    now = utcnow()
    done = 0
    for survey in list(session.scalars(select(Survey).order_by(col(Survey.id)))):
        for chunk in _incoming(session, survey, first_answer or 0):
            index.add(session, chunk)
            if model is not None:
                _suggest(session, model, chunk, cache, now)
            done += len(chunk)
    return done


def recount_service(session: Session, *, service_id: str) -> int:
    """Count a service's comments again on its current local days (after a zone change);
    the comments, their themes and follow-up stay as they are. How many were counted."""
    stmt = select(col(Survey.id)).where(col(Survey.service_id) == service_id)
    survey_ids = list(session.scalars(stmt))
    tallies.clear(session, survey_ids)
    ids = list(
        session.scalars(
            select(col(Comment.answer_id))
            .where(col(Comment.service_id) == service_id)
            .order_by(col(Comment.answer_id))
        )
    )
    for start in range(0, len(ids), CHUNK):
        found = index.stored(session, ids[start : start + CHUNK])
        tallies.count(session, [c for c, _ in found], +1)
        tallies.add_theme_days(session, [(c, t) for c, themes in found for t in themes], +1)
    return len(ids)

"""Keep each comment's inbox row, search terms and counts in step with the answers.

Storing a response calls `add_many` in the same transaction (a few statements per batch,
whatever its size); amending one calls `reindex_responses`; hiding a comment and the
retention purge call `forget`. Deleting an answer by any other path still deletes its inbox
row and search entry (ON DELETE CASCADE and, on SQLite, the triggers of migration 0011).
The term and theme counts themselves are kept by comments.tallies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import Session, col

from feedback.comments import tallies, text, urgent
from feedback.core.catalog import SCALE_RANGES
from feedback.core.models import (
    Answer,
    Comment,
    CommentTheme,
    Question,
    Response,
    Service,
    Survey,
)
from feedback.insight.rollups import Counted
from feedback.surveys.definitions import headline_question

_BATCH = 500


@dataclass(frozen=True)
class Incoming:
    """A comment to index: its answer and the response facts the inbox filters by."""

    answer_id: int
    response_id: int
    survey_id: str
    service_id: str
    submitted_at: datetime
    channel: str
    language: str
    text: str
    score: float | None
    score_pct: float | None
    touchpoint: str | None = None


def score_pct(kind: str | None, value: float | None) -> float | None:
    """A headline answer as a share of its scale, 0-100 (yes is 100, no 0)."""
    if value is None or kind is None:
        return None
    if kind == "yes_no":
        return 100.0 * value
    low, high = SCALE_RANGES.get(kind, (0, 1))
    return 100.0 * (value - low) / (high - low)


def add_many(session: Session, stored: Sequence[Counted]) -> None:
    """Index the comments of responses just stored (storing.py calls this once a batch)."""
    texts = {
        int(q.id) for _, _, questions in stored for q in questions if q.kind == "text" and q.id
    }
    # Preview answers (test) are kept apart from everything staff read.
    stored = [c for c in stored if not getattr(c[0], "test", False)]
    wanted = [row.id for row, answers, _ in stored if any(_text_of(a) for a in answers)]
    if not texts or not wanted:
        return
    # Answers are inserted without RETURNING; their ids are read back, one statement. The
    # statements are built once (building SQL cost more than running it, per batch).
    conn = session.connection()
    found = conn.execute(_ANSWER_IDS, {"rids": wanted, "qids": sorted(texts)})
    ids: dict[tuple[int, int], int] = {(r, q): a for a, r, q in found if a is not None}
    places = conn.execute(_PLACES, {"ids": sorted({row.survey_id for row, _, _ in stored})})
    services, zones = {}, {}
    for survey_id, service_id, zone in places:
        services[survey_id], zones[service_id] = service_id, zone
    incoming: list[Incoming] = []
    for row, answers, questions in stored:
        headline = headline_question(list(questions))
        value = next(
            (_value_of(a) for a in answers if headline and _question_of(a) == headline.id), None
        )
        for answer in answers:
            said = _text_of(answer)
            key = (row.id, _question_of(answer))
            if said and key in ids:
                incoming.append(
                    Incoming(
                        ids[key], int(row.id or 0), row.survey_id, services[row.survey_id],
                        row.submitted_at, row.channel, row.language, said, value,
                        score_pct(headline.kind if headline else None, value), row.touchpoint,
                    )
                )  # fmt: skip
    add(session, incoming, zones)


def _text_of(answer: Any) -> str | None:
    return answer["text"] if isinstance(answer, dict) else answer.text


def _value_of(answer: Any) -> float | None:
    return answer["value"] if isinstance(answer, dict) else answer.value


def _question_of(answer: Any) -> int:
    return int(answer["question_id"] if isinstance(answer, dict) else answer.question_id)


_ANSWER_IDS = select(col(Answer.id), col(Answer.response_id), col(Answer.question_id)).where(
    col(Answer.response_id).in_(bindparam("rids", expanding=True)),
    col(Answer.question_id).in_(bindparam("qids", expanding=True)),
)
_PLACES = (
    select(col(Survey.id), col(Survey.service_id), col(Service.time_zone))
    .join(Service, col(Service.id) == Survey.service_id)
    .where(col(Survey.id).in_(bindparam("ids", expanding=True)))
)
_INSERT = insert(Comment)


def add(
    session: Session, incoming: Sequence[Incoming], zones: dict[str, str] | None = None
) -> None:
    """Insert inbox rows (search terms, urgent flag) and count their terms and days."""
    if not incoming:
        return
    rows = []
    for c in incoming:
        reason = urgent.reason(c.text)
        rows.append(
            {
                "answer_id": c.answer_id, "response_id": c.response_id, "survey_id": c.survey_id,
                "service_id": c.service_id, "submitted_at": c.submitted_at,
                "channel": c.channel, "language": c.language, "score": c.score,
                "score_pct": c.score_pct, "terms": text.index_terms(c.text), "status": "new",
                "touchpoint": c.touchpoint,
                "urgent": reason is not None, "urgent_reason": reason, "reviewed": False,
            }
        )  # fmt: skip
    session.connection().execute(_INSERT, rows)
    tallies.count(session, incoming, +1, zones)


def stored(
    session: Session, answer_ids: Sequence[int], *, lock: bool = False
) -> list[tuple[Incoming, list[int]]]:
    """The indexed comments among `answer_ids` with their texts and theme ids; `lock` holds
    their rows until the transaction ends (PostgreSQL), so a second forget waits and then
    finds them gone instead of taking them out of the counts again."""
    found = []
    for start in range(0, len(answer_ids), _BATCH):
        chunk = answer_ids[start : start + _BATCH]
        stmt = (
            select(Comment, col(Answer.text))
            .join(Answer, col(Answer.id) == Comment.answer_id)
            .where(col(Comment.answer_id).in_(chunk))
        )
        if lock:
            stmt = stmt.with_for_update(of=Comment)
        rows = session.execute(stmt).all()
        themes: dict[int, list[int]] = {}
        for aid, tid in session.execute(
            select(col(CommentTheme.answer_id), col(CommentTheme.theme_id)).where(
                col(CommentTheme.answer_id).in_(chunk)
            )
        ):
            themes.setdefault(aid, []).append(tid)
        for c, said in rows:
            incoming = Incoming(
                c.answer_id, c.response_id, c.survey_id, c.service_id, c.submitted_at,
                c.channel, c.language, said or "", c.score, c.score_pct, c.touchpoint,
            )  # fmt: skip
            found.append((incoming, themes.get(c.answer_id, [])))
    return found


def _claim(session: Session, answer_ids: Sequence[int]) -> None:
    """On SQLite, take the write lock before reading what to forget: its driver begins the
    transaction only at the first write, so a read before it could see a comment another
    writer is taking out at that moment (PostgreSQL locks the rows as it reads them)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    for start in range(0, len(answer_ids), _BATCH):
        chunk = answer_ids[start : start + _BATCH]
        session.execute(
            update(Comment)
            .where(col(Comment.answer_id).in_(chunk))
            .values(status=Comment.status)
            .execution_options(synchronize_session=False)
        )


def forget(session: Session, answer_ids: Sequence[int]) -> int:
    """Take comments out of the inbox, the search index and every count; how many."""
    # Locked: two hides (or a hide and the purge) at once must not both count a comment out.
    wanted = sorted(set(answer_ids))
    _claim(session, wanted)
    found = stored(session, wanted, lock=True)
    if not found:
        return 0
    tallies.count(session, [c for c, _ in found], -1)
    tallies.add_theme_days(session, [(c, t) for c, ts in found for t in ts], -1)
    tallies.prune(session, {c.survey_id for c, _ in found})
    ids = [c.answer_id for c, _ in found]
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        session.execute(delete(Comment).where(col(Comment.answer_id).in_(chunk)))
    return len(ids)


def forget_responses(session: Session, response_ids: Sequence[int]) -> int:
    """Forget the comments of these responses (before an amend changes their answers)."""
    stmt = select(col(Comment.answer_id)).where(col(Comment.response_id).in_(response_ids))
    return forget(session, sorted(session.scalars(stmt)))


def index_responses(session: Session, response_ids: Sequence[int]) -> None:
    """Index these responses' comments anew (after an amend; follow-up starts over, which is
    fine as amends come within minutes of the first answer, before anyone follows up)."""
    counted: list[Counted] = []
    for response in session.scalars(select(Response).where(col(Response.id).in_(response_ids))):
        answers = list(
            session.scalars(select(Answer).where(col(Answer.response_id) == response.id))
        )
        questions = list(
            session.scalars(select(Question).where(col(Question.survey_id) == response.survey_id))
        )
        counted.append((response, [a for a in answers if not a.hidden], questions))
    add_many(session, counted)

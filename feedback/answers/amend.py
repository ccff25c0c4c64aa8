"""Follow-up answers that amend a stored response, so a one-click first answer is kept.

The widget stores the first answer at once (a partial response) and sends the rest later.
The 201 of the first POST carries a signed, short-lived amend token naming the response;
PATCH merges new answers into it, re-validates the whole through `intake.validate`, and
recounts the response in the daily aggregates.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from sqlmodel import Session, col, select

from feedback.answers import outbox
from feedback.answers.intake import Rejected, Stored, Submission, check_open, validate
from feedback.comments import index as comment_index
from feedback.core.catalog import SCALE_RANGES
from feedback.core.i18n import gettext_for
from feedback.core.models import Answer, Question, Response, Survey
from feedback.insight import rollups

TOKEN_MAX_AGE = 2 * 3600  # seconds: long enough to write a comment, short enough to expire
_SALT = "feedback.amend"
_PLAIN = re.compile(r"(?P<survey>.+)\.(?P<id>[0-9]{1,18})")


@functools.lru_cache(maxsize=8)
def _signer(secret: str) -> TimestampSigner:
    return TimestampSigner(secret, salt=_SALT)


def make_token(secret: str, survey_id: str, response_id: int) -> str:
    """A signed token that lets its holder amend one response for TOKEN_MAX_AGE seconds."""
    # A plain signed "survey.id": made on every submission, so kept cheap (no JSON, no zlib).
    return _signer(secret).sign(f"{survey_id}.{response_id}").decode()


def read_token(secret: str, token: Any, survey_id: str, *, max_age: int = TOKEN_MAX_AGE) -> int:
    """The response id a valid token names for this survey; 0 if it is forged or expired."""
    if not isinstance(token, str) or len(token) > 200:
        return 0
    try:
        value = _signer(secret).unsign(token, max_age=max_age).decode()
    except BadData:
        return 0
    plain = _PLAIN.fullmatch(value)
    if plain:
        found: Any = [plain["survey"], int(plain["id"])]
    else:
        # A token given out before tokens were plain strings (valid until it expires): the
        # same secret and salt signed base64 JSON, so the signature above already held.
        try:
            found = URLSafeTimedSerializer(secret, salt=_SALT).loads(token, max_age=max_age)
        except BadData:
            return 0
    ok = isinstance(found, list) and len(found) == 2 and found[0] == survey_id
    return int(found[1]) if ok and isinstance(found[1], int) else 0


def _value(question: Question, rows: list[Answer]) -> Any:
    """The API value of a question's stored answer rows (the inverse of intake._answers)."""
    if question.kind == "multi":
        return [r.option for r in rows]
    row = rows[0]
    if question.kind == "choice":
        return row.option
    if question.kind == "text":
        return row.text
    if question.kind == "yes_no":
        return row.value == 1
    return int(row.value) if row.value is not None else None


def stored_answers(session: Session, response_id: int, questions: list[Question]) -> dict[str, Any]:
    """A stored response's answers keyed by question key, as the API spells them."""
    rows = session.exec(
        select(Answer).where(Answer.response_id == response_id).order_by(col(Answer.id))
    ).all()
    by_question: dict[int, list[Answer]] = {}
    for row in rows:
        by_question.setdefault(row.question_id, []).append(row)
    return {q.key: _value(q, by_question[q.id]) for q in questions if q.id in by_question}


def _rows(response_id: int, question: Question, value: Any) -> list[Answer]:
    assert question.id is not None
    rid, qid = response_id, question.id
    if question.kind == "multi":
        return [Answer(response_id=rid, question_id=qid, option=v) for v in value]
    if question.kind == "choice":
        return [Answer(response_id=rid, question_id=qid, option=value)]
    if question.kind == "text":
        return [Answer(response_id=rid, question_id=qid, text=value)]
    if question.kind == "yes_no" or question.kind in SCALE_RANGES:
        return [Answer(response_id=rid, question_id=qid, value=float(value))]
    return []


def amend(
    session: Session,
    *,
    survey: Survey,
    questions: list[Question],
    response_id: int,
    answers: Mapping[str, Any],
    lang: str,
    language: str | None = None,
    partial: bool = False,
    preview: bool = False,
) -> Stored:
    """Merge `answers` (null removes one) into a stored response and recount it."""
    _ = gettext_for(lang).gettext
    check_open(survey, lang)
    # Locked, so two amends of one response cannot both recount it (PostgreSQL).
    response = session.exec(
        select(Response).where(Response.id == response_id).with_for_update()
    ).first()
    if response is None or response.survey_id != survey.id:
        raise Rejected(404, "not_found", _("This answer can no longer be changed."))
    assert response.id is not None
    before = stored_answers(session, response.id, questions)
    merged = {**before, **answers}
    changed = {k for k in answers if k not in before or before[k] != answers[k]}
    submission = Submission(
        channel=response.channel,
        language=language or response.language,
        answers={k: v for k, v in merged.items() if v is not None},
        touchpoint=response.touchpoint,
        assisted=response.assisted,
    )
    accepted, removed = validate(
        survey,
        questions,
        submission,
        lang,
        partial=partial,
        kept=set(before) - changed,
        preview=preview,
    )
    after = {q.key: v for q, v in accepted}
    stale = {q.id for q in questions if q.key in before and before[q.key] != after.get(q.key)}
    fresh = [(q, v) for q, v in accepted if q.key not in before or before[q.key] != v]
    if not stale and not fresh and submission.language == response.language:
        return Stored(id=response.id, created=False, removed=removed)
    # Take back what the response counted, change its rows, then count it again.
    rollups.remove_responses(session, [response.id])
    comment_index.forget_responses(session, [response.id])
    for row in list(session.exec(select(Answer).where(Answer.response_id == response.id))):
        if row.question_id in stale:
            session.delete(row)
    for question, value in fresh:
        session.add_all(_rows(response.id, question, value))
    response.language = submission.language
    session.add(response)
    session.flush()
    rows = list(session.exec(select(Answer).where(Answer.response_id == response.id)))
    rollups.add_response(session, response, rows, questions)
    comment_index.index_responses(session, [response.id])
    outbox.enqueue(
        session, survey=survey, response=response, accepted=accepted, event=outbox.EVENT_UPDATED
    )
    session.commit()
    return Stored(id=response.id, created=False, removed=removed)

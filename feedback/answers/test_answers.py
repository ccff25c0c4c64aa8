"""Test answers: what staff send from a preview is stored apart, and deleted in one action.

Only a staff page (the share page's live preview) hands out a preview token: signed with the
app's secret, naming one survey, valid for PREVIEW_MAX_AGE seconds. A submission carrying a
valid token is a test answer (Response.test): never counted in dashboards, alerts,
scorecards, summaries or exports (unless asked for), and never announced to webhooks. A
citizen cannot forge a token, so cannot hide a real answer as a test, nor slip a test one in.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadData, TimestampSigner
from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from feedback.core.models import Answer, Response, StaffUser, Survey
from feedback.staff import audit

PREVIEW_MAX_AGE = 2 * 3600  # seconds: long enough to try a survey, short enough to not leak
PARAM = "preview"  # the query parameter and form field that carry the token
_SALT = "feedback.preview"
_BATCH = 500


def _signer(secret: str) -> TimestampSigner:
    return TimestampSigner(secret, salt=_SALT)


def make_token(secret: str, survey_id: str) -> str:
    """A signed token marking answers to this survey as test answers, for a short while."""
    return _signer(secret).sign(survey_id).decode()


def read_token(secret: str, token: Any, survey_id: str, *, max_age: int = PREVIEW_MAX_AGE) -> bool:
    """True if `token` is a valid, unexpired preview token for this survey."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return False
    try:
        value = _signer(secret).unsign(token, max_age=max_age).decode()
    except BadData:
        return False
    return value == survey_id


def count(session: Session, *, survey_id: str) -> int:
    """How many test answers a survey has."""
    stmt = select(func.count()).where(col(Response.survey_id) == survey_id, col(Response.test))
    return int(session.execute(stmt).scalar_one())


def delete_all(session: Session, *, user: StaffUser, survey: Survey) -> int:
    """Delete every test answer of a survey, audited; returns how many. The caller commits.

    They were never counted, so the aggregates do not change.
    """
    ids = list(
        session.scalars(
            select(col(Response.id)).where(col(Response.survey_id) == survey.id, col(Response.test))
        )
    )
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        session.execute(delete(Answer).where(col(Answer.response_id).in_(chunk)))
        session.execute(delete(Response).where(col(Response.id).in_(chunk)))
    audit.record(session, user, "survey.delete_tests", f"survey:{survey.id}", deleted=len(ids))
    return len(ids)

"""The submission path's short-lived survey cache never hides this process's own edits."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import Question, Survey
from feedback.surveys import definitions as surveys

BODY = {"channel": "web", "language": "en", "answers": {"trust": True, "went_well": ["ease"]}}


def _post(client: TestClient, survey_id: str) -> Any:
    return client.post(f"/api/v1/surveys/{survey_id}/responses", json=BODY)


def test_closing_or_editing_a_survey_applies_at_once_in_this_process(
    client: TestClient, app: Any
) -> None:
    survey_id = app.state.ids["v2"]
    assert _post(client, survey_id).status_code == 201  # now cached
    with session_scope(app.state.engine) as session:
        question = session.exec(
            select(Question).where(Question.survey_id == survey_id, Question.key == "trust")
        ).one()
        question.required = False  # an edit drops the entry at commit
    assert not [key for key in surveys._submit_cache if key[1] == survey_id]
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, survey_id)
        assert survey is not None
        survey.status = "closed"
    refused = _post(client, survey_id)
    assert refused.status_code == 410 and refused.json()["error"]["code"] == "closed"
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, survey_id)
        assert survey is not None
        survey.status = "live"
    assert _post(client, survey_id).status_code == 201

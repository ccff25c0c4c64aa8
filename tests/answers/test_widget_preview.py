"""The widget's preview: with `"preview": true` a comment the scrubber would change is refused
(422 personal_information) with the scrubbed text and the kinds removed, nothing stored; sent
again as shown, it is stored. Without the flag, integrators keep the old behaviour."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import Response


def _post(client: TestClient, survey: str, body: dict[str, Any], key: str) -> Any:
    return client.post(
        f"/api/v1/surveys/{survey}/responses", json=body, headers={"Idempotency-Key": key}
    )


def _count(app: Any, survey: str) -> int:
    with session_scope(app.state.engine) as session:
        return len(session.exec(select(Response).where(Response.survey_id == survey)).all())


def test_preview_on_post_refuses_then_stores_what_was_shown(app: Any, client: TestClient) -> None:
    survey = app.state.ids["page"]
    answers: dict[str, Any] = {"found": False, "comment": "Appelez-moi au 613-555-0100"}
    body = {"channel": "web", "language": "fr", "answers": answers, "preview": True}
    refused = _post(client, survey, body, "k1")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "personal_information"
    assert error["fields"] == {"comment": "Appelez-moi au [téléphone retiré]"}
    assert error["removed"] == ["phone"]
    assert "renseignements personnels" in error["message"]
    assert _count(app, survey) == 0
    answers["comment"] = error["fields"]["comment"]
    stored = _post(client, survey, body, "k1")  # the same key: nothing was stored before
    assert stored.status_code == 201 and stored.json()["removed"] == []
    assert _count(app, survey) == 1


def test_preview_is_off_by_default(app: Any, client: TestClient) -> None:
    survey = app.state.ids["page"]
    body = {"channel": "web", "language": "en", "answers": {"found": True, "comment": "a@b.ca"}}
    stored = _post(client, survey, body, "k2")
    assert stored.status_code == 201 and stored.json()["removed"] == ["email"]


def test_preview_on_patch_changes_nothing_until_sent_again(app: Any, client: TestClient) -> None:
    survey = app.state.ids["page"]
    first = _post(
        client,
        survey,
        {"channel": "web", "language": "en", "answers": {"found": True}, "partial": True},
        "k3",
    ).json()
    url = f"/api/v1/surveys/{survey}/responses/{first['id']}"
    patch = {
        "amend_token": first["amend_token"],
        "answers": {"comment": "Write to me: jo@example.com"},
        "preview": True,
    }
    refused = client.patch(url, json=patch)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "personal_information" and error["removed"] == ["email"]
    assert error["fields"] == {"comment": "Write to me: [email removed]"}
    assert "personal information" in error["message"]
    patch["answers"] = error["fields"]
    assert client.patch(url, json=patch).status_code == 200
    assert _count(app, survey) == 1

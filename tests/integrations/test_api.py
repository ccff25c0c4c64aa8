"""The public JSON API: survey definition, submissions, idempotency, errors, CORS."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import Answer, Response, ResponseDay


def count_responses(app: Any, survey_id: str) -> int:
    with session_scope(app.state.engine) as session:
        stmt = select(func.count()).select_from(Response).where(Response.survey_id == survey_id)
        return int(session.execute(stmt).scalar_one())


def post(client: TestClient, survey: str, body: Any, key: str | None = None, **headers: str) -> Any:
    if key:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/surveys/{survey}/responses", json=body, headers=headers)


V2_OK = {"channel": "web", "language": "en", "answers": {"trust": True, "went_well": ["ease"]}}


def test_definition_has_the_contract_shape(client: TestClient, app: Any) -> None:
    body = client.get(f"/api/v1/surveys/{app.state.ids['v2']}").json()
    assert body["id"] == app.state.ids["v2"]
    assert body["languages"] == ["en", "fr"]
    assert set(body["title"]) == {"en", "fr"}
    first = body["questions"][0]
    assert {"id", "kind", "required", "driver", "text", "options", "show_if"} <= set(first)
    assert first["kind"] == "yes_no" and first["required"] is True
    went_well = next(q for q in body["questions"] if q["id"] == "went_well")
    assert went_well["show_if"] == {"question": "trust", "values": [True]}
    assert went_well["options"] and set(went_well["options"][0]["label"]) == {"en", "fr"}


def test_first_post_201_replay_200_same_id_no_new_row(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    first = post(client, survey, V2_OK, key="abc-123")
    assert first.status_code == 201
    replay = post(client, survey, V2_OK, key="abc-123")
    assert replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"]
    assert count_responses(app, survey) == 1
    other = post(client, survey, V2_OK, key="abc-124")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert count_responses(app, survey) == 2


def test_answers_and_aggregates_are_stored(client: TestClient, app: Any) -> None:
    response = post(
        client,
        app.state.ids["v2"],
        {
            "channel": "phone",
            "language": "fr",
            "touchpoint": "desk-4",
            "answers": {
                "trust": False,
                "went_badly": ["ease", "efficiency"],
                "comment": "Trop long",
            },
        },
    )
    assert response.status_code == 201
    with session_scope(app.state.engine) as session:
        stored = session.get(Response, int(response.json()["id"]))
        assert stored and (stored.channel, stored.language, stored.touchpoint) == (
            "phone",
            "fr",
            "desk-4",
        )
        answers = session.exec(select(Answer).where(Answer.response_id == stored.id)).all()
        assert sorted(a.option for a in answers if a.option) == ["ease", "efficiency"]
        assert [a.value for a in answers if a.value is not None] == [0.0]
        assert [a.text for a in answers if a.text] == ["Trop long"]
        day = session.exec(
            select(ResponseDay).where(ResponseDay.survey_id == stored.survey_id)
        ).one()
        assert (day.channel, day.language, day.touchpoint, day.n) == ("phone", "fr", "desk-4", 1)


def test_hidden_show_if_answers_are_dropped(client: TestClient, app: Any) -> None:
    body = {
        "channel": "web",
        "language": "en",
        "answers": {"trust": True, "went_well": ["ease"], "went_badly": ["ease"]},
    }
    assert post(client, app.state.ids["v2"], body).status_code == 201
    with session_scope(app.state.engine) as session:
        options = session.exec(select(Answer.option).where(Answer.option.is_not(None))).all()
    assert options == ["ease"]


@pytest.mark.parametrize(
    ("answers", "field", "fragment"),
    [
        ({}, "trust", "Choose an answer"),
        ({"trust": "yes"}, "trust", "yes or no"),
        ({"trust": 1}, "trust", "yes or no"),
        ({"trust": True, "went_well": ["nope"]}, "went_well", "answers shown"),
        ({"trust": True, "went_well": "ease"}, "went_well", "answers shown"),
        ({"trust": True, "comment": "x" * 5000}, "comment", "characters or fewer"),
        ({"trust": True, "unknown": 1}, "unknown", "not part of the survey"),
    ],
)
def test_bad_answers_get_422_per_field(
    client: TestClient, app: Any, answers: dict, field: str, fragment: str
) -> None:
    response = post(
        client, app.state.ids["v2"], {"channel": "web", "language": "en", "answers": answers}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert fragment in error["fields"][field]
    assert count_responses(app, app.state.ids["v2"]) == 0


def test_scale_range_checked(client: TestClient, app: Any) -> None:
    survey = app.state.ids["counter"]
    for bad in (0, 6, 4.5, "5", True, 10**400):
        body = {"channel": "in_person", "language": "en", "answers": {"satisfaction": bad}}
        response = post(client, survey, body)
        assert response.status_code == 422, bad
        assert "from 1 to 5" in response.json()["error"]["fields"]["satisfaction"]
    ok = post(
        client, survey, {"channel": "in_person", "language": "en", "answers": {"satisfaction": 5}}
    )
    assert ok.status_code == 201


def test_errors_in_french(client: TestClient, app: Any) -> None:
    response = post(
        client, app.state.ids["v2"], {"channel": "web", "language": "fr", "answers": {}}
    )
    error = response.json()["error"]
    assert "Choisissez une réponse" in error["fields"]["trust"]
    missing = client.get("/api/v1/surveys/zzzzzzzz", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Ce sondage n'existe pas."


def test_channel_and_language_checked(client: TestClient, app: Any) -> None:
    body = {"channel": "phone", "language": "de", "answers": {"found": True}}
    response = post(client, app.state.ids["page"], body)
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"channel", "language"}


def test_unknown_draft_and_closed_surveys(client: TestClient, app: Any) -> None:
    assert post(client, "nosuchsurvey", V2_OK).status_code == 404
    assert client.get("/api/v1/surveys/nosuchsurvey").status_code == 404
    assert client.get(f"/api/v1/surveys/{app.state.ids['draft']}").status_code == 404
    closed = client.get(f"/api/v1/surveys/{app.state.ids['closed']}")
    assert closed.status_code == 410 and closed.json()["error"]["code"] == "closed"
    assert post(client, app.state.ids["closed"], V2_OK).status_code == 410


def test_oversized_body_is_413_and_nothing_stored(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    huge = {
        "channel": "web",
        "language": "en",
        "answers": {"trust": True, "comment": "x" * 200_000},
    }
    response = post(client, survey, huge)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert count_responses(app, survey) == 0


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"\xff\xfe\x00garbage", "application/json", 400),
        (b"[1, 2, 3]", "application/json", 422),
        (b'"just a string"', "application/json", 422),
        (b'{"channel": 5, "language": null, "answers": []}', "application/json", 422),
        (b"[" * 100_00 + b"]" * 100_00, "application/json", 400),
        (b'{"answers": {}}', "text/plain", 415),
        # A lone surrogate is valid JSON but no UTF-8 text: refused, never stored or echoed.
        (b'{"channel": "web", "language": "en", "answers": {"trust": true, "comment": "a\\ud800"}}',
         "application/json", 422),
        (b'{"channel": "web", "language": "en", "touchpoint": "\\udfff", '
         b'"answers": {"trust": true}}',
         "application/json", 422),
        (b'{"channel": "web", "language": "en", "answers": {"trust": true, "\\ud800": 1}}',
         "application/json", 422),
    ],
)  # fmt: skip
def test_malformed_bodies_never_500(
    client: TestClient, app: Any, content: bytes, content_type: str, status: int
) -> None:
    response = client.post(
        f"/api/v1/surveys/{app.state.ids['v2']}/responses",
        content=content,
        headers={"content-type": content_type},
    )
    assert response.status_code == status
    assert "error" in response.json()


def test_cors_only_for_allowed_origins(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    allowed = client.get(f"/api/v1/surveys/{survey}", headers={"Origin": "https://host.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://host.example"
    assert "Origin" in allowed.headers["vary"]
    other = client.get(f"/api/v1/surveys/{survey}", headers={"Origin": "https://evil.example"})
    assert other.status_code == 403
    # The refusal is readable (the widget offers its link to the hosted survey instead), the
    # definition is not.
    refusal = other.json()["error"]
    assert refusal["code"] == "origin_not_allowed" and "questions" not in other.json()
    assert refusal["link"]["href"].endswith(f"/s/{survey}?lang=en")
    assert f"feedback surveys allow-origin {survey} https://evil.example" in refusal["message"]
    pre = client.options(
        f"/api/v1/surveys/{survey}/responses",
        headers={
            "Origin": "https://host.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,idempotency-key",
        },
    )
    assert pre.status_code == 204
    assert "Idempotency-Key" in pre.headers["access-control-allow-headers"]
    assert pre.headers["access-control-allow-origin"] != "*"
    bad_pre = client.options(
        f"/api/v1/surveys/{survey}/responses", headers={"Origin": "https://evil.example"}
    )
    assert bad_pre.status_code == 403
    posted = post(
        client,
        survey,
        {"channel": "web", "language": "en", "answers": {"found": True}},
        Origin="https://evil.example",
    )
    assert posted.status_code == 403
    assert count_responses(app, survey) == 0


def test_public_api_sets_no_cookie(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    for response in (
        client.get("/embed.js"),
        client.get(f"/api/v1/surveys/{survey}"),
        post(client, survey, V2_OK),
    ):
        assert "set-cookie" not in response.headers

"""Amending a response: a first answer stored at once, follow-up answers merged into it by
PATCH with the amend token, show_if honoured, aggregates exact (checked against a rebuild),
on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient

from feedback.answers import amend
from feedback.core.db import session_scope
from feedback.core.models import Answer, AnswerDay, AnswerPairDay, Response, ResponseDay
from feedback.insight import rollups
from feedback.surveys import definitions as surveys


def post(client: TestClient, survey: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1/surveys/{survey}/responses", json=body, headers=headers)


def patch(client: TestClient, survey: str, rid: str, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/v1/surveys/{survey}/responses/{rid}", json=body)


def aggregates(app: Any) -> dict[str, set[tuple[Any, ...]]]:
    """Every aggregate row with a count, as plain tuples."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    with session_scope(app.state.engine) as session:
        for table in (ResponseDay, AnswerDay, AnswerPairDay):
            rows = session.exec(select(table)).all()
            out[table.__name__] = {
                tuple(v for k, v in sorted(r.model_dump().items())) for r in rows if r.n
            }
    return out


def assert_exact(app: Any) -> dict[str, set[tuple[Any, ...]]]:
    """The incremental aggregates equal a rebuild from the stored answers."""
    kept = aggregates(app)
    with session_scope(app.state.engine) as session:
        rollups.rebuild(session)
    assert aggregates(app) == kept
    return kept


def answers_of(app: Any, survey: str) -> list[dict[str, Any]]:
    with session_scope(app.state.engine) as session:
        questions = surveys.questions_of(session, survey)
        ids = session.exec(select(Response.id).where(Response.survey_id == survey)).all()
        return [amend.stored_answers(session, rid, questions) for rid in ids if rid]


def test_first_answer_kept_then_follow_ups_amend_it(client: TestClient, app: Any) -> None:
    v2 = app.state.ids["v2"]
    first = post(
        client,
        v2,
        {"channel": "web", "language": "en", "partial": True, "answers": {"trust": True}},
        key="k-1",
    )
    assert first.status_code == 201
    body = first.json()
    assert body["amend_token"] and body["removed"] == []
    assert answers_of(app, v2) == [{"trust": True}]
    assert_exact(app)

    rid, token = body["id"], body["amend_token"]
    second = patch(
        client,
        v2,
        rid,
        {
            "amend_token": token,
            "answers": {"went_well": ["ease", "employee"], "comment": "Call me at 613-555-0199"},
        },
    )
    assert second.status_code == 200, second.text
    assert second.json()["id"] == rid and second.json()["removed"] == ["phone"]
    [stored] = answers_of(app, v2)
    assert stored["went_well"] == ["ease", "employee"]
    assert "555" not in stored["comment"] and stored["trust"] is True
    assert_exact(app)

    # Thumbs down after all: "what went well" is no longer shown, so it goes.
    third = patch(
        client,
        v2,
        rid,
        {"amend_token": token, "answers": {"trust": False, "went_badly": ["efficiency"]}},
    )
    assert third.status_code == 200, third.text
    [stored] = answers_of(app, v2)
    assert set(stored) == {"trust", "went_badly", "comment"}
    assert stored["trust"] is False
    kept = assert_exact(app)
    trust_rows = {r for r in kept["AnswerDay"] if "1" in r or "0" in r}
    assert trust_rows, "the yes/no answer is counted"
    with session_scope(app.state.engine) as session:
        assert len(session.exec(select(Response)).all()) == 1

    # The same PATCH again changes nothing.
    again = patch(
        client,
        v2,
        rid,
        {"amend_token": token, "answers": {"trust": False, "went_badly": ["efficiency"]}},
    )
    assert again.status_code == 200
    assert aggregates(app) == kept


def test_driver_pairs_stay_exact_when_answers_change(client: TestClient, app: Any) -> None:
    counter = app.state.ids["counter"]
    first = post(
        client,
        counter,
        {"channel": "in_person", "language": "fr", "partial": True, "answers": {"timeliness": 2}},
    )
    assert first.status_code == 201, first.text
    rid, token = first.json()["id"], first.json()["amend_token"]
    for answers in ({"satisfaction": 4}, {"timeliness": 5, "courtesy": 3}, {"courtesy": None}):
        r = patch(client, counter, rid, {"amend_token": token, "answers": answers})
        assert r.status_code == 200, r.text
        kept = assert_exact(app)
    assert kept["AnswerPairDay"], "driver-vs-overall pairs are counted"
    [stored] = answers_of(app, counter)
    assert stored == {"timeliness": 5, "satisfaction": 4}


def test_the_token_is_needed_and_names_one_response(client: TestClient, app: Any) -> None:
    v2, page = app.state.ids["v2"], app.state.ids["page"]
    a = post(
        client,
        v2,
        {"channel": "web", "language": "en", "partial": True, "answers": {"trust": True}},
    ).json()
    b = post(
        client,
        v2,
        {"channel": "web", "language": "en", "partial": True, "answers": {"trust": False}},
    ).json()
    cases = [
        (v2, a["id"], {"answers": {"comment": "x"}}),
        (v2, a["id"], {"amend_token": "forged", "answers": {"comment": "x"}}),
        (v2, a["id"], {"amend_token": b["amend_token"], "answers": {"comment": "x"}}),
        (page, a["id"], {"amend_token": a["amend_token"], "answers": {"comment": "x"}}),
    ]
    for survey, rid, body in cases:
        r = patch(client, survey, rid, body)
        assert r.status_code == 403, (body, r.text)
        assert r.json()["error"]["code"] == "amend_not_allowed"
    fr = patch(client, v2, a["id"], {"language": "fr", "answers": {}})
    assert fr.json()["error"]["message"] == "Cette réponse ne peut plus être modifiée."
    assert {tuple(sorted(x)) for x in answers_of(app, v2)} == {("trust",)}
    secret = app.state.secret
    token = amend.make_token(secret, v2, int(a["id"]))
    assert amend.read_token(secret, token, v2) == int(a["id"])
    assert amend.read_token(secret, token, v2, max_age=-1) == 0  # expired
    assert amend.read_token("another secret", token, v2) == 0


def test_partial_and_final_rules(client: TestClient, app: Any) -> None:
    page = app.state.ids["page"]
    empty = post(client, page, {"channel": "web", "language": "en", "partial": True, "answers": {}})
    assert empty.status_code == 422
    # Without "partial", a required answer is needed at once, as before.
    assert (
        post(
            client, page, {"channel": "web", "language": "en", "answers": {"comment": "hi"}}
        ).status_code
        == 422
    )
    first = post(
        client,
        page,
        {"channel": "web", "language": "en", "partial": True, "answers": {"comment": "hi"}},
    )
    assert first.status_code == 201
    rid, token = first.json()["id"], first.json()["amend_token"]
    final = patch(client, page, rid, {"amend_token": token, "answers": {}})
    assert final.status_code == 422
    assert "found" in final.json()["error"]["fields"]
    bad = patch(client, page, rid, {"amend_token": token, "answers": {"found": "maybe"}})
    assert bad.status_code == 422
    assert patch(client, page, rid, {"amend_token": token, "answers": []}).status_code == 422
    ok = patch(client, page, rid, {"amend_token": token, "answers": {"found": False}})
    assert ok.status_code == 200
    assert answers_of(app, page) == [{"found": False, "comment": "hi"}]
    assert_exact(app)


def test_a_replay_gives_no_token_and_closed_surveys_refuse(client: TestClient, app: Any) -> None:
    v2 = app.state.ids["v2"]
    body = {"channel": "web", "language": "en", "partial": True, "answers": {"trust": True}}
    first, replay = post(client, v2, body, key="same"), post(client, v2, body, key="same")
    assert (first.status_code, replay.status_code) == (201, 200)
    # Knowing a key is not a right to change its answers
    # (tests/answers/test_security_idempotency.py).
    assert replay.json()["id"] == first.json()["id"] and "amend_token" not in replay.json()
    with session_scope(app.state.engine) as session:
        survey = surveys.get_survey(session, v2)
        assert survey is not None
        survey.status = "closed"
        session.add(survey)
    r = patch(
        client,
        v2,
        first.json()["id"],
        {"amend_token": first.json()["amend_token"], "answers": {"comment": "late"}},
    )
    assert r.status_code == 410
    with session_scope(app.state.engine) as session:
        assert session.exec(select(Answer).where(Answer.text.is_not(None))).all() == []


def test_patch_preflight_and_cors(client: TestClient, app: Any) -> None:
    page = app.state.ids["page"]
    first = post(
        client,
        page,
        {"channel": "web", "language": "en", "partial": True, "answers": {"found": True}},
    ).json()
    url = f"/api/v1/surveys/{page}/responses/{first['id']}"
    pre = client.options(
        url, headers={"Origin": "https://host.example", "Access-Control-Request-Method": "PATCH"}
    )
    assert pre.status_code == 204 and "PATCH" in pre.headers["access-control-allow-methods"]
    evil = client.patch(
        url,
        json={"amend_token": first["amend_token"], "answers": {}},
        headers={"Origin": "https://evil.example"},
    )
    assert evil.status_code == 403
    good = client.patch(
        url,
        json={"amend_token": first["amend_token"], "answers": {}},
        headers={"Origin": "https://host.example"},
    )
    assert good.status_code == 200
    assert good.headers["access-control-allow-origin"] == "https://host.example"
    assert "set-cookie" not in good.headers


def test_a_token_given_out_before_plain_tokens_still_amends(client: TestClient, app: Any) -> None:
    from itsdangerous import URLSafeTimedSerializer

    survey = app.state.ids["v2"]
    rid = post(client, survey, {"channel": "web", "language": "en", "answers": {"trust": True}})
    rid = rid.json()["id"]
    # The format amend tokens had until 2026-11-24: signed base64 JSON, same secret and salt.
    old = URLSafeTimedSerializer(app.state.secret, salt="feedback.amend").dumps([survey, int(rid)])
    answered = patch(client, survey, rid, {"amend_token": old, "answers": {"comment": "late"}})
    assert answered.status_code == 200 and answered.json()["id"] == rid
    other = URLSafeTimedSerializer(app.state.secret, salt="feedback.amend").dumps(
        [app.state.ids["page"], int(rid)]
    )
    refused = patch(client, survey, rid, {"amend_token": other, "answers": {"comment": "x"}})
    assert refused.status_code == 403

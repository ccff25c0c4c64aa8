"""Bulk ingest: 10,000 items replayed twice store 10,000 responses, with exact aggregates."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import AnswerDay, AnswerPairDay, Response, ResponseDay, Survey
from feedback.core.times import as_utc
from feedback.insight import rollups
from feedback.integrations import tokens

CHANNELS = ["phone", "ivr", "in_person", "mail"]
# The year of the last 31 March gone by: inside the 400 days a survey accepts before its creation.
SPRING = datetime.now(UTC).year - (datetime.now(UTC).date() < date(datetime.now(UTC).year, 4, 2))


def make_token(app: Any, scopes: list[str], services: list[str] | None = None) -> str:
    with session_scope(app.state.engine) as session:
        created = tokens.create(
            session, name="ivr", scopes=scopes, service_ids=services or [], by="test"
        )
    return created.secret


def items(survey: str, count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Realistic call-centre items over the last 60 days, some with a comment."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    out = []
    for i in range(count):
        answers: dict[str, Any] = {"satisfaction": rng.randint(1, 5)}
        for key in ("timeliness", "courtesy", "outcome"):
            if rng.random() < 0.8:
                answers[key] = rng.randint(1, 5)
        if rng.random() < 0.3:
            answers["other_channel"] = rng.choice(["no", "web", "phone"])
        if rng.random() < 0.1:
            answers["comment"] = f"Call {i}: long wait, helpful agent."
        when = now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440))
        out.append(
            {
                "survey": survey,
                "idempotency_key": f"call-{i:05d}",
                "channel": rng.choice(CHANNELS),
                "language": rng.choice(["en", "fr"]),
                "touchpoint": rng.choice([None, "renewal", "status"]),
                "submitted_at": when.isoformat(),
                "answers": answers,
            }
        )
    return out


def aggregates(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    tables: list[Any] = [ResponseDay.__table__, AnswerDay.__table__, AnswerPairDay.__table__]  # type: ignore[attr-defined]
    with session_scope(app.state.engine) as session:
        return {t.name: sorted(tuple(r) for r in session.execute(select(t)).all()) for t in tables}


def count(app: Any) -> int:
    with session_scope(app.state.engine) as session:
        return int(session.execute(select(func.count()).select_from(Response)).scalar_one())


def send(client: TestClient, token: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/responses",
        json={"items": batch},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_ten_thousand_items_replayed_twice_store_ten_thousand(client: TestClient, app: Any) -> None:
    token = make_token(app, ["ingest"])
    all_items = items(app.state.ids["counter"], 10_000)
    first_ids: list[str] = []
    for start in range(0, 10_000, 1000):
        body = send(client, token, all_items[start : start + 1000])
        assert body["created"] == 1000 and body["replayed"] == 0 and body["failed"] == 0
        assert [r["status"] for r in body["results"]] == [201] * 1000
        assert [r["index"] for r in body["results"]] == list(range(1000))
        first_ids += [r["id"] for r in body["results"]]
    assert len(set(first_ids)) == 10_000
    stored = aggregates(app)
    for _replay in range(2):
        again: list[str] = []
        for start in range(0, 10_000, 1000):
            body = send(client, token, all_items[start : start + 1000])
            assert body["created"] == 0 and body["replayed"] == 1000
            again += [r["id"] for r in body["results"]]
        assert again == first_ids  # each replay names the response first stored
    assert count(app) == 10_000
    assert aggregates(app) == stored
    with session_scope(app.state.engine) as session:
        rollups.rebuild(session)
    assert aggregates(app) == stored  # the running counts equal a recount from the rows
    assert sum(r[-1] for r in stored["response_day"]) == 10_000


def test_per_item_results_mix_errors_duplicates_and_stores(client: TestClient, app: Any) -> None:
    token = make_token(app, ["ingest"])
    survey = app.state.ids["counter"]
    good = items(survey, 3)
    future = dict(good[1], idempotency_key="late", submitted_at="2999-01-01T00:00:00Z")
    batch: list[Any] = [
        good[0],
        dict(good[0]),  # the same key twice in one request: stored once
        {"survey": survey, "channel": "phone", "language": "fr", "answers": {}},
        dict(good[2], answers={"satisfaction": 9}),
        future,
        dict(good[1], survey=app.state.ids["closed"]),
        dict(good[1], survey="nosuchsurvey"),
        "not an object",
    ]
    body = send(client, token, batch)
    statuses = [r["status"] for r in body["results"]]
    assert statuses == [201, 200, 422, 422, 422, 410, 404, 422]
    assert body["results"][1]["id"] == body["results"][0]["id"]
    assert "idempotency_key" in body["results"][2]["error"]["fields"]
    assert body["results"][3]["error"]["fields"]["satisfaction"].startswith("Choisissez") or (
        "satisfaction" in body["results"][3]["error"]["fields"]
    )
    assert "submitted_at" in body["results"][4]["error"]["fields"]
    assert (body["created"], body["replayed"], body["failed"]) == (1, 1, 6)
    assert count(app) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_assisted_is_what_the_sender_says_apart_from_the_channel_mode(
    client: TestClient, app: Any
) -> None:
    token = make_token(app, ["ingest", "read"])
    y = SPRING
    survey = app.state.ids["counter"]
    base = {"survey": survey, "language": "en", "answers": {"satisfaction": 4}}
    batch = [
        dict(base, idempotency_key="a", channel="phone", submitted_at=f"{y}-03-31T14:05:00Z"),
        dict(base, idempotency_key="b", channel="ivr", submitted_at=f"{y}-03-31T10:05:00-04:00"),
        dict(base, idempotency_key="c", channel="ivr", assisted=True),
    ]
    assert [r["status"] for r in send(client, token, batch)["results"]] == [201] * 3
    page = client.get(
        f"/api/v1/surveys/{survey}/responses", headers={"Authorization": f"Bearer {token}"}
    ).json()
    by_time = [
        (i["submitted_at"][:19], i["assisted"], i["channel"], i["channel_mode"])
        for i in page["items"]
    ]
    # A phone answer pushed by a system was not typed in for anyone unless the sender says so;
    # the phone is an assisted channel all the same (its mode).
    assert by_time[:2] == [
        (f"{y}-03-31T14:05:00", False, "phone", "assisted"),
        (f"{y}-03-31T14:05:00", False, "ivr", "self_service"),
    ]
    assert by_time[2][1:] == (True, "ivr", "self_service")


def test_a_time_long_before_the_survey_is_refused_per_item(client: TestClient, app: Any) -> None:
    token = make_token(app, ["ingest"])
    survey = app.state.ids["counter"]
    with session_scope(app.state.engine) as session:
        found = session.get(Survey, survey)
        assert found is not None
        created = as_utc(found.created_at)
    base = {"survey": survey, "channel": "phone", "language": "en", "answers": {"satisfaction": 3}}
    batch = [
        dict(base, idempotency_key="ancient", submitted_at="0001-01-01T00:00:00Z"),
        dict(
            base, idempotency_key="early", submitted_at=(created - timedelta(days=401)).isoformat()
        ),
        dict(base, idempotency_key="ok", submitted_at=(created - timedelta(days=399)).isoformat()),
    ]
    answer = client.post(
        "/api/v1/responses",
        json={"items": batch},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "fr-CA"},
    )
    results = answer.json()["results"]
    assert [r["status"] for r in results] == [422, 422, 201]
    message = results[0]["error"]["fields"]["submitted_at"]
    earliest = (created - timedelta(days=400)).date().isoformat()
    assert earliest in message and "avant" in message
    assert count(app) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_request_limits_and_authentication(client: TestClient, app: Any) -> None:
    survey = app.state.ids["counter"]
    ingest = make_token(app, ["ingest"])
    reader = make_token(app, ["read"])
    auth = {"Authorization": f"Bearer {ingest}"}
    assert client.post("/api/v1/responses", json={"items": []}).status_code == 401
    refused = client.post(
        "/api/v1/responses", json={"items": []}, headers={"Authorization": "Bearer nope"}
    )
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    assert refused.json()["error"]["code"] == "unauthorized"
    wrong = client.post(
        "/api/v1/responses", json={"items": []}, headers={"Authorization": f"Bearer {reader}"}
    )
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "insufficient_scope"
    too_many = client.post("/api/v1/responses", json={"items": items(survey, 1001)}, headers=auth)
    assert too_many.status_code == 413
    assert "1000" in too_many.json()["error"]["message"].replace(",", "").replace("\u202f", "")
    empty = client.post("/api/v1/responses", json={"items": []}, headers=auth)
    assert empty.status_code == 422 and "items" in empty.json()["error"]["fields"]
    bad = client.post(
        "/api/v1/responses",
        content=b"{nope",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_json"
    assert count(app) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_token_restricted_to_a_service(client: TestClient, app: Any) -> None:
    token = make_token(app, ["ingest", "read"], services=["licences"])
    auth = {"Authorization": f"Bearer {token}"}
    body = send(client, token, items(app.state.ids["counter"], 1))  # counter: parks
    assert body["results"][0]["status"] == 403
    other = client.get(f"/api/v1/surveys/{app.state.ids['counter']}/responses", headers=auth)
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    own = client.get(f"/api/v1/surveys/{app.state.ids['v2']}/responses", headers=auth)
    assert own.status_code == 200 and own.json() == {"items": [], "next": None}


def test_paged_read_walks_every_response_once(client: TestClient, app: Any) -> None:
    token = make_token(app, ["ingest", "read"])
    survey = app.state.ids["counter"]
    send(client, token, items(survey, 250, seed=3))
    auth = {"Authorization": f"Bearer {token}"}
    seen: list[str] = []
    url: str | None = f"/api/v1/surveys/{survey}/responses?limit=60"
    pages = 0
    while url:
        page = client.get(url, headers=auth)
        assert page.status_code == 200, page.text
        data = page.json()
        seen += [item["id"] for item in data["items"]]
        pages += 1
        url = (
            f"/api/v1/surveys/{survey}/responses?limit=60&after={data['next']}"
            if data["next"]
            else None
        )
    assert pages == 5 and len(seen) == 250 == len(set(seen))
    times = [
        i["submitted_at"]
        for i in client.get(f"/api/v1/surveys/{survey}/responses?limit=1000", headers=auth).json()[
            "items"
        ]
    ]
    assert times == sorted(times)
    bad = client.get(f"/api/v1/surveys/{survey}/responses?limit=5000&after=%%%", headers=auth)
    assert bad.status_code == 422 and {"limit", "after"} <= set(bad.json()["error"]["fields"])
    today = datetime.now(UTC).date().isoformat()
    since = client.get(
        f"/api/v1/surveys/{survey}/responses?limit=1000&since={today}", headers=auth
    ).json()
    assert all(i["submitted_at"][:10] >= today for i in since["items"])


def test_a_key_stored_meanwhile_by_another_request_is_a_replay(
    client: TestClient, app: Any, monkeypatch: Any
) -> None:
    from feedback.answers import bulk_store

    token = make_token(app, ["ingest"])
    batch = items(app.state.ids["counter"], 5)
    send(client, token, batch[:2])
    before = aggregates(app)
    # As if another request stored items 0 and 1 after this one looked for known keys.
    monkeypatch.setattr(bulk_store._Surveys, "known", lambda self, items: {})
    body = send(client, token, batch)
    assert [r["status"] for r in body["results"]] == [200, 200, 201, 201, 201]
    assert count(app) == 5
    after = aggregates(app)
    with session_scope(app.state.engine) as session:
        rollups.rebuild(session)
    assert aggregates(app) == after != before

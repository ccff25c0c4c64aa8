"""The OpenAPI document matches the API: every /api/v1 route is documented and every documented
operation is; real answers of each operation validate against the documented schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from starlette.routing import Route
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.integrations import tokens

V2_OK = {"channel": "web", "language": "en", "answers": {"trust": True, "went_well": ["ease"]}}


class Checker:
    """Validates answers against the document and remembers which operations it saw."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.seen: set[tuple[str, str]] = set()

    def _schema(self, schema: dict[str, Any]) -> Draft202012Validator:
        root = {**schema, "components": self.doc["components"]}
        return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def request(self, path: str, method: str, body: Any) -> Any:
        op = self.doc["paths"][path][method]
        self._schema(op["requestBody"]["content"]["application/json"]["schema"]).validate(body)
        return body

    def check(self, path: str, method: str, answer: Any, status: int | None = None) -> Any:
        if status is not None:
            assert answer.status_code == status, answer.text
        op = self.doc["paths"][path][method]
        documented = op["responses"].get(str(answer.status_code))
        assert documented, f"{method.upper()} {path} answered {answer.status_code}, not documented"
        content = documented.get("content")
        if content:
            self._schema(content["application/json"]["schema"]).validate(answer.json())
        self.seen.add((path, method))
        return answer


def api_routes(app: Any) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/api/v1"):
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((route.path, method.lower()))
    return found


def documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in doc["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "put", "delete", "options")
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_document_is_valid_openapi_and_lists_exactly_the_routes(
    client: TestClient, app: Any
) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    doc = client.get("/api/v1/openapi.json").json()
    validator.validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert api_routes(app) == documented(doc)


def test_real_answers_of_every_operation_match_the_document(client: TestClient, app: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    c = Checker(doc)
    c.check("/api/v1/openapi.json", "get", client.get("/api/v1/openapi.json"), 200)
    c.check("/api/v1/docs", "get", client.get("/api/v1/docs?lang=fr"), 200)
    ids = app.state.ids
    with session_scope(app.state.engine) as session:
        ingest = tokens.create(session, name="i", scopes=["ingest"], by="t").secret
        reader = tokens.create(session, name="r", scopes=["read"], by="t").secret
        parks = tokens.create(session, name="p", scopes=["read"], service_ids=["parks"], by="t")
    bearer = {"Authorization": f"Bearer {ingest}"}
    # The widget's definition.
    one = "/api/v1/surveys/{survey}"
    for survey in ("v2", "page", "counter"):
        c.check(one, "get", client.get(f"/api/v1/surveys/{ids[survey]}"), 200)
    c.check(one, "get", client.get("/api/v1/surveys/nosuchsurvey"), 404)
    c.check(one, "get", client.get(f"/api/v1/surveys/{ids['closed']}"), 410)
    origin = {"Origin": "https://evil.example"}
    c.check(one, "get", client.get(f"/api/v1/surveys/{ids['page']}", headers=origin), 403)
    preflight = {"Origin": "https://host.example", "Access-Control-Request-Method": "POST"}
    c.check(
        one, "options", client.options(f"/api/v1/surveys/{ids['page']}", headers=preflight), 204
    )
    # One person's answers.
    many = "/api/v1/surveys/{survey}/responses"
    url = f"/api/v1/surveys/{ids['v2']}/responses"
    body = c.request(many, "post", V2_OK)
    created = c.check(
        many, "post", client.post(url, json=body, headers={"Idempotency-Key": "k1"}), 201
    )
    c.check(many, "post", client.post(url, json=body, headers={"Idempotency-Key": "k1"}), 200)
    c.check(many, "post", client.post(url, json={"channel": "web"}), 422)
    c.check(
        many, "post", client.post(url, content=b"x", headers={"Content-Type": "text/plain"}), 415
    )
    bad_json = client.post(url, content=b"{", headers={"Content-Type": "application/json"})
    c.check(many, "post", bad_json, 400)
    c.check(many, "post", client.post(f"/api/v1/surveys/{ids['closed']}/responses", json=body), 410)
    page_url = f"/api/v1/surveys/{ids['page']}/responses"
    c.check(many, "options", client.options(page_url, headers=preflight), 204)
    # Follow-up answers.
    item = "/api/v1/surveys/{survey}/responses/{id}"
    rid, amend_token = created.json()["id"], created.json()["amend_token"]
    patch = c.request(
        item, "patch", {"answers": {"comment": "Quick service"}, "amend_token": amend_token}
    )
    c.check(item, "patch", client.patch(f"{url}/{rid}", json=patch), 200)
    c.check(
        item, "patch", client.patch(f"{url}/{rid}", json={"answers": {}, "amend_token": "x"}), 403
    )
    c.check(item, "patch", client.patch(f"{url}/{rid}", json={"amend_token": amend_token}), 422)
    c.check(item, "options", client.options(f"{page_url}/1", headers=preflight), 204)
    # Bulk ingest.
    bulk = "/api/v1/responses"
    items = c.request(
        bulk,
        "post",
        {
            "items": [
                {**V2_OK, "survey": ids["v2"], "idempotency_key": "b1", "touchpoint": "ivr-3"},
                {
                    **V2_OK,
                    "survey": ids["v2"],
                    "idempotency_key": "b2",
                    "submitted_at": f"{datetime.now(UTC).year - 1}-12-02T03:04:05Z",
                    "assisted": True,
                },
                {**V2_OK, "survey": ids["v2"], "idempotency_key": "b3", "answers": {}},
            ]
        },
    )
    c.check(bulk, "post", client.post(bulk, json=items, headers=bearer), 200)
    c.check(bulk, "post", client.post(bulk, json=items), 401)
    c.check(
        bulk,
        "post",
        client.post(bulk, json=items, headers={"Authorization": f"Bearer {reader}"}),
        403,
    )
    c.check(bulk, "post", client.post(bulk, json={"items": [{}] * 1001}, headers=bearer), 413)
    c.check(bulk, "post", client.post(bulk, json={"items": []}, headers=bearer), 422)
    c.check(
        bulk,
        "post",
        client.post(bulk, content=b"{", headers={**bearer, "Content-Type": "application/json"}),
        400,
    )
    c.check(
        bulk,
        "post",
        client.post(bulk, content=b"{}", headers={**bearer, "Content-Type": "text/csv"}),
        415,
    )
    # Paged reads.
    auth = {"Authorization": f"Bearer {reader}"}
    page = c.check(many, "get", client.get(f"{url}?limit=2", headers=auth), 200).json()
    assert page["next"] and len(page["items"]) == 2
    c.check(many, "get", client.get(f"{url}?limit=2&after={page['next']}", headers=auth), 200)
    c.check(many, "get", client.get(url), 401)
    c.check(many, "get", client.get(url, headers={"Authorization": f"Bearer {parks.secret}"}), 403)
    c.check(many, "get", client.get("/api/v1/surveys/nosuchsurvey/responses", headers=auth), 404)
    c.check(many, "get", client.get(f"{url}?since=yesterday", headers=auth), 422)
    reach_operations(c, client, app, bearer, auth)
    assert c.seen == documented(doc)


def reach_operations(c: Any, client: TestClient, app: Any, bearer: Any, reader: Any) -> None:
    """Reach: the widget's seen count, integrators' counts and invitations."""
    ids = app.state.ids
    seen = "/api/v1/surveys/{survey}/seen"
    c.check(seen, "post", client.post(f"/api/v1/surveys/{ids['page']}/seen"), 204)
    c.check(seen, "post", client.post("/api/v1/surveys/nosuchsurvey/seen"), 404)
    evil = {"Origin": "https://evil.example"}
    c.check(seen, "post", client.post(f"/api/v1/surveys/{ids['page']}/seen", headers=evil), 403)
    day = datetime.now(UTC).date().isoformat()
    offer = {"survey": ids["v2"], "channel": "phone", "day": day, "count": 3, "key": "k"}
    for path, body in (
        ("/api/v1/opportunities", offer),
        ("/api/v1/interactions", {"service": "licences", "channel": "phone", "start": day,
                                  "end": day, "count": 9}),
    ):  # fmt: skip
        c.check(path, "post", client.post(path, json={"items": [body, {}]}, headers=bearer), 200)
        c.check(path, "post", client.post(path, json=body), 401)
        c.check(path, "post", client.post(path, json=body, headers=reader), 403)
        c.check(path, "post", client.post(path, json={"items": []}, headers=bearer), 422)
        bad = {**bearer, "Content-Type": "application/json"}
        c.check(path, "post", client.post(path, content=b"{", headers=bad), 400)
        c.check(path, "post", client.post(path, content=b"{}", headers={**bearer,
                "Content-Type": "text/csv"}), 415)  # fmt: skip
        c.check(path, "post", client.post(path, json={"items": [{}] * 1001}, headers=bearer), 422)
    with session_scope(app.state.engine) as session:
        invite = tokens.create(session, name="crm", scopes=["invite"], by="test").secret
    path, inviter = "/api/v1/invitations", {"Authorization": f"Bearer {invite}"}
    body = {"survey": ids["v2"], "email": "ana@example.org", "channel": "phone",
            "language": "en", "ended_at": datetime.now(UTC).isoformat()}  # fmt: skip
    c.check(path, "post", client.post(path, json={"items": [body, {}]}, headers=inviter), 200)
    c.check(path, "post", client.post(path, json=body), 401)
    c.check(path, "post", client.post(path, json=body, headers=bearer), 403)
    c.check(path, "post", client.post(path, json={"items": []}, headers=inviter), 422)
    c.check(path, "post", client.post(path, content=b"{", headers={**inviter,
            "Content-Type": "application/json"}), 400)  # fmt: skip
    c.check(path, "post", client.post(path, content=b"{}", headers={**inviter,
            "Content-Type": "text/csv"}), 415)  # fmt: skip
    c.check(path, "post", client.post(path, json={"items": [{}] * 1001}, headers=inviter), 422)

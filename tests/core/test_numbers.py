"""Numbers in query strings: odd digits and huge values get a clear answer, never a 500."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.numbers import whole_number
from feedback.integrations import tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), ("-3", -3), (" 7 ", 7), ("²", None), ("١٢", None), ("1e3", None), ("", None),
     (None, None), ("9" * 5000, None), (str(2**63), None)],
)  # fmt: skip
def test_whole_number_reads_ascii_digits_only(text: str | None, expected: int | None) -> None:
    assert whole_number(text) == expected


def test_bounds() -> None:
    assert whole_number("0", lo=1) is None and whole_number("5", lo=1, hi=5) == 5


def test_odd_numbers_in_staff_pages_and_the_api(staff: TestClient, app: Any) -> None:
    survey = app.state.ids["counter"]
    assert staff.get(f"/dashboard/surveys/{survey}/comments?page=²").status_code == 200
    assert staff.get("/admin/audit?before=²").status_code == 200
    assert staff.get(f"/admin/audit?before={'9' * 40}").status_code == 200
    with session_scope(app.state.engine) as session:
        secret = tokens.create(session, name="reader", scopes=["read"], by="test").secret
    reader = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
    url = f"/api/v1/surveys/{survey}/responses"
    for query in ("limit=²", "limit=0", f"limit={'9' * 400}"):
        answer = reader.get(f"{url}?{query}")
        assert answer.status_code == 422 and "limit" in answer.json()["error"]["fields"], query
    forged = base64.urlsafe_b64encode(f"2026-01-01T00:00:00|{'9' * 24}".encode()).decode()
    answer = reader.get(f"{url}?after={forged}")
    assert answer.status_code == 422 and "after" in answer.json()["error"]["fields"]


def test_text_the_database_refuses_is_a_bad_request(app: Any) -> None:
    # PostgreSQL refuses NUL characters in text; SQLite keeps them. Either way, no 500.
    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    signed = client.post(
        "/login", data={"username": "ad\x00min", "password": "x" * 12, "csrf_token": token}
    )
    assert signed.status_code == 400 and "not right" in signed.text
    survey = app.state.ids["page"]
    url = f"/api/v1/surveys/{survey}/responses"
    body: dict[str, Any] = {"channel": "web", "language": "en", "answers": {"found": True}}
    for bad, field in [({"touchpoint": "a\x00b"}, "touchpoint"),
                       ({"answers": {"found": True, "comment": "x\x00"}}, "comment")]:  # fmt: skip
        answer = client.post(url, json={**body, **bad})
        assert answer.status_code == 422 and field in answer.json()["error"]["fields"], field


def test_too_large_page_speaks_the_asked_language(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    answer = client.post(f"/s/{survey}?lang=fr", content=b"x" * 70_000)
    assert answer.status_code == 413 and "trop volumineuse" in answer.text

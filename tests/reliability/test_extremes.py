"""No 500 on any route at any extreme: dates at the ends of the calendar, quarters past the
last one, ids above 2^63, numbers of every size, on SQLite and PostgreSQL. Walks every route
the app has (tests/test_route_inventory.py lists them), as an admin and with a read token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient
from test_route_inventory import concrete_path, csrf_of, seed_things, walk

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.integrations import tokens

from conftest import login, make_settings, seed_minimal

HUGE = "99999999999999999999"  # above 2^64
# Path ids: past the largest BIGINT, one past it, below the smallest.
EXTREME_IDS = [HUGE, "9223372036854775808", "-9223372036854775809"]
# Query parameters the routes read, each with the extremes of its kind ("format": "json" asks
# the dashboards for their figures, which take the other path through the code).
QUERY: list[dict[str, str]] = [
    {"since": "0001-01-01", "until": "9999-12-31"},
    {"since": "0001-01-01", "until": "9999-12-31", "format": "json"},
    {"until": "9999-12-31", "grain": "quarter"},
    {"until": "0001-01-01", "format": "json"},
    {"since": "9999-12-31"},
    {"since": "2024-02-30", "until": "99999-01-01"},
    {"quarter": "9999-Q4"},
    {"quarter": "0001-Q1"},
    {"quarter": "0000-Q9"},
    {"limit": HUGE, "page": HUGE},
    {"limit": "-1", "page": "-" + HUGE},
    {"after": HUGE, "id": HUGE, "event": HUGE, "hidden": HUGE, "version": HUGE},
    {"after": "MDAwMS0wMS0wMXw5OTk5OTk5OTk5OTk5OTk5OTk5OQ", "day": "9999-12-31"},
]


@pytest.fixture
def extreme_app(database_url: str) -> Iterator[Any]:
    application = create_app(make_settings(database_url))
    seed_minimal(application)
    application.state.values = seed_things(application)
    yield application
    application.state.engine.dispose()


def _requests(app: Any) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(method, path, query) for every route: each id-like path parameter at each extreme,
    then each query parameter at each extreme on the route's ordinary path."""
    values = app.state.values
    for route, method, _endpoint in walk(app):
        if not isinstance(route, Route) or method not in ("GET", "POST", "PATCH", "DELETE"):
            continue
        names = list(route.param_convertors)
        if route.path.startswith(("/login", "/logout", "/account")):
            continue  # signing out or in again would end the walk's session
        for name in names:
            if name in ("survey", "service", "code", "token", "key", "fmt", "lang", "theme"):
                continue
            for extreme in EXTREME_IDS:
                yield method, concrete_path(route, {**values, name: extreme}), {}
        if method == "GET":
            path = concrete_path(route, values)
            for query in QUERY:
                yield method, path, query


def test_no_route_answers_500_at_any_extreme(extreme_app: Any) -> None:
    app = extreme_app
    with session_scope(app.state.engine) as session:
        secret = tokens.create(session, name="reader", scopes=["read"], by="test").secret
    problems: list[str] = []
    with TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False) as c:
        login(c)
        for method, path, query in _requests(app):
            headers = {"Authorization": f"Bearer {secret}"} if path.startswith("/api/") else {}
            data = {"csrf_token": csrf_of(c)} if method != "GET" else None
            got = c.request(method, path, params=query, data=data, headers=headers,
                            follow_redirects=False)  # fmt: skip
            body = got.content  # a streamed answer (CSV export) is read to its end
            if got.status_code >= 500:
                problems.append(f"{method} {path} {query}: {got.status_code}")
            elif got.headers.get("content-type", "").startswith("text/csv") and not body.strip():
                problems.append(f"{method} {path} {query}: an empty CSV")
    assert not problems, f"{len(problems)} answers of 500:\n" + "\n".join(
        sorted(set(problems))[:80]
    )


def test_dates_outside_the_supported_range_are_named_not_failed(extreme_app: Any) -> None:
    app = extreme_app
    survey = app.state.values["survey"]
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        login(c)
        page = c.get(f"/dashboard/surveys/{survey}?until=9999-12-31&lang=fr")
        assert page.status_code == 200
        assert "Choisissez une date du 1900-01-01 au 2999-12-31." in page.text
        quarter = c.get("/dashboard/exports?quarter=9999-Q4")
        assert quarter.status_code == 400 and "Choose a quarter from 1900-Q1 to 2999-Q4." in (
            quarter.text
        )
        # The ends of the supported range work, and a CSV export streams to its last row.
        wide = {"survey": survey, "format": "csv", "since": "1900-01-01", "until": "2999-12-31"}
        csv = c.get("/dashboard/exports/responses", params=wide)
        assert csv.status_code == 200 and csv.text.endswith("\n")
        assert len(csv.text.strip().splitlines()) == 2  # the header and the one response
        refused = c.get("/dashboard/exports/responses", params={**wide, "until": "9999-12-31"})
        assert refused.status_code == 400 and "2999-12-31" in refused.text
        # Ids past the largest the database holds are not found, never a failure.
        assert c.get("/dashboard/comments/99999999999999999999").status_code == 404
        assert c.get("/dashboard/events/9223372036854775808/edit").status_code == 404
    with session_scope(app.state.engine) as session:
        secret = tokens.create(session, name="reader2", scopes=["read"], by="test").secret
    with TestClient(app) as api:
        got = api.get(
            f"/api/v1/surveys/{survey}/responses?since=0001-01-01&lang=fr",
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert got.status_code == 422
        assert got.json()["error"]["fields"]["since"].startswith("Choisissez une date")

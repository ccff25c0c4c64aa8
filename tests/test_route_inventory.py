"""Every route of the app carries a rule, and the rule holds when asked for real.

The inventory walks app.routes: each (path, method) must be marked `.roles` (staff, through
@requires), `.public` (open to anyone, with a reason) or `.token_scope` (API token). Then it
asks every staff route as an anonymous visitor and as each role, and every token route with
no token and with a token of the wrong scope. A route added without a mark, or with a mark
its handler does not enforce, fails here.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlmodel import select
from starlette.convertors import FloatConvertor, IntegerConvertor
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from feedback.answers import intake, storing
from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import Answer, ChangeEvent
from feedback.integrations import tokens
from feedback.staff import auth
from feedback.surveys import definitions as surveys

from conftest import ADMIN_PASSWORD, login, make_settings, seed_minimal

# Mounted sub-applications that are open to anyone, and why.
PUBLIC_MOUNTS = {"/static": "the widget, stylesheets and scripts, the same for everyone"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


# ---- shared helpers (also used by test_roles and test_security) ----


def session_data(client: TestClient) -> dict[str, Any]:
    """The (signed, not encrypted) session cookie's content."""
    raw = client.cookies.get("feedback_session")
    if not raw:
        return {}
    payload = raw.split(".")[0]
    return dict(json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4))))


def csrf_of(client: TestClient) -> str:
    """The CSRF token of a signed-in client's session."""
    return str(session_data(client).get("csrf_token", ""))


def add_user(app: Any, username: str, role: str, services: list[str]) -> None:
    """A staff user with the test password."""
    with session_scope(app.state.engine) as session:
        auth.create_user(
            session, username=username, password=ADMIN_PASSWORD, role=role, service_ids=services
        )


def things_of(app: Any, survey_key: str, answers: dict[str, Any]) -> dict[str, str]:
    """Path values naming things of one seeded survey: the survey, its service, a response
    with a comment, and a change event of the service."""
    with session_scope(app.state.engine) as session:
        survey = surveys.get_survey(session, app.state.ids[survey_key])
        assert survey is not None
        stored = storing.submit(
            session,
            survey=survey,
            questions=surveys.questions_of(session, survey.id),
            submission=intake.Submission(
                channel=survey.channels[0], language="en", answers=answers
            ),
            lang="en",
        )
        found = session.exec(select(Answer).where(Answer.response_id == stored.id)).all()
        comment = next(a for a in found if a.text)
        event = ChangeEvent(
            service_id=survey.service_id, day=date(2026, 1, 5), label={"en": "A", "fr": "B"}
        )
        session.add(event)
        session.flush()
        return {
            "survey": survey.id,
            "service": survey.service_id,
            "event": str(event.id),
            "answer": str(comment.id),
            "id": str(stored.id),
            "response": str(stored.id),
            "fmt": "svg",
            "lang": "en",
        }


def seed_things(app: Any) -> dict[str, str]:
    """Concrete values for path parameters: things of the `licences` service (the seeded
    manager's), plus a user that routes may change without locking anyone out."""
    values = things_of(app, "page", {"found": False, "comment": "Too slow."})
    with session_scope(app.state.engine) as session:
        spare = auth.create_user(
            session, username="spare", password=ADMIN_PASSWORD, role="viewer",
            service_ids=["licences"],
        )  # fmt: skip
        values["user"] = str(spare.id)
    return values


def concrete_path(route: Route, values: dict[str, str]) -> str:
    """The route's path with each parameter filled in (unknown ones get a harmless sample)."""
    filled = {}
    for name, convertor in route.param_convertors.items():
        numeric = isinstance(convertor, (IntegerConvertor, FloatConvertor))
        default = "1" if numeric else "x"
        filled[name] = values.get(name, default)
    return route.path_format.format(**filled)


def walk(app: Any) -> Iterator[tuple[Any, str, Any]]:
    """(route, method, endpoint) for every method of every route; mounts as (mount, "*", app)."""
    for route in app.routes:
        if isinstance(route, Mount):
            yield route, "*", route.app
            continue
        assert isinstance(route, Route), f"unexpected route type {route!r}"
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            yield route, method, route.endpoint


def unmarked(app: Any) -> list[str]:
    """Routes that carry no rule, or a malformed one."""
    problems = []
    for route, method, endpoint in walk(app):
        if isinstance(route, Mount):
            if route.path not in PUBLIC_MOUNTS:
                problems.append(f"mount {route.path}: not a known public mount")
            continue
        marks = [m for m in ("roles", "public", "token_scope") if getattr(endpoint, m, None)]
        where = f"{method} {route.path}"
        if len(marks) != 1:
            problems.append(f"{where}: needs exactly one of roles/public/token_scope, has {marks}")
            continue
        roles = getattr(endpoint, "roles", None)
        if roles is not None and not set(roles) <= set(auth.ROLES):
            problems.append(f"{where}: unknown roles {roles}")
        reason = getattr(endpoint, "public", None)
        if reason is not None and (not isinstance(reason, str) or len(reason) < 10):
            problems.append(f"{where}: public() needs a reason, got {reason!r}")
    return problems


class Clients:
    """One signed-in client per role, and an anonymous one."""

    def __init__(self, app: Any) -> None:
        self.app = app
        add_user(app, "viewer", "viewer", ["licences"])
        self.by_role: dict[str, TestClient] = {}
        for role in auth.ROLES:
            client = self._client()
            login(client, username=role)
            self.by_role[role] = client
        self.anonymous = self._client()

    def _client(self) -> TestClient:
        return TestClient(
            self.app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False
        ).__enter__()

    def close(self) -> None:
        for client in [*self.by_role.values(), self.anonymous]:
            client.__exit__(None, None, None)


def ask(client: TestClient, method: str, path: str, values: dict[str, str]) -> Any:
    """One request. Forms carry the session's CSRF token, so a refusal is about the role, and
    the sample values as fields too (a form may name its service or survey)."""
    data = None
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        data = {**values, "csrf_token": csrf_of(client)}
    return client.request(method, path, data=data, follow_redirects=False)


def role_failures(app: Any, clients: Clients, values: dict[str, str]) -> list[str]:
    """Each staff route refuses anonymous visitors and wrong roles, and lets right roles in."""
    problems = []
    for route, method, endpoint in walk(app):
        roles = getattr(endpoint, "roles", None)
        if isinstance(route, Mount) or not roles:
            continue
        path = concrete_path(route, values)
        where = f"{method} {path}"
        got = ask(clients.anonymous, method, path, values)
        if path.startswith("/api/"):
            if got.status_code not in (401, 403) or "error" not in got.json():
                problems.append(f"{where} anonymous: {got.status_code}, expected 401/403 JSON")
        elif got.status_code != 303 or not got.headers.get("location", "").startswith("/login"):
            problems.append(f"{where} anonymous: {got.status_code}, expected redirect to /login")
        # Wrong roles first: right roles may change or delete what the path names.
        order = sorted(auth.ROLES, key=lambda r: r in roles)
        for role in order:
            got = ask(clients.by_role[role], method, path, values)
            if role not in roles and got.status_code != 403:
                problems.append(f"{where} as {role}: {got.status_code}, expected 403")
            if role in roles and (got.status_code == 403 or got.status_code >= 500):
                problems.append(f"{where} as {role} (allowed): {got.status_code}")
    return problems


def token_failures(app: Any, values: dict[str, str]) -> list[str]:
    """Each token route refuses no token (401) and a token of another scope (403)."""
    routes = [
        (route, method, endpoint)
        for route, method, endpoint in walk(app)
        if getattr(endpoint, "token_scope", None)
    ]
    if not routes:
        return []
    secrets = {}
    with session_scope(app.state.engine) as session:
        for scope in tokens.SCOPES:
            secrets[scope] = tokens.create(
                session, name=f"t-{scope}", scopes=[scope], by="test"
            ).secret
    problems = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for route, method, endpoint in routes:
            path = concrete_path(route, values)
            where = f"{method} {path}"
            got = client.request(method, path, json={})
            if got.status_code != 401:
                problems.append(f"{where} without a token: {got.status_code}, expected 401")
            for scope, secret in secrets.items():
                if scope == endpoint.token_scope:
                    continue
                headers = {"Authorization": f"Bearer {secret}"}
                got = client.request(method, path, json={}, headers=headers)
                if got.status_code != 403:
                    problems.append(
                        f"{where} with a {scope} token: {got.status_code}, expected 403"
                    )
    return problems


# ---- the tests ----


@pytest.fixture(scope="module")
def inventory_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app with seeded data, shared by this module's checks (the role walk runs last, as
    it changes things). Rules do not depend on the database, so SQLite is enough."""
    url = f"sqlite:///{tmp_path_factory.mktemp('inventory') / 'feedback.db'}"
    application = create_app(make_settings(url))
    seed_minimal(application)
    application.state.values = seed_things(application)
    yield application
    application.state.engine.dispose()


@contextmanager
def seeded_app(url: str) -> Iterator[Any]:
    """The app on this database with seed_minimal's content."""
    application = create_app(make_settings(url))
    seed_minimal(application)
    try:
        yield application
    finally:
        application.state.engine.dispose()


@pytest.fixture
def sqlite_app(sqlite_url: str) -> Iterator[Any]:
    """The seeded app on SQLite, for checks that do not depend on the database."""
    with seeded_app(sqlite_url) as application:
        yield application


def test_every_route_carries_a_rule(inventory_app: Any) -> None:
    problems = unmarked(inventory_app)
    assert not problems, "\n".join(problems)
    # The walk sees the routes it should: staff, public and the static mount.
    seen = {(r.path, m) for r, m, _ in walk(inventory_app)}
    assert ("/dashboard", "GET") in seen and ("/s/{survey}", "POST") in seen
    assert ("/static", "*") in seen


def test_token_routes_refuse_no_token_and_wrong_scope(inventory_app: Any) -> None:
    # The API's token routes exist: a walk that finds none has lost them (never a skip).
    assert any(getattr(e, "token_scope", None) for _, _, e in walk(inventory_app))
    problems = token_failures(inventory_app, inventory_app.state.values)
    assert not problems, "\n".join(problems)


def test_staff_routes_refuse_anonymous_and_wrong_roles(inventory_app: Any) -> None:
    clients = Clients(inventory_app)
    try:
        problems = role_failures(inventory_app, clients, inventory_app.state.values)
    finally:
        clients.close()
    assert not problems, "\n".join(problems)


def test_a_route_without_a_rule_or_with_an_unenforced_one_fails(sqlite_app: Any) -> None:
    from starlette.responses import PlainTextResponse

    async def forgotten(request: Any) -> Any:
        raise AssertionError("never called")

    async def leaky(request: Any) -> Any:
        return PlainTextResponse("secret numbers")

    leaky.roles = ("admin",)  # type: ignore[attr-defined]  # claimed, but never checked
    clients = Clients(sqlite_app)
    sqlite_app.router.routes.append(Route("/dashboard/forgotten", forgotten))
    sqlite_app.router.routes.append(Mount("/files", app=forgotten))  # type: ignore[arg-type]
    problems = unmarked(sqlite_app)
    assert any("GET /dashboard/forgotten" in p for p in problems), problems
    assert any("mount /files" in p for p in problems), problems
    sqlite_app.router.routes[:] = [Route("/dashboard/leaky", leaky)]
    try:
        problems = role_failures(sqlite_app, clients, {})
    finally:
        clients.close()
    assert any("anonymous: 200" in p for p in problems), problems
    assert any("as viewer: 200, expected 403" in p for p in problems), problems

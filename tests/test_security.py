"""Security headers on every page, session cookie flags, CSRF on every staff form, no cookie
on public pages, and no IP address or user agent anywhere in the database."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import inspect, text
from starlette.routing import Route
from starlette.testclient import TestClient
from test_route_inventory import concrete_path, csrf_of, seed_things, seeded_app, walk

from feedback.answers import kiosks
from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import Service
from feedback.surveys import services

from conftest import login, make_settings, seed_minimal

IP = "203.0.113.77"
AGENT = "Mozilla/5.0 (X11; Linux x86_64; canary-ua-7731) Gecko/20100101 Firefox/130.0"
# Sign-in pages set the session cookie that carries the CSRF token: staff, not public.
# Sign-in and sign-out set the staff session cookie by design (single sign-on keeps its state
# and PKCE verifier there; the second step its pending sign-in).
SESSION_PAGES = {
    "/login",
    "/logout",
    "/login/two-factor",
    "/login/sso",
    "/login/sso/callback",
    "/account/sessions",
}
# The one public page that sets a cookie: a tablet using its one-time enrolment link keeps
# its kiosk key (HttpOnly, sent to /k/ only; tests/answers/test_security_kiosk.py).
# Never a citizen's.
KIOSK_ENROL = "/kiosk/enrol/{code}"


@pytest.fixture
def sqlite_app(sqlite_url: str) -> Iterator[Any]:
    """The seeded app on SQLite, for checks that do not depend on the database."""
    with seeded_app(sqlite_url) as application:
        yield application


def publish_and_seed(app: Any) -> dict[str, str]:
    """Path values of things that exist in the seeded app; licences publishes its scorecard."""
    values = seed_things(app)
    with session_scope(app.state.engine) as session:
        service = session.get(Service, "licences")
        assert service is not None
        service.public_scorecard = True
        session.add(service)
        # A logo and an accent colour, so that their public routes have something to serve.
        logo = io.BytesIO()
        Image.new("RGB", (40, 20), (29, 78, 137)).save(logo, "PNG")
        changes = services.Changes(logo=logo.getvalue(), accent_colour="#1d4e89")
        saved = services.edit(session, service=service, changes=changes)
    values.update(version=str(saved.after["logo"]), colour="1d4e89")
    return values


@pytest.fixture
def seeded(sqlite_app: Any) -> dict[str, str]:
    """Things in the SQLite app to fill path parameters with."""
    return publish_and_seed(sqlite_app)


def _gets(app: Any) -> list[tuple[Route, Any]]:
    return [
        (route, endpoint)
        for route, method, endpoint in walk(app)
        if isinstance(route, Route) and method == "GET"
    ]


def _check_html(path: str, response: Any) -> list[str]:
    problems = []
    csp = response.headers.get("content-security-policy", "")
    if not csp:
        problems.append(f"{path}: no Content-Security-Policy")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"{path}: CSP allows unsafe-inline or unsafe-eval: {csp}")
    if "frame-ancestors" not in csp:
        problems.append(f"{path}: CSP has no frame-ancestors")
    body = response.text
    # What the CSP would block anyway: inline scripts, style elements and style attributes.
    for script in re.finditer(r"<script\b([^>]*)>(.*?)</script>", body, re.S):
        attrs, content = script.groups()
        if content.strip() and "application/json" not in attrs:
            problems.append(f"{path}: inline script")
    if re.search(r"<style\b|\sstyle=\"", body):
        problems.append(f"{path}: inline style")
    if re.search(r"\son[a-z]+=\"", body):
        problems.append(f"{path}: inline event handler")
    return problems


def test_every_page_has_a_strict_csp_and_the_hardening_headers(
    sqlite_app: Any, seeded: dict[str, str]
) -> None:
    app = sqlite_app
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    problems = []
    html_pages = 0
    staff = TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)
    login(staff)
    for route, endpoint in _gets(app):
        path = concrete_path(route, seeded)
        asker = staff if getattr(endpoint, "roles", None) else client
        response = asker.get(path, follow_redirects=False)
        if response.headers.get("x-content-type-options") != "nosniff":
            problems.append(f"{path}: no X-Content-Type-Options: nosniff")
        if not response.headers.get("referrer-policy"):
            problems.append(f"{path}: no Referrer-Policy")
        if "strict-transport-security" in response.headers:
            problems.append(f"{path}: HSTS over plain http")
        if response.headers.get("content-type", "").startswith("text/html"):
            html_pages += 1
            problems += _check_html(path, response)
            staff_page = asker is staff
            if staff_page and "no-store" not in response.headers.get("cache-control", ""):
                problems.append(f"{path}: a staff page the browser may keep")
    # Error pages too.
    for path in ("/nowhere", "/s/nosuchsurvey", "/dashboard/surveys/nosuchsurvey"):
        response = staff.get(path)
        problems += _check_html(path, response)
    assert html_pages >= 15
    assert not problems, "\n".join(problems)


def test_hosted_survey_pages_may_be_framed_only_by_their_allowed_origins(sqlite_app: Any) -> None:
    app = sqlite_app
    client = TestClient(app)
    page = app.state.ids["page"]
    framed = client.get(f"/s/{page}?embed=1").headers["content-security-policy"]
    assert "frame-ancestors 'self' https://host.example" in framed
    other = client.get(f"/s/{app.state.ids['counter']}?embed=1").headers["content-security-policy"]
    assert "https://host.example" not in other and "frame-ancestors 'self'" in other
    hosted = client.get(f"/s/{page}").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in hosted
    assert "frame-ancestors 'none'" in client.get("/login").headers["content-security-policy"]


def test_https_adds_hsts_and_a_secure_session_cookie(sqlite_url: str) -> None:
    secure = create_app(make_settings(sqlite_url, base_url="https://feedback.example.ca"))
    seed_minimal(secure)
    try:
        with TestClient(secure, base_url="https://feedback.example.ca") as c:
            page = c.get("/login")
            assert page.headers["strict-transport-security"].startswith("max-age=")
            assert c.get("/healthz").headers["strict-transport-security"]
            cookie = page.headers["set-cookie"]
            assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
            assert "secure" in cookie.lower()
            login(c)
    finally:
        secure.state.engine.dispose()


def test_plain_http_session_cookie_is_httponly_and_lax(sqlite_app: Any) -> None:
    cookie = TestClient(sqlite_app).get("/login").headers["set-cookie"].lower()
    assert "feedback_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "; secure" not in cookie


def test_every_staff_post_refuses_a_missing_or_wrong_csrf_token(
    sqlite_app: Any, seeded: dict[str, str]
) -> None:
    app = sqlite_app
    staff = TestClient(app)
    login(staff)
    problems = []
    posts = 0
    for route, method, endpoint in walk(app):
        if not isinstance(route, Route) or method == "GET" or not getattr(endpoint, "roles", None):
            continue
        if "admin" not in endpoint.roles:
            continue
        posts += 1
        path = concrete_path(route, seeded)
        for token in (None, "not-the-token"):
            data = dict(seeded) | ({"csrf_token": token} if token else {})
            got = staff.request(method, path, data=data, follow_redirects=False)
            if got.status_code != 403:
                problems.append(f"{method} {path} with csrf_token={token}: {got.status_code}")
    assert posts >= 8
    assert not problems, "\n".join(problems)
    # Sign-in and sign-out check it too.
    fresh = TestClient(app)
    fresh.get("/login")
    refused = fresh.post("/login", data={"username": "admin", "password": "x" * 12})
    assert refused.status_code == 403
    assert staff.post("/logout", data={}).status_code == 403


def _public_requests(app: Any, values: dict[str, str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every public route with a request that does what a citizen would do."""
    ids = app.state.ids
    for route, method, endpoint in walk(app):
        if not isinstance(route, Route) or not getattr(endpoint, "public", None):
            continue
        if route.path in SESSION_PAGES or (route.path == KIOSK_ENROL and method == "POST"):
            continue
        path = concrete_path(route, values)
        extra: dict[str, Any] = {}
        if route.path == "/s/{survey}" and method == "POST":
            extra = {"data": {"q_found": "false", "q_comment": "Slow page.", "channel": "web"}}
        elif method in ("POST", "PATCH"):
            extra = {"json": {"channel": "web", "language": "en", "answers": {"found": True}}}
        yield method, path, extra
    # Pages of a public route reached with other useful parameters.
    yield "GET", f"/s/{ids['page']}?embed=1", {}
    yield "GET", f"/k/{ids['counter']}", {}
    yield "GET", "/scorecard/licences", {}


def route_is_form_post(method: str, path: str) -> bool:
    return method == "POST" and path.startswith("/s/")


def test_public_pages_set_no_cookie(sqlite_app: Any, seeded: dict[str, str]) -> None:
    app = sqlite_app
    with session_scope(app.state.engine) as session:
        seeded = {**seeded, "code": kiosks.add(session, name="Walk", by="test")[1]}
    problems = []
    seen = set()
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path, extra in _public_requests(app, seeded):
            got = client.request(
                method, path, headers={"Origin": "https://host.example"}, follow_redirects=False,
                **extra,
            )  # fmt: skip
            seen.add(path.split("?")[0])
            if "set-cookie" in got.headers:
                problems.append(f"{method} {path}: Set-Cookie {got.headers['set-cookie']}")
            # A kiosk page on a device that is not an enrolled tablet: 403, and no form; the
            # walk's sample survey has no kiosk channel: 404
            # (tests/answers/test_channel_integrity.py).
            not_tablet = path.startswith("/k/") and got.status_code in (403, 404)
            # An invitation link with a made-up token names no invitation: 404 is right
            # (tests/reach/test_reach_invitations.py walks real ones).
            no_invitation = path.startswith("/i/") and got.status_code == 404
            failed = got.status_code >= 500 or (method == "GET" and got.status_code >= 400)
            if failed and not (not_tablet or no_invitation):
                problems.append(f"{method} {path}: {got.status_code}")
            if route_is_form_post(method, path) and got.status_code != 200:
                problems.append(f"{method} {path}: {got.status_code}, the answer was not stored")
        assert not client.cookies, dict(client.cookies)
    for expected in ("/", "/demo", "/embed.js", f"/s/{seeded['survey']}", "/scorecard"):
        assert expected in seen, expected
    assert not problems, "\n".join(problems)


# ---- no IP address and no user agent stored ----

SUSPECT = re.compile(r"(^|_)(ip|ips|ip_address|agent|useragent|user_agent|remote|addr)(_|$)")


def test_no_column_is_named_for_an_ip_address_or_a_user_agent(app: Any) -> None:
    schema = inspect(app.state.engine)
    tables = schema.get_table_names()
    assert "response" in tables and "audit_log" in tables
    for table in tables:
        for column in schema.get_columns(table):
            name = column["name"].lower()
            assert not SUSPECT.search(name), f"{table}.{name}"
            assert "agent" not in name and "remote" not in name, f"{table}.{name}"


def test_no_table_holds_the_ip_address_or_user_agent_of_a_request(app: Any) -> None:
    seeded = publish_and_seed(app)
    headers = {
        "X-Forwarded-For": IP,
        "X-Real-IP": IP,
        "User-Agent": AGENT,
        "Origin": "https://host.example",
    }
    with TestClient(app, client=(IP, 41000), headers=headers) as citizen:
        for method, path, extra in _public_requests(app, seeded):
            citizen.request(method, path, follow_redirects=False, **extra)
        created = citizen.post(
            f"/api/v1/surveys/{seeded['survey']}/responses",
            json={"channel": "web", "language": "fr", "answers": {"found": False}},
            headers={"Idempotency-Key": "sec-test-1"},
        )
        assert created.status_code == 201, created.text
        body = created.json()
        if "amend_token" in body:
            citizen.patch(
                f"/api/v1/surveys/{seeded['survey']}/responses/{body['id']}",
                json={"amend_token": body["amend_token"], "answers": {"comment": "Lent."}},
            )
    with TestClient(app, client=(IP, 41001), headers=headers) as person:
        # Staff too: a failed and a good sign-in, then an action that is audited.
        page = person.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        person.post("/login", data={"username": "admin", "password": "no", "csrf_token": token[1]})
        login(person)
        person.post(
            "/dashboard/alerts",
            data={"csrf_token": csrf_of(person), "email": "a@example.ca", "lang": "en"},
        )
    found = []
    stored_rows = 0
    with app.state.engine.connect() as conn:
        for table in inspect(app.state.engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                stored_rows += 1
                for value in row:
                    if value is not None and (IP in str(value) or "canary-ua-7731" in str(value)):
                        found.append(f"{table}: {value!r}")
        responses = conn.execute(text("SELECT count(*) FROM response")).scalar_one()
        audits = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    assert responses >= 3 and audits >= 3 and stored_rows > 50
    assert not found, found

"""Roles in practice: a manager or viewer sees only their services everywhere, agents reach
only assisted entry, admins manage users, and staff actions land in the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select
from starlette.routing import Route
from starlette.testclient import TestClient
from test_route_inventory import (
    add_user,
    ask,
    concrete_path,
    csrf_of,
    seed_things,
    seeded_app,
    things_of,
    walk,
)

from feedback.core.db import session_scope
from feedback.core.models import AuditEntry, StaffUser
from feedback.staff import auth, throttle

from conftest import ADMIN_PASSWORD, axe_violations, login, save_shot


@pytest.fixture
def sqlite_app(sqlite_url: str) -> Iterator[Any]:
    """The seeded app on SQLite, for checks that do not depend on the database."""
    with seeded_app(sqlite_url) as application:
        yield application


@pytest.fixture
def scoped(app: Any) -> Iterator[dict[str, Any]]:
    """The seeded app with things in both services, and a manager and a viewer of licences."""
    own = seed_things(app)
    other = things_of(app, "counter", {"satisfaction": 2, "comment": "Long wait."})
    add_user(app, "viewer", "viewer", ["licences"])
    clients = {}
    for role in ("manager", "viewer", "agent"):
        client = TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)
        client.__enter__()
        login(client, username=role)
        clients[role] = client
    yield {"own": own, "other": other, "clients": clients}
    for client in clients.values():
        client.__exit__(None, None, None)


def _scoped_routes(app: Any) -> list[tuple[Route, str, Any]]:
    """Staff routes whose path names a survey, a service or something that belongs to one."""
    names = {"survey", "service", "event", "answer", "id", "response"}
    return [
        (route, method, endpoint)
        for route, method, endpoint in walk(app)
        if isinstance(route, Route)
        and getattr(endpoint, "roles", None)
        and names & set(route.param_convertors)
    ]


def test_managers_viewers_and_agents_are_refused_other_services_on_every_route(
    app: Any, scoped: dict[str, Any]
) -> None:
    routes = _scoped_routes(app)
    assert len(routes) >= 8, [r.path for r, _, _ in routes]
    assert any("agent" in e.roles for _, _, e in routes), "no assisted entry route by survey"
    problems = []
    for role in ("manager", "viewer", "agent"):
        client = scoped["clients"][role]
        for route, method, endpoint in routes:
            if role not in endpoint.roles:
                continue
            path = concrete_path(route, scoped["other"])
            got = ask(client, method, path, scoped["other"])
            if got.status_code not in (403, 404):
                problems.append(f"{role} {method} {path}: {got.status_code}")
    assert not problems, "\n".join(problems)
    # Lists and query parameters leave the other service out too.
    other = scoped["other"]["survey"]
    for role in ("manager", "viewer"):
        client = scoped["clients"][role]
        for path in (
            "/dashboard",
            "/dashboard?by=channel",
            f"/dashboard/channels?survey={other}",
            "/dashboard/exports",
            "/dashboard/alerts",
        ):
            page = client.get(path)
            assert page.status_code == 200, (role, path)
            # The asked-for id may be echoed in links of this page; nothing of it is shown.
            shown = page.text.replace(f"survey={other}", "")
            assert other not in shown and "Park passes" not in shown, (role, path)
        assert client.get(f"/dashboard/exports/responses?survey={other}").status_code == 404
        a11 = client.get("/dashboard/exports/a11.csv?service=parks")
        assert "parks" not in a11.text
    manager = scoped["clients"]["manager"]
    assert manager.get(f"/admin/surveys/{other}/qr.svg").status_code in (403, 404)
    refused = manager.post(
        "/dashboard/alerts/scorecard",
        data={"service": "parks", "public": "on", "csrf_token": csrf_of(manager)},
        follow_redirects=False,
    )
    assert refused.status_code == 403


def test_agents_reach_assisted_entry_and_no_dashboard(sqlite_app: Any) -> None:
    app = sqlite_app
    agent = TestClient(app)
    page = agent.get("/login").text
    signed_in = agent.post(
        "/login",
        data={"username": "agent", "password": ADMIN_PASSWORD, "csrf_token": _form_token(page)},
        follow_redirects=False,
    )
    # Agents land where they work, not on a dashboard they may not read.
    assert signed_in.headers["location"] == "/assist"
    assert agent.get("/assist").status_code == 200
    for route, method, endpoint in walk(app):
        roles = getattr(endpoint, "roles", None)
        if not roles or not isinstance(route, Route):
            continue
        if route.path.startswith(("/dashboard", "/admin")):
            assert "agent" not in roles, f"{method} {route.path} lets agents in"
    assert agent.get("/dashboard", follow_redirects=False).status_code == 403
    assisted = [r for r, _, e in walk(app) if r.path.startswith("/assist") and "agent" in e.roles]
    assert assisted, "no assisted entry route lets agents in"


# ---- users admin ----


def _form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _entries(app: Any) -> list[AuditEntry]:
    with session_scope(app.state.engine) as session:
        return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)))  # type: ignore[arg-type]


def test_admin_adds_changes_deactivates_and_resets_a_user(sqlite_app: Any) -> None:
    app = sqlite_app
    staff = TestClient(app, base_url="http://127.0.0.1:8000")
    login(staff)
    page = staff.get("/admin/users?lang=fr")
    assert page.status_code == 200 and "Utilisateurs" in page.text
    token = _form_token(page.text)
    bad = staff.post("/admin/users", data={"csrf_token": token, "username": "manager"})
    assert bad.status_code == 400
    assert "already has this username" in bad.text and "Choose a role" in bad.text
    added = staff.post(
        "/admin/users",
        data={"csrf_token": token, "username": "rita", "role": "viewer", "services": "parks"},
    )
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    password = re.search(r'class="new-password">([^<]+)<', added.text)
    assert password
    with session_scope(app.state.engine) as session:
        rita = auth.find_user(session, "rita")
        assert rita and rita.role == "viewer" and rita.service_ids == ["parks"]
        rita_id = rita.id
    other = TestClient(app, base_url="http://127.0.0.1:8000")
    login(other, "rita", password.group(1))
    assert other.get("/dashboard").status_code == 200

    changed = staff.post(
        f"/admin/users/{rita_id}",
        data={"csrf_token": token, "role": "manager", "services": ["licences", "nowhere"]},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    with session_scope(app.state.engine) as session:
        rita = session.get(StaffUser, rita_id)
        assert rita and rita.role == "manager" and rita.service_ids == ["licences"]

    off = staff.post(
        f"/admin/users/{rita_id}/active", data={"csrf_token": token, "active": "0"},
        follow_redirects=False,
    )  # fmt: skip
    assert off.status_code == 303
    # Signed out at once: the next request goes to the sign-in page.
    assert other.get("/dashboard", follow_redirects=False).status_code == 303
    on = staff.post(
        f"/admin/users/{rita_id}/active", data={"csrf_token": token, "active": "1"},
        follow_redirects=False,
    )  # fmt: skip
    assert on.status_code == 303

    login(other, "rita", password.group(1))
    assert other.get("/dashboard", follow_redirects=False).status_code == 200
    reset = staff.post(f"/admin/users/{rita_id}/password", data={"csrf_token": token})
    fresh = re.search(r'class="new-password">([^<]+)<', reset.text)
    assert fresh and fresh.group(1) != password.group(1)
    # The session started with the old password is over.
    assert other.get("/dashboard", follow_redirects=False).status_code == 303
    login(TestClient(app, base_url="http://127.0.0.1:8000"), "rita", fresh.group(1))

    actions = [(e.username, e.action, e.target) for e in _entries(app)]
    for action in ("user.create", "user.change", "user.deactivate", "user.reactivate"):
        assert ("admin", action, "user:rita") in actions
    assert ("admin", "user.password_reset", "user:rita") in actions
    # Nothing secret in the log.
    assert all(password.group(1) not in str(e.detail) for e in _entries(app))


def test_an_admin_cannot_lock_themselves_out(sqlite_app: Any) -> None:
    app = sqlite_app
    staff = TestClient(app)
    login(staff)
    with session_scope(app.state.engine) as session:
        me = auth.find_user(session, "admin")
        assert me
        my_id = me.id
    token = csrf_of(staff)
    demote = staff.post(f"/admin/users/{my_id}", data={"csrf_token": token, "role": "viewer"})
    assert demote.status_code == 400 and "your own role" in demote.text
    off = staff.post(f"/admin/users/{my_id}/active", data={"csrf_token": token, "active": "0"})
    assert off.status_code == 400
    assert staff.get("/admin/users").status_code == 200


def test_audit_log_page_lists_staff_actions_newest_first_in_both_languages(sqlite_app: Any) -> None:
    app = sqlite_app
    staff = TestClient(app)
    login(staff)
    with session_scope(app.state.engine) as session:
        from feedback.staff import audit

        for n in range(60):
            audit.record(session, "cli", "event.add", f"event:{n}", service="licences")
    english = staff.get("/admin/audit?lang=en")
    assert english.status_code == 200
    assert "Added a change event" in english.text
    assert english.text.index("event:59") < english.text.index("event:20")
    assert "event:5<" not in english.text  # on the next page
    older = re.search(r'href="(/admin/audit\?lang=en&amp;before=\d+)"', english.text)
    assert older
    second = staff.get(older.group(1).replace("&amp;", "&"))
    assert "event:5<" in second.text and "Signed in" in second.text
    french = staff.get("/admin/audit?lang=fr")
    assert "Journal d’audit" in french.text and "Changement ajouté" in french.text


def test_sign_in_and_out_are_audited_with_the_username_only(sqlite_app: Any) -> None:
    app = sqlite_app
    client = TestClient(app)
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "username": "manager",
            "password": "wrong password!",
            "csrf_token": _form_token(page.text),
        },
        headers={"User-Agent": "Agent-Smith/1.0"},
    )
    login(client, "manager")
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    actions = [(e.username, e.action) for e in _entries(app)]
    assert actions[-3:] == [
        ("manager", "login.failed"),
        ("manager", "login.success"),
        ("manager", "logout"),
    ]
    dumped = " ".join(f"{e.target} {e.detail}" for e in _entries(app))
    assert "wrong password" not in dumped and "Agent-Smith" not in dumped


def test_staff_changes_are_audited_in_their_transaction(sqlite_app: Any) -> None:
    app = sqlite_app
    values = seed_things(app)
    staff = TestClient(app, base_url="http://127.0.0.1:8000")
    login(staff, "manager")
    token = csrf_of(staff)
    labels = {
        "csrf_token": token,
        "day": "2026-02-01",
        "label_en": "New form",
        "label_fr": "Nouveau",
    }
    staff.post("/dashboard/services/licences/events", data=labels)
    event = values["event"]
    staff.post(f"/dashboard/events/{event}/edit", data=labels | {"label_en": "Form v2"})
    staff.post(f"/dashboard/events/{event}/delete", data={"csrf_token": token})
    staff.post(f"/dashboard/comments/{values['answer']}/hide", data={"csrf_token": token})
    staff.post("/dashboard/alerts", data={"csrf_token": token, "email": "m@example.ca"})
    staff.post(
        "/dashboard/alerts/scorecard",
        data={"csrf_token": token, "service": "licences", "public": "on"},
    )
    # A refused change leaves no entry.
    staff.post("/dashboard/events/999999/delete", data={"csrf_token": token})
    got = [(e.username, e.action, e.target) for e in _entries(app) if e.action != "login.success"]
    assert got[:2] == [
        ("manager", "event.add", got[0][2]),
        ("manager", "event.edit", f"event:{event}"),
    ]
    assert got[2:] == [
        ("manager", "event.delete", f"event:{event}"),
        ("manager", "comment.hide", f"answer:{values['answer']}"),
        ("manager", "alerts.save", "user:manager"),
        ("manager", "scorecard.publish", "service:licences"),
    ]
    # No citizen text and no labels typed by staff beyond ids.
    assert "Too slow" not in str([e.detail for e in _entries(app)])


# ---- sign-in throttling ----


class _MidWindow(datetime):
    """Now is always the same moment, mid-window, so no test straddles two 15-minute windows."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return datetime(2026, 11, 23, 12, 7, 30, tzinfo=UTC).astimezone(tz)


@pytest.fixture(autouse=True)
def mid_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "datetime", _MidWindow)


def _attempt(client: TestClient, username: str, password: str, ip: str = "") -> Any:
    page = client.get("/login?lang=fr")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": _form_token(page.text),
            "lang": "fr",
        },
        follow_redirects=False,
    )


def test_five_failures_lock_that_username_from_that_client_only(app: Any) -> None:
    attacker = TestClient(app, base_url="http://127.0.0.1:8000", client=("203.0.113.9", 5000))
    for _ in range(throttle.PAIR_LIMIT):
        assert _attempt(attacker, "manager", "not the password").status_code == 400
    refused = _attempt(attacker, "manager", ADMIN_PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) == 450  # the window ends at 12:15:00
    assert "Trop de tentatives" in refused.text and 'lang="fr"' in refused.text
    # Another person's successful sign-in from the attacker's client resets nothing.
    assert _attempt(attacker, "admin", ADMIN_PASSWORD).status_code == 303
    assert _attempt(attacker, "manager", ADMIN_PASSWORD).status_code == 429
    # The counter is in the database, so a second app on the same database agrees.
    from feedback.app import create_app

    twin = create_app(app.state.settings)
    try:
        other_worker = TestClient(
            twin, base_url="http://127.0.0.1:8000", client=("203.0.113.9", 5000)
        )
        assert _attempt(other_worker, "manager", ADMIN_PASSWORD).status_code == 429
    finally:
        twin.state.engine.dispose()


def test_an_attacker_cannot_lock_a_person_out(app: Any) -> None:
    add_user(app, "victim", "viewer", ["licences"])
    attacker = TestClient(app, base_url="http://127.0.0.1:8000", client=("203.0.113.9", 5000))
    for _ in range(throttle.PAIR_LIMIT):
        assert _attempt(attacker, "victim", "not the password").status_code == 400
    assert _attempt(attacker, "victim", "not the password").status_code == 429
    person = TestClient(app, base_url="http://127.0.0.1:8000", client=("198.51.100.7", 5000))
    assert _attempt(person, "victim", ADMIN_PASSWORD).status_code == 303
    # Failed attempts name only real accounts: a password typed as a username is not kept.
    assert _attempt(person, "Hunter2-secret", "x").status_code == 400
    failed = [e for e in _entries(app) if e.action == "login.failed"]
    assert {e.target for e in failed} == {"victim", "(unknown user)"}
    assert "Hunter2-secret" not in str([(e.username, e.target, e.detail) for e in _entries(app)])


def test_many_failures_for_a_username_from_many_clients_slow_only_those_clients(
    sqlite_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sqlite_app
    assert (throttle.PAIR_LIMIT, throttle.CLIENT_LIMIT, throttle.USER_LIMIT) == (5, 20, 100)
    # Fewer than 100 here: each failed attempt costs a password hash, and the rule is the same.
    monkeypatch.setattr(throttle, "USER_LIMIT", 4)
    bots = [
        TestClient(app, base_url="http://127.0.0.1:8000", client=(f"203.0.113.{n}", 5000))
        for n in range(throttle.USER_LIMIT)
    ]
    for bot in bots:
        assert _attempt(bot, "manager", "guess").status_code == 400
    # The name is under attack: a client that already guessed gets no second try this window...
    assert _attempt(bots[0], "manager", ADMIN_PASSWORD).status_code == 429
    # ...but the person, from a client that did not, still signs in.
    person = TestClient(app, base_url="http://127.0.0.1:8000", client=("198.51.100.7", 5000))
    assert _attempt(person, "manager", ADMIN_PASSWORD).status_code == 303
    assert _attempt(person, "admin", ADMIN_PASSWORD).status_code == 303


def test_successful_sign_ins_do_not_use_up_the_limit(sqlite_app: Any) -> None:
    same = TestClient(sqlite_app, base_url="http://127.0.0.1:8000", client=("198.51.100.9", 5000))
    for _ in range(throttle.PAIR_LIMIT + 2):
        assert _attempt(same, "admin", ADMIN_PASSWORD).status_code == 303


def test_failures_from_one_client_lock_that_client(
    sqlite_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sqlite_app
    assert (throttle.PAIR_LIMIT, throttle.CLIENT_LIMIT, throttle.WINDOW) == (5, 20, 900)
    # Fewer than 20 here: each failed attempt costs a password hash, and the rule is the same.
    monkeypatch.setattr(throttle, "CLIENT_LIMIT", 4)
    spray = TestClient(app, base_url="http://127.0.0.1:8000", client=("203.0.113.50", 5000))
    for n in range(throttle.CLIENT_LIMIT):
        assert _attempt(spray, f"nobody{n}", "guess").status_code == 400
    assert _attempt(spray, "admin", ADMIN_PASSWORD).status_code == 429
    other = TestClient(app, base_url="http://127.0.0.1:8000", client=("198.51.100.8", 5000))
    assert _attempt(other, "admin", ADMIN_PASSWORD).status_code == 303


# ---- in the browser ----


@pytest.mark.browser
def test_users_and_audit_pages_pass_axe_in_both_languages(live_app: Any, browser: Any) -> None:
    app, server = live_app
    add_user(app, "lea.tremblay", "manager", ["licences"])
    add_user(app, "sam.viewer", "viewer", ["licences", "parks"])
    with session_scope(app.state.engine) as session:
        gone = auth.find_user(session, "sam.viewer")
        assert gone
        auth.set_active(session, gone, active=False)
        from feedback.staff import audit

        audit.record(session, "admin", "user.deactivate", "user:sam.viewer")
        audit.record(session, "admin", "event.add", "event:1", service="licences")
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/dashboard**")
    for lang in ("en", "fr"):
        page.goto(f"{server.url}/admin/users?lang={lang}")
        assert axe_violations(page) == [], ("users", lang)
        save_shot(page, f"security-users-{lang}.png", full_page=True)
        # An error, then a user added with their password shown once.
        page.locator("form[action='/admin/users'] button[type=submit]").click()
        # Waits for the new page itself: under load the click's navigation may not have begun.
        page.locator(".error-summary").wait_for(state="visible")
        assert axe_violations(page) == [], ("users error", lang)
        save_shot(page, f"security-users-error-{lang}.png", full_page=True)
        page.fill("#username", f"new.{lang}")
        page.check("#role-viewer")
        page.check("#service-licences")
        page.locator("form[action='/admin/users'] button[type=submit]").click()
        page.locator(".new-password").wait_for(state="visible")
        assert axe_violations(page) == [], ("user added", lang)
        save_shot(page, f"security-user-added-{lang}.png", full_page=True)
        page.get_by_role("link", name="lea.tremblay").click()
        page.wait_for_url("**/admin/users/*")
        assert axe_violations(page) == [], ("user edit", lang)
        save_shot(page, f"security-user-edit-{lang}.png", full_page=True)
        page.goto(f"{server.url}/admin/audit?lang={lang}")
        assert page.locator("table.audit-table tbody tr").count() >= 3
        assert axe_violations(page) == [], ("audit", lang)
        save_shot(page, f"security-audit-{lang}.png", full_page=True)
    context.close()
    # Sign-in refused after too many failures, in the visitor's language.
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="fr-CA")
    page = context.new_page()
    for _ in range(throttle.PAIR_LIMIT + 1):
        page.goto(f"{server.url}/login")
        page.fill("#username", "manager")
        page.fill("#password", "not the password")
        # Waits for the answer to this post: under load, wait_for_load_state could return
        # before the navigation began, and the next goto would cancel the post uncounted.
        with page.expect_navigation():
            page.press("#password", "Enter")
    page.locator(".error-summary", has_text="Trop de tentatives").wait_for(state="visible")
    assert axe_violations(page) == []
    save_shot(page, "security-login-throttled-fr.png", full_page=True)
    context.close()

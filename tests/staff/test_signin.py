"""Sign-in that nobody can lock another person out of, and sessions that end on the server
(issue 17, findings 2 and 6). Clocks are pinned: no test depends on when it runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from feedback.core import limits
from feedback.core.db import session_scope
from feedback.core.models import StaffSession
from feedback.staff import auth, sessions, throttle

from conftest import ADMIN_PASSWORD, login

PINNED = datetime(2026, 11, 23, 12, 7, 30, tzinfo=UTC)  # mid-window: 12:00 to 12:15


class _Pinned(datetime):
    now_at = PINNED

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return cls.now_at.astimezone(tz)


@pytest.fixture(autouse=True)
def pinned(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Pinned]]:
    """Every clock the sign-in and the sessions read says `_Pinned.now_at`."""
    _Pinned.now_at = PINNED
    monkeypatch.setattr(throttle, "datetime", _Pinned)
    monkeypatch.setattr(sessions, "datetime", _Pinned)
    monkeypatch.setattr(limits, "datetime", _Pinned)
    yield _Pinned


def _client(app: Any, ip: str) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1:8000", client=(ip, 5000))


def _attempt(client: TestClient, username: str, password: str) -> Any:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


def _sessions_of(app: Any, username: str) -> list[StaffSession]:
    with session_scope(app.state.engine) as session:
        user = auth.find_user(session, username)
        assert user is not None and user.id is not None
        return sessions.live(session, user.id, policy=sessions.Policy(max_age=28800, idle=1800))


# ---- finding 2: nobody can lock another person out ----


@pytest.fixture
def chief(app: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A second admin whose password hash is cheap to check, so that a test can afford the
    hundred wrong guesses of the real attack (the rule does not depend on the hash's cost)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=64))
    with session_scope(app.state.engine) as session:
        auth.create_user(session, username="chief", password=ADMIN_PASSWORD, role="admin")
    return "chief"


def test_the_reported_attack_does_not_lock_the_admin_out(app: Any, chief: str) -> None:
    """100 wrong passwords for an admin, 5 from each of 20 addresses, then the right password
    from a fresh address: it signs in (it used to get 429 for ten minutes)."""
    bots = [_client(app, f"203.0.{n}.9") for n in range(20)]
    for bot in bots:
        for _ in range(5):
            assert _attempt(bot, chief, "wrong password").status_code == 400
    person = _client(app, "198.51.100.7")
    assert _attempt(person, chief, ADMIN_PASSWORD).status_code == 303
    # Each attacking address is slowed where it is, right password or not.
    assert _attempt(bots[0], chief, ADMIN_PASSWORD).status_code == 429
    # Under attack, a fresh client gets one try, so a wide botnet gets one guess per address.
    late = _client(app, "192.0.2.55")
    assert _attempt(late, chief, "another guess").status_code == 400
    assert _attempt(late, chief, ADMIN_PASSWORD).status_code == 429
    # The window ends; everyone starts again.
    _Pinned.now_at += timedelta(minutes=15)
    assert _attempt(bots[0], chief, ADMIN_PASSWORD).status_code == 303


def test_one_ipv6_network_counts_as_one_client(app: Any, chief: str) -> None:
    """The same attack from 20 addresses of one /64 is slowed as one client; the person,
    from another network, signs in."""
    codes = [
        _attempt(_client(app, f"2001:db8:1:2::{n:x}"), chief, "wrong password").status_code
        for n in range(1, 21)
        for _ in range(5)
    ]
    assert codes[: throttle.PAIR_LIMIT] == [400] * throttle.PAIR_LIMIT
    assert set(codes[throttle.PAIR_LIMIT :]) == {429}
    person = _client(app, "2001:db8:99:1::7")
    assert _attempt(person, chief, ADMIN_PASSWORD).status_code == 303


def test_a_browser_that_signed_in_before_gets_in_from_an_attacked_address(app: Any) -> None:
    """The attacker shares the person's address (an office NAT): the person's browser, which
    signed in there before, still signs in; a fresh browser at that address waits."""
    office = "198.51.100.20"
    person = _client(app, office)
    assert _attempt(person, "manager", ADMIN_PASSWORD).status_code == 303
    device = person.cookies.get(throttle.DEVICE_COOKIE)
    assert device
    set_cookie = person.get("/login").headers.get("set-cookie", "")
    assert throttle.DEVICE_COOKIE not in set_cookie  # only set on a successful sign-in
    attacker = _client(app, office)
    for _ in range(throttle.CLIENT_LIMIT + 1):
        _attempt(attacker, "manager", "guess")
    stranger = _client(app, office)
    assert _attempt(stranger, "manager", ADMIN_PASSWORD).status_code == 429
    assert _attempt(person, "manager", ADMIN_PASSWORD).status_code == 303
    # The cookie is signed and names the person: copied to another name, it vouches for nothing.
    other = _client(app, office)
    other.cookies.set(throttle.DEVICE_COOKIE, device, path="/login")
    assert _attempt(other, "admin", ADMIN_PASSWORD).status_code == 429
    forged = _client(app, office)
    forged.cookies.set(throttle.DEVICE_COOKIE, device[:-4] + "AAAA", path="/login")
    assert _attempt(forged, "manager", ADMIN_PASSWORD).status_code == 429


def test_a_device_cookie_still_limits_guesses_from_that_browser(app: Any) -> None:
    person = _client(app, "198.51.100.21")
    assert _attempt(person, "manager", ADMIN_PASSWORD).status_code == 303
    for _ in range(throttle.DEVICE_LIMIT - 1):
        assert _attempt(person, "manager", "guess").status_code == 400
    assert _attempt(person, "manager", "guess").status_code == 400
    assert _attempt(person, "manager", ADMIN_PASSWORD).status_code == 429


def test_the_device_cookie_is_only_sent_to_sign_in(app: Any) -> None:
    person = _client(app, "198.51.100.22")
    response = _attempt(person, "manager", ADMIN_PASSWORD)
    cookie = [c for c in response.headers.get_list("set-cookie") if throttle.DEVICE_COOKIE in c]
    assert cookie and "Path=/login" in cookie[0] and "HttpOnly" in cookie[0]
    assert "SameSite=strict" in cookie[0]


# ---- finding 6: sessions end on the server ----


def _copy(app: Any, client: TestClient) -> TestClient:
    """Another client holding a copy of `client`'s session cookie (a stolen cookie)."""
    thief = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    thief.cookies.set("feedback_session", client.cookies["feedback_session"])
    return thief


def _csrf(client: TestClient) -> str:
    page = client.get("/account")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_a_copied_cookie_stops_working_after_sign_out(app: Any, client: TestClient) -> None:
    login(client)
    thief = _copy(app, client)
    assert thief.get("/account").status_code == 200
    client.post("/logout", data={"csrf_token": _csrf(client)})
    gone = thief.get("/account")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


def test_deactivation_ends_sessions_and_reactivation_does_not_bring_them_back(
    app: Any, client: TestClient
) -> None:
    person = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    login(person, username="manager")
    copy = _copy(app, person)
    login(client)
    with session_scope(app.state.engine) as session:
        manager = auth.find_user(session, "manager")
    assert manager is not None
    token = _csrf(client)
    client.post(f"/admin/users/{manager.id}/active", data={"csrf_token": token, "active": "0"})
    assert person.get("/account").status_code == 303
    client.post(f"/admin/users/{manager.id}/active", data={"csrf_token": token, "active": "1"})
    assert person.get("/account").status_code == 303
    assert copy.get("/account").status_code == 303
    assert _sessions_of(app, "manager") == []


@pytest.mark.parametrize("change", ["role", "services", "password", "everywhere"])
def test_admin_changes_end_every_session_of_that_user(
    app: Any, client: TestClient, change: str
) -> None:
    people = []
    for _ in range(2):
        person = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
        login(person, username="manager")
        people.append(person)
    login(client)
    with session_scope(app.state.engine) as session:
        manager = auth.find_user(session, "manager")
    assert manager is not None
    token = _csrf(client)
    base = f"/admin/users/{manager.id}"
    if change == "role":
        client.post(base, data={"csrf_token": token, "role": "viewer", "services": "licences"})
    elif change == "services":
        client.post(base, data={"csrf_token": token, "role": "manager", "services": "parks"})
    elif change == "password":
        client.post(f"{base}/password", data={"csrf_token": token})
    else:
        client.post(f"{base}/sessions", data={"csrf_token": token})
    for person in people:
        assert person.get("/account").status_code == 303, change
    # The admin's own session is untouched.
    assert client.get("/account").status_code == 200


def test_saving_the_same_role_and_services_ends_nothing(app: Any, client: TestClient) -> None:
    person = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    login(person, username="manager")
    login(client)
    with session_scope(app.state.engine) as session:
        manager = auth.find_user(session, "manager")
    assert manager is not None
    data = {"csrf_token": _csrf(client), "role": "manager", "services": "licences"}
    client.post(f"/admin/users/{manager.id}", data=data)
    assert person.get("/account").status_code == 200


def test_idle_and_absolute_timeouts(app: Any, client: TestClient, pinned: Any) -> None:
    login(client)
    assert client.get("/account").status_code == 200
    # Used every 20 minutes: the idle timeout (30 min) never comes...
    for _ in range(23):
        pinned.now_at += timedelta(minutes=20)
        assert client.get("/account").status_code == 200
    # ...but 8 hours after signing in, the session ends however active it is.
    pinned.now_at += timedelta(minutes=20)
    assert client.get("/account", follow_redirects=False).status_code == 303
    login(client)
    pinned.now_at += timedelta(minutes=29)
    assert client.get("/account").status_code == 200
    pinned.now_at += timedelta(minutes=30)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_sign_out_everywhere_from_your_account(app: Any, client: TestClient) -> None:
    login(client)
    other = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    login(other)
    third = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    login(third)
    page = client.get("/account")
    assert page.text.count("<tr>") == 4  # a header row and three sessions
    client.post("/account/sessions", data={"csrf_token": _csrf(client), "keep": "1"})
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 303
    client.post("/account/sessions", data={"csrf_token": _csrf(client)}, follow_redirects=False)
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert _sessions_of(app, "admin") == []


def test_changing_your_password_ends_your_other_sessions(app: Any, client: TestClient) -> None:
    login(client, username="manager")
    other = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    login(other, username="manager")
    token = _csrf(client)
    wrong = client.post(
        "/account/password",
        data={"csrf_token": token, "current": "nope", "new": "a new password", "again": "x"},
    )
    assert wrong.status_code == 400 and "not right" in wrong.text
    done = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current": ADMIN_PASSWORD,
            "new": "a new long password",
            "again": "a new long password",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 303
    fresh = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    login(fresh, username="manager", password="a new long password")


def test_the_cookie_holds_a_random_id_and_the_table_only_its_hash(
    app: Any, client: TestClient
) -> None:
    from test_route_inventory import session_data

    login(client)
    data = session_data(client)
    assert set(data) == {"sid", "lang", "csrf_token"}
    [row] = _sessions_of(app, "admin")
    assert row.id != data["sid"] and len(row.id) == 64


def test_a_borrowed_session_cannot_guess_the_password_at_full_speed(
    app: Any, client: TestClient
) -> None:
    login(client, username="manager")
    token = _csrf(client)
    form = {"csrf_token": token, "new": "a new long password", "again": "a new long password"}
    for n in range(5):
        wrong = client.post("/account/password", data={**form, "current": f"guess {n}"})
        assert wrong.status_code == 400 and "not right" in wrong.text
    refused = client.post("/account/password", data={**form, "current": ADMIN_PASSWORD})
    assert refused.status_code == 400 and "Too many failed" in refused.text
    with session_scope(app.state.engine) as session:
        manager = auth.find_user(session, "manager")
        assert manager is not None
        assert auth.authenticate(session, username="manager", password=ADMIN_PASSWORD)


def test_old_sessions_are_forgotten_by_a_daily_job(app: Any, client: TestClient) -> None:
    from feedback.app import background_jobs

    assert ("sessions.forget", 86400) in [
        (j.name, j.every) for j in background_jobs(app.state.settings)
    ]
    login(client)  # ended at once below
    client.post("/logout", data={"csrf_token": _csrf(client)})
    login(client)  # still live
    with session_scope(app.state.engine) as session:
        assert sessions.forget_old(session, now=PINNED + timedelta(days=29)) == 0
    with session_scope(app.state.engine) as session:
        # 31 days on: the ended one and the live one (expired after 8 hours) both go.
        assert sessions.forget_old(session, now=PINNED + timedelta(days=31)) == 2


def test_single_sign_on_with_the_provider_away_is_a_clear_error(database_url: str) -> None:
    from feedback.app import create_app

    from conftest import make_settings
    from servers import free_port

    closed = f"http://127.0.0.1:{free_port()}"
    settings = make_settings(database_url, oidc_issuer=closed, oidc_client_id="x")
    application = create_app(settings)
    try:
        with TestClient(application, raise_server_exceptions=False) as client:
            page = client.get("/login")
            assert "Sign in with 127.0.0.1" in page.text
            away = client.get("/login/sso", follow_redirects=False)
            assert away.status_code == 503 and "Single sign-on did not work" in away.text
            forged = client.get("/login/sso/callback?code=x&state=y", follow_redirects=False)
            assert forged.status_code == 400
        # Without single sign-on configured, its paths do not exist.
        plain = create_app(make_settings(database_url))
        with TestClient(plain, raise_server_exceptions=False) as client:
            assert client.get("/login/sso").status_code == 404
            assert "Sign in with" not in client.get("/login").text
        plain.state.engine.dispose()
    finally:
        application.state.engine.dispose()


@pytest.mark.parametrize("user_id", ["0", "9223372036854775808", "99999999999999999999"])
def test_user_ids_no_column_can_hold_are_not_found(client: TestClient, user_id: str) -> None:
    login(client)
    token = _csrf(client)
    base = f"/admin/users/{user_id}"
    assert client.get(base).status_code == 404
    for action in ("", "/active", "/password", "/sessions", "/two-factor"):
        got = client.post(base + action, data={"csrf_token": token, "role": "viewer"})
        assert got.status_code == 404, action


@pytest.mark.parametrize(
    "target", ["/\\evil.example", "/\\/evil.example", "/\t/evil.example", "/%0a", "https:evil"]
)
def test_sign_in_never_sends_people_to_another_site(client: TestClient, target: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    form = {"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token.group(1)}
    signed_in = client.post("/login", data={**form, "next": target}, follow_redirects=False)
    assert signed_in.headers["location"] in ("/dashboard", "/%0a")


def test_settings_refuse_a_configuration_nobody_could_sign_in_with() -> None:
    from pydantic import ValidationError

    from feedback.core.settings import Settings

    with pytest.raises(ValidationError, match="nobody can sign in"):
        Settings(local_passwords=False)
    with pytest.raises(ValidationError, match="https"):
        Settings(oidc_issuer="ftp://id.example", oidc_client_id="x")
    sso_only = Settings(
        local_passwords=False, oidc_issuer="https://id.example/realm", oidc_client_id="x"
    )
    assert not sso_only.local_passwords

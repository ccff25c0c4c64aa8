"""Two-step sign-in for local accounts (issue 17): TOTP set up with a QR code or a key, codes
computed by pyotp at a pinned time, replay refused, one-time recovery codes kept hashed, and
required for administrators when FEEDBACK_REQUIRE_2FA is on. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
import zxingcpp
from PIL import Image
from sqlmodel import Session
from starlette.testclient import TestClient

from feedback.app import create_app
from feedback.core import limits
from feedback.core.db import session_scope
from feedback.core.models import StaffUser
from feedback.staff import auth, totp

from conftest import (
    ADMIN_PASSWORD,
    axe_violations,
    login,
    make_settings,
    save_shot,
    seed_minimal,
)

PINNED = datetime(2026, 11, 23, 12, 7, 10, tzinfo=UTC)


class _Clock:
    at = PINNED


class _PinnedDatetime(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return _Clock.at.astimezone(tz)


@pytest.fixture(autouse=True)
def pinned(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Clock]]:
    """The second factor's clock and the rate counters' windows read `_Clock.at`."""
    _Clock.at = PINNED
    monkeypatch.setattr(totp, "clock", lambda: _Clock.at)
    monkeypatch.setattr(limits, "datetime", _PinnedDatetime)
    yield _Clock


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(_Clock.at + timedelta(seconds=offset))


def _enrol(client: TestClient) -> tuple[str, list[str]]:
    """Set up two-step sign-in through the pages; returns the secret and the recovery codes."""
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "<svg" in page.text
    assert page.headers["cache-control"] == "no-store"
    found = re.search(r'<code class="new-password" id="manual-key">([A-Z2-7 ]+)</code>', page.text)
    assert found
    secret = found.group(1).replace(" ", "")
    token = _form_token(page.text)
    form = {"csrf_token": token, "action": "confirm", "current": ADMIN_PASSWORD}
    wrong = client.post("/account/two-factor", data={**form, "code": "000000"})
    assert wrong.status_code == 400
    done = client.post("/account/two-factor", data={**form, "code": _code(secret)})
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)
    assert len(codes) == totp.RECOVERY_CODES
    return secret, codes


def _password(client: TestClient, username: str = "admin") -> Any:
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": ADMIN_PASSWORD,
            "csrf_token": _form_token(page.text),
        },
        follow_redirects=False,
    )


def _second(client: TestClient, code: str) -> Any:
    page = client.get("/login/two-factor")
    return client.post(
        "/login/two-factor",
        data={"code": code, "csrf_token": _form_token(page.text)},
        follow_redirects=False,
    )


def _fresh(app: Any) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)


def test_set_up_then_sign_in_with_a_code_and_no_replay(app: Any, pinned: Any) -> None:
    owner = _fresh(app)
    login(owner)
    other = _fresh(app)
    login(other)
    secret, _codes = _enrol(owner)
    # Turning it on ends the other sessions: they started with the password alone.
    assert owner.get("/account").status_code == 200
    assert other.get("/account").status_code == 303
    stored = _user(app)
    assert stored.totp_secret == secret
    # The password alone is no longer enough.
    browser = _fresh(app)
    step = _password(browser)
    assert step.status_code == 303 and step.headers["location"].startswith("/login/two-factor")
    assert browser.get("/account").status_code == 303
    # The code of the step already used to confirm is refused (replay), the next one works.
    used = _second(browser, _code(secret))
    assert used.status_code == 400 and "already used" in used.text
    pinned.at += timedelta(seconds=30)
    ok = _second(browser, _code(secret))
    assert ok.status_code == 303 and ok.headers["location"] == "/dashboard"
    assert browser.get("/account").status_code == 200
    # The same code again, from another browser, within its window: refused.
    thief = _fresh(app)
    _password(thief)
    assert _second(thief, _code(secret)).status_code == 400
    # An older code (the step before) is refused too, though the window would allow it.
    assert _second(thief, _code(secret, -30)).status_code == 400
    pinned.at += timedelta(seconds=30)
    assert _second(thief, _code(secret)).status_code == 303


def test_setting_up_asks_for_the_password_so_a_borrowed_session_cannot(
    app: Any, pinned: Any
) -> None:
    owner = _fresh(app)
    login(owner, username="manager")
    # Someone with a copy of the session cookie, but not the password.
    thief = _fresh(app)
    thief.cookies.set("feedback_session", owner.cookies["feedback_session"])
    page = thief.get("/account/two-factor")
    assert 'id="current" name="current" type="password"' in page.text
    found = re.search(r'id="manual-key">([A-Z2-7 ]+)<', page.text)
    assert found
    secret = found.group(1).replace(" ", "")
    form = {"csrf_token": _form_token(page.text), "action": "confirm"}
    for lang, password, message in [
        ("en", None, "Your current password is not right."),
        ("fr", "not the password", "Votre mot de passe actuel n&#39;est pas le bon."),
    ]:
        sent = {**form, "lang": lang, "code": _code(secret)}
        if password is not None:
            sent["current"] = password
        refused = thief.post("/account/two-factor", data=sent)
        assert refused.status_code == 400, lang
        # Beside the field, and in the summary linking to it.
        assert f'<p class="error-message" id="current-error">{message}</p>' in refused.text
        assert f'<a href="#current">{message}</a>' in refused.text
        assert _user(app, "manager").totp_secret is None
    # Guesses share the password change's limit: five in 15 minutes, then even the right one
    # waits.
    for n in range(3):
        thief.post("/account/two-factor", data={**form, "code": _code(secret), "current": f"{n}"})
    late = thief.post(
        "/account/two-factor", data={**form, "code": _code(secret), "current": ADMIN_PASSWORD}
    )
    assert late.status_code == 400 and "Too many failed sign-in attempts" in late.text
    assert _user(app, "manager").totp_secret is None
    # The owner, once the window has passed, sets it up with their password.
    pinned.at += timedelta(minutes=16)
    enrolled, _codes = _enrol(owner)
    assert _user(app, "manager").totp_secret == enrolled


def test_single_sign_on_accounts_have_no_password_to_give(app: Any) -> None:
    person = _fresh(app)
    login(person, username="manager")
    with session_scope(app.state.engine) as session:
        manager = auth.find_user(session, "manager")
        assert manager is not None
        manager.password_hash = ""  # as for an account made by single sign-on
    page = person.get("/account/two-factor")
    assert page.status_code == 200 and "single sign-on" in page.text
    assert 'name="current"' not in page.text and "<svg" not in page.text
    sent = person.post(
        "/account/two-factor",
        data={"csrf_token": _form_token(page.text), "action": "confirm", "code": "123456"},
    )
    assert sent.status_code == 303 and _user(app, "manager").totp_secret is None


def test_recovery_codes_work_once_and_are_kept_hashed(app: Any) -> None:
    owner = _fresh(app)
    login(owner)
    _secret, codes = _enrol(owner)
    stored = _user(app)
    assert not set(codes) & set(stored.recovery_codes)
    assert hashlib.sha256(codes[0].replace("-", "").encode()).hexdigest() in stored.recovery_codes
    first = _fresh(app)
    _password(first)
    assert _second(first, codes[0].upper()).status_code == 303  # typed in capitals, with dash
    second = _fresh(app)
    _password(second)
    assert _second(second, codes[0]).status_code == 400
    assert len(_user(app).recovery_codes) == totp.RECOVERY_CODES - 1


def test_wrong_codes_are_limited(app: Any) -> None:
    owner = _fresh(app)
    login(owner)
    _enrol(owner)
    guesser = _fresh(app)
    _password(guesser)
    for n in range(10):
        assert _second(guesser, f"{n:06d}").status_code == 400
    refused = _second(guesser, "123456")
    assert refused.status_code == 429 and "Too many wrong codes" in refused.text


def test_without_a_password_first_there_is_no_second_step(app: Any) -> None:
    stranger = _fresh(app)
    assert stranger.get("/login/two-factor").status_code == 303
    page = stranger.get("/login")
    sent = stranger.post(
        "/login/two-factor", data={"code": "123456", "csrf_token": _form_token(page.text)}
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/login")


@pytest.fixture
def strict(database_url: str) -> Iterator[Any]:
    """The app with FEEDBACK_REQUIRE_2FA on."""
    application = create_app(make_settings(database_url, require_2fa=True))
    seed_minimal(application)
    yield application
    application.state.engine.dispose()


def test_required_for_admins_who_are_sent_to_set_it_up_first(strict: Any) -> None:
    admin = _fresh(strict)
    login(admin)
    for path in ("/dashboard", "/admin/users", "/account"):
        sent = admin.get(path)
        assert sent.status_code == 303, path
        assert sent.headers["location"].startswith("/account/two-factor")
    page = admin.get("/account/two-factor")
    assert "must set up two-step sign-in" in page.text
    # Not for other roles.
    manager = _fresh(strict)
    login(manager, username="manager")
    assert manager.get("/account").status_code == 200
    _secret, _codes = _enrol(admin)
    assert admin.get("/admin/users").status_code == 200
    # And it cannot be turned off while required.
    token = _form_token(admin.get("/account/two-factor").text)
    off = admin.post(
        "/account/two-factor", data={"csrf_token": token, "action": "off", "code": _codes[1]}
    )
    assert off.status_code == 400 and _user(strict).totp_secret


def test_turn_off_and_admin_reset_after_a_lost_phone(app: Any, pinned: Any) -> None:
    person = _fresh(app)
    login(person, username="manager")
    secret, _codes = _enrol(person)
    pinned.at += timedelta(seconds=30)
    token = _form_token(person.get("/account/two-factor").text)
    off = person.post(
        "/account/two-factor", data={"csrf_token": token, "action": "off", "code": _code(secret)}
    )
    assert off.status_code == 303 and _user(app, "manager").totp_secret is None
    again, _codes = _enrol(person)
    assert again != secret  # a new set-up in the same session offers a new secret
    admin = _fresh(app)
    login(admin)
    manager = _user(app, "manager")
    token = _form_token(admin.get(f"/admin/users/{manager.id}").text)
    reset = admin.post(f"/admin/users/{manager.id}/two-factor", data={"csrf_token": token})
    assert reset.status_code == 303
    assert _user(app, "manager").totp_secret is None
    assert person.get("/account").status_code == 303  # their sessions ended with it
    assert _password(_fresh(app), "manager").headers["location"] == "/dashboard"


def test_an_operator_can_remove_a_lost_second_factor_from_the_command_line(
    app: Any, capsys: Any
) -> None:
    """The last admin lost their phone and codes: the command line is the way back in."""
    from feedback.cli import main

    admin = _fresh(app)
    login(admin)
    _enrol(admin)
    url = str(app.state.settings.database_url)
    assert main(["users", "reset-2fa", "nobody", "--database-url", url]) == 2
    assert main(["users", "reset-2fa", "admin", "--database-url", url]) == 0
    assert "Removed two-step sign-in of admin" in capsys.readouterr().out
    assert _user(app).totp_secret is None and _user(app).recovery_codes == []
    assert admin.get("/account").status_code == 303
    assert _password(_fresh(app)).headers["location"] == "/dashboard"
    login(admin)
    assert main(["users", "sign-out", "admin", "--database-url", url]) == 0
    assert "sessions ended: 2." in capsys.readouterr().out  # this one and the one above
    assert admin.get("/account").status_code == 303


def _with_second_factor(app: Any) -> tuple[int, str, list[str]]:
    """Give the admin a second factor directly; returns their id, secret and recovery codes."""
    with session_scope(app.state.engine) as session:
        user = auth.find_user(session, "admin")
        assert user is not None and user.id is not None
        user.totp_secret = pyotp.random_base32()
        codes = totp.new_recovery_codes(session, user)
        return user.id, user.totp_secret, codes


def _two_at_once(app: Any, user_id: int, first: str, second: str) -> tuple[bool, bool]:
    """Two requests read the account, then each checks its code and commits, in turn: the
    second one decides on what it read before the first one's write."""
    with Session(app.state.engine) as a, Session(app.state.engine) as b:
        user_a, user_b = a.get(StaffUser, user_id), b.get(StaffUser, user_id)
        assert user_a is not None and user_b is not None
        ok_a = totp.verify(a, user_a, first)
        a.commit()
        ok_b = totp.verify(b, user_b, second)
        b.commit()
    return ok_a, ok_b


def test_the_same_code_twice_at_once_is_accepted_once(app: Any) -> None:
    user_id, secret, _codes = _with_second_factor(app)
    assert _two_at_once(app, user_id, _code(secret), _code(secret)) == (True, False)
    assert _user(app).totp_last_step == pyotp.TOTP(secret).timecode(_Clock.at)
    # A later code is still taken, then refused in turn.
    _Clock.at += timedelta(seconds=30)
    assert _two_at_once(app, user_id, _code(secret), _code(secret)) == (True, False)


def test_a_recovery_code_twice_at_once_is_accepted_once(app: Any) -> None:
    user_id, _secret, codes = _with_second_factor(app)
    assert _two_at_once(app, user_id, codes[0], codes[0]) == (True, False)
    assert len(_user(app).recovery_codes) == totp.RECOVERY_CODES - 1
    # Two different codes at once both work, and neither write brings the other code back.
    assert _two_at_once(app, user_id, codes[1], codes[2]) == (True, True)
    left = _user(app).recovery_codes
    assert len(left) == totp.RECOVERY_CODES - 3
    for used in codes[:3]:
        assert hashlib.sha256(used.replace("-", "").encode()).hexdigest() not in left


def _user(app: Any, username: str = "admin") -> Any:
    with session_scope(app.state.engine) as session:
        found = auth.find_user(session, username)
        assert found is not None
        return found


# ---- in the browser: the pages, axe-core, screenshots ----


@pytest.mark.browser
def test_two_step_pages_pass_axe_in_both_languages(live_app: Any, browser: Any) -> None:
    app, server = live_app
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    for lang in ("en", "fr"):
        page.goto(f"{server.url}/login?lang={lang}")
        assert axe_violations(page) == [], ("password", lang)
        save_shot(page, f"security-signin-password-{lang}.png", full_page=True)
    page.goto(f"{server.url}/login?lang=en")
    page.fill("#username", "manager")
    page.fill("#password", ADMIN_PASSWORD)
    with page.expect_navigation():  # the answer to this post, not the page before
        page.press("#password", "Enter")
    secret = ""
    for lang in ("en", "fr"):
        page.goto(f"{server.url}/account/two-factor?lang={lang}")
        assert page.locator(".totp-qr svg").is_visible()
        assert axe_violations(page) == [], ("enrol", lang)
        save_shot(page, f"security-signin-enrol-{lang}.png", full_page=True)
        secret = page.locator("#manual-key").inner_text().replace(" ", "")
        # The QR code as drawn on screen reads back as the same key for the same account.
        drawn = Image.open(io.BytesIO(page.locator(".totp-qr svg").screenshot()))
        [read] = zxingcpp.read_barcodes(drawn)
        assert read.text == pyotp.TOTP(secret).provisioning_uri(
            name="manager", issuer_name="Service feedback"
        )
        # A wrong password: the error beside its field.
        page.fill("#current", "not the password")
        page.fill("#code", pyotp.TOTP(secret).at(_Clock.at))
        with page.expect_navigation():  # the answer to this post, not the page before
            page.press("#code", "Enter")
        assert page.locator("#current-error").is_visible()
        assert axe_violations(page) == [], ("enrol password error", lang)
        save_shot(page, f"security-signin-enrol-error-{lang}.png", full_page=True)
    page.fill("#current", ADMIN_PASSWORD)
    page.fill("#code", pyotp.TOTP(secret).at(_Clock.at))
    with page.expect_navigation():  # the answer to this post, not the page before
        page.press("#code", "Enter")
    assert page.locator(".recovery-codes li").count() == totp.RECOVERY_CODES
    assert axe_violations(page) == [], "recovery codes"
    save_shot(page, "security-signin-recovery-codes-fr.png", full_page=True)
    for lang in ("en", "fr"):
        page.goto(f"{server.url}/account?lang={lang}")
        assert page.locator(".sessions-table tbody tr").count() == 1
        assert axe_violations(page) == [], ("account", lang)
        save_shot(page, f"security-account-{lang}.png", full_page=True)
    context.close()
    for lang in ("en", "fr"):
        context = browser.new_context(viewport={"width": 1000, "height": 700})
        page = context.new_page()
        page.goto(f"{server.url}/login?lang={lang}")
        page.fill("#username", "manager")
        page.fill("#password", ADMIN_PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_url("**/login/two-factor**")
        assert axe_violations(page) == [], ("code", lang)
        save_shot(page, f"security-signin-code-{lang}.png", full_page=True)
        page.fill("#code", "000000")
        with page.expect_navigation():  # the answer to this post, not the page before
            page.press("#code", "Enter")
        assert page.locator(".error-summary").is_visible()
        assert axe_violations(page) == [], ("code error", lang)
        save_shot(page, f"security-signin-code-error-{lang}.png", full_page=True)
        context.close()

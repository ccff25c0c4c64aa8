"""Staff single sign-on, end to end in Chromium against a real OpenID Connect provider (the npm
package oidc-provider, started by the test from tests/oidc/), on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from test_route_inventory import csrf_of

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import StaffUser
from feedback.staff import auth, sessions

from conftest import (
    ADMIN_PASSWORD,
    LiveServer,
    axe_violations,
    make_settings,
    save_shot,
    seed_minimal,
)
from servers import free_port

OIDC_DIR = Path(__file__).parents[1] / "oidc"
PERSON = {"username": "amelie.roy", "password": "ssotest-password-1"}
CLIENT = {"oidc_client_id": "feedback-staff", "oidc_client_secret": "feedback-test-secret"}

pytestmark = pytest.mark.browser


class Provider:
    """tests/oidc/provider.mjs running on Node.js: one client, one person."""

    def __init__(self, port: int, redirect_uri: str) -> None:
        node = shutil.which("node")
        if node is None:
            pytest.skip("single sign-on tests need Node.js (Debian package nodejs)")
        if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            pytest.skip("single sign-on tests need the provider: npm ci --prefix tests/oidc")
        self.issuer = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [node, str(OIDC_DIR / "provider.mjs"), str(port), redirect_uri],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until it listens (or dies)
        if not line.startswith("ready "):
            self.process.kill()
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=5)


@pytest.fixture
def sso(database_url: str) -> Iterator[Any]:
    """The app with single sign-on to a real provider, served over HTTP, both on free ports."""

    def start(**settings: Any) -> tuple[Any, LiveServer, Provider]:
        port, idp_port = free_port(), free_port()
        provider = Provider(idp_port, f"http://127.0.0.1:{port}/login/sso/callback")
        started.append(provider)
        config = make_settings(
            database_url,
            base_url=f"http://127.0.0.1:{port}",
            oidc_issuer=provider.issuer,
            oidc_name="Test ID",
            **CLIENT,
            **settings,
        )
        application = create_app(config)
        seed_minimal(application)
        server = LiveServer(application, port).__enter__()
        servers.append((application, server))
        return application, server, provider

    started: list[Provider] = []
    servers: list[tuple[Any, LiveServer]] = []
    yield start
    for application, server in servers:
        server.__exit__(None, None, None)
        application.state.engine.dispose()
    for provider in started:
        provider.stop()


def _sign_in_at_provider(page: Any, server: LiveServer, lang: str = "en") -> None:
    page.goto(f"{server.url}/login?lang={lang}")
    label = "Sign in with Test ID" if lang == "en" else "Se connecter avec Test ID"
    page.get_by_role("link", name=label).click()
    page.wait_for_selector("#login")  # the provider's own sign-in page
    page.fill("#login", PERSON["username"])
    page.fill("#password", PERSON["password"])
    page.click("button[type=submit]")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_load_state()


def _user(app: Any, **where: str) -> StaffUser:
    with session_scope(app.state.engine) as session:
        found = [
            u for u in auth.list_users(session) if all(getattr(u, k) == v for k, v in where.items())
        ]
    assert len(found) == 1, found
    return found[0]


def test_first_sign_in_makes_an_account_without_a_role_until_an_admin_grants_one(
    sso: Any, browser: Any
) -> None:
    app, server, provider = sso()
    # A local account with the same name and email exists: single sign-on must not take it
    # over (accounts are linked by issuer and subject, never by email or name).
    with session_scope(app.state.engine) as session:
        local = auth.create_user(
            session, username="amelie.roy", password=ADMIN_PASSWORD, role="admin"
        )
        local.email = "amelie.roy@example.ca"
    context = browser.new_context()
    page = context.new_page()
    _sign_in_at_provider(page, server)
    assert page.url.startswith(server.url)
    assert page.get_by_role("heading", level=1).inner_text() == "Ask an administrator for access"
    assert axe_violations(page) == []
    save_shot(page, "security-signin-no-access-en.png")
    person = _user(app, oidc_issuer=provider.issuer)
    assert person.oidc_subject == "u-4821" and person.role == ""
    assert person.username == "amelie.roy-2" and person.password_hash == ""
    assert _user(app, username="amelie.roy").oidc_subject is None
    # Nothing but that page, on every staff path.
    page.goto(f"{server.url}/admin/users")
    assert "Ask an administrator" in page.content()
    # An admin sees them waiting and grants a role: the waiting session ends, and the next
    # sign-in has the role.
    admin = browser.new_context().new_page()
    admin.goto(f"{server.url}/login")
    admin.fill("#username", "admin")
    admin.fill("#password", ADMIN_PASSWORD)
    admin.press("#password", "Enter")
    admin.wait_for_load_state()
    admin.goto(f"{server.url}/admin/users")
    waiting = admin.locator(".waiting-access")
    assert "amelie.roy-2 (amelie.roy@example.ca)" in waiting.inner_text()
    assert axe_violations(admin) == []
    save_shot(admin, "security-users-waiting-en.png")
    admin.goto(f"{server.url}/admin/users?lang=fr")
    assert "En attente d'accès" in admin.locator(".waiting-access").inner_text()
    assert axe_violations(admin) == []
    save_shot(admin, "security-users-waiting-fr.png")
    admin.goto(f"{server.url}/admin/users?lang=en")
    waiting.get_by_role("link", name="amelie.roy-2").click()
    admin.check("#role-viewer")
    admin.check("#service-licences")
    admin.get_by_role("button", name="Save the role and services").click()
    admin.wait_for_load_state()
    assert _user(app, oidc_issuer=provider.issuer).role == "viewer"
    admin.context.close()
    page.goto(f"{server.url}/account")
    assert "/login" in page.url
    page.get_by_role("link", name="Sign in with Test ID").click()
    page.wait_for_url(f"{server.url}/**")
    page.goto(f"{server.url}/account")
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"
    assert "Single sign-on" in page.content()
    context.close()


def test_roles_come_from_the_configured_claim_and_local_passwords_can_be_off(
    sso: Any, browser: Any
) -> None:
    app, server, provider = sso(oidc_roles_claim="feedback_roles", local_passwords=False)
    context = browser.new_context(locale="fr-CA")
    page = context.new_page()
    page.goto(f"{server.url}/login?lang=fr")
    assert page.locator("#password").count() == 0  # no password form at all
    assert axe_violations(page) == []
    _sign_in_at_provider(page, server, lang="fr")
    assert _user(app, oidc_issuer=provider.issuer).role == "manager"
    page.goto(f"{server.url}/account?lang=fr")
    assert page.get_by_role("heading", level=1).inner_text() == "Votre compte"
    context.close()
    # A password sign-in is refused even with the right password and a valid CSRF token.
    with TestClient(app, base_url=server.url) as client:
        client.get("/login")
        form = {"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": csrf_of(client)}
        refused = client.post("/login", data={**form, "lang": "fr"}, follow_redirects=False)
    assert refused.status_code == 400
    assert "authentification unique" in refused.text
    admin = _user(app, username="admin")
    with session_scope(app.state.engine) as session:
        assert sessions.live(session, admin.id or 0, policy=sessions.Policy(60, 60)) == []


def test_a_refused_consent_or_a_forged_callback_signs_nobody_in(sso: Any, browser: Any) -> None:
    app, server, provider = sso()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.get_by_role("link", name="Sign in with Test ID").click()
    page.wait_for_selector("#login")
    page.fill("#login", PERSON["username"])
    page.fill("#password", PERSON["password"])
    page.click("button[type=submit]")
    page.get_by_role("button", name="Deny").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{server.url}/login/sso/callback")
    assert "Single sign-on did not work" in page.content()
    # A made-up answer (no state of ours) is refused too.
    page.goto(f"{server.url}/login/sso/callback?code=abc&state=forged")
    assert "Single sign-on did not work" in page.content()
    page.goto(f"{server.url}/account")
    assert "/login" in page.url
    with session_scope(app.state.engine) as session:
        assert [u for u in auth.list_users(session) if u.oidc_subject] == []
    context.close()


def test_sign_in_pages_pass_axe_and_are_pictured_in_both_languages(sso: Any, browser: Any) -> None:
    """The password form with the single sign-on button; FEEDBACK_SCREENSHOTS=1 saves the
    screenshots to docs/screenshots/."""
    app, server, provider = sso()
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    for lang in ("en", "fr"):
        page.goto(f"{server.url}/login?lang={lang}")
        assert page.locator(".sso-button").is_visible()
        assert axe_violations(page) == [], lang
        save_shot(page, f"security-signin-sso-{lang}.png")
    context.close()

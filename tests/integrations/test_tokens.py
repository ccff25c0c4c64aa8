"""API tokens: shown once, stored hashed, scoped, revocable; the admin page and the CLI."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.cli import main
from feedback.core.db import session_scope
from feedback.core.models import ApiToken, AuditEntry, utcnow
from feedback.integrations import tokens


def read(client: TestClient, app: Any, secret: str) -> Any:
    return client.get(
        f"/api/v1/surveys/{app.state.ids['v2']}/responses",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_stored_as_a_hash_with_prefix_verified_and_revoked(client: TestClient, app: Any) -> None:
    with session_scope(app.state.engine) as session:
        created = tokens.create(session, name="CRM", scopes=["read"], by="test")
    secret = created.secret
    with session_scope(app.state.engine) as session:
        row = session.exec(select(ApiToken)).one()
        assert row.token_hash == tokens.hash_token(secret) and secret not in row.token_hash
        assert secret.startswith(row.prefix) and len(row.prefix) == 12
        assert row.last_used_at is None
    assert read(client, app, secret).status_code == 200
    with session_scope(app.state.engine) as session:
        first_use = session.exec(select(ApiToken)).one().last_used_at
    assert first_use is not None
    assert read(client, app, secret).status_code == 200
    with session_scope(app.state.engine) as session:
        assert session.exec(select(ApiToken)).one().last_used_at == first_use  # once a minute
        session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=2)))
    read(client, app, secret)
    with session_scope(app.state.engine) as session:
        later = session.exec(select(ApiToken)).one().last_used_at
        assert later is not None and later.replace(tzinfo=None) > first_use.replace(tzinfo=None)
        tokens.revoke(session, token_id=created.token.id or 0, by="test")
    revoked = read(client, app, secret)
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "unauthorized"
    assert read(client, app, secret[:-1] + "x").status_code == 401
    assert (
        client.get(
            f"/api/v1/surveys/{app.state.ids['v2']}/responses",
            headers={"Authorization": f"Basic {secret}"},
        ).status_code
        == 401
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_create_refuses_bad_input(app: Any) -> None:
    with session_scope(app.state.engine) as session:
        for kwargs in (
            {"name": "", "scopes": ["read"]},
            {"name": "x", "scopes": []},
            {"name": "x", "scopes": ["admin"]},
            {"name": "x", "scopes": ["read"], "service_ids": ["nope"]},
        ):
            with pytest.raises(tokens.TokenError):
                tokens.create(session, by="test", **kwargs)  # type: ignore[arg-type]


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_admin_creates_shows_once_lists_and_revokes(staff: TestClient, app: Any) -> None:
    page = staff.get("/admin/tokens?lang=fr")
    assert page.status_code == 200 and "Jetons d’API" in page.text
    token = csrf(page.text)
    refused = staff.post("/admin/tokens", data={"csrf_token": token, "name": ""})
    assert refused.status_code == 400 and 'href="#name"' in refused.text
    made = staff.post(
        "/admin/tokens",
        data={"csrf_token": token, "name": "IVR", "scopes": ["ingest"], "services": ["parks"]},
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = re.search(r"fbk_[\w-]+", made.text)
    assert secret
    listing = staff.get("/admin/tokens").text
    assert secret.group(0) not in listing and secret.group(0)[:12] in listing
    assert "Never" in listing and "Park passes" in listing
    with session_scope(app.state.engine) as session:
        row = session.exec(select(ApiToken)).one()
        assert row.scopes == ["ingest"] and row.service_ids == ["parks"]
        assert row.created_by == "admin"
    no_csrf = staff.post(f"/admin/tokens/{row.id}/revoke", data={})
    assert no_csrf.status_code == 403
    done = staff.post(
        f"/admin/tokens/{row.id}/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    assert "Revoked" in staff.get("/admin/tokens").text
    with session_scope(app.state.engine) as session:
        actions = [(e.action, e.detail) for e in session.exec(select(AuditEntry))]
    assert [a for a, _d in actions if a.startswith("token.")] == ["token.create", "token.revoke"]
    assert all(secret.group(0) not in str(d) for _a, d in actions)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_cli_adds_lists_and_revokes(app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    url = app.state.engine.url.render_as_string(hide_password=False)
    assert main(["tokens", "add", "Paper", "--scope", "ingest", "--database-url", url]) == 0
    out = capsys.readouterr()
    secret = out.out.strip()
    assert secret.startswith("fbk_") and "shown only this once" in out.err
    assert main(["tokens", "list", "--database-url", url]) == 0
    listed = capsys.readouterr().out
    assert "Paper" in listed and secret not in listed and "active" in listed
    token_id = listed.split("\t")[0]
    assert main(["tokens", "revoke", token_id, "--database-url", url]) == 0
    assert main(["tokens", "list", "--database-url", url]) == 0
    assert "revoked" in capsys.readouterr().out
    with session_scope(app.state.engine) as session:
        assert tokens.verify(session, secret) is None


@pytest.mark.browser
def test_token_and_webhook_pages_pass_axe_in_both_languages(live_app: Any, browser: Any) -> None:
    from feedback.core.models import WebhookDelivery
    from feedback.integrations import webhooks

    from conftest import ADMIN_PASSWORD, axe_violations, save_shot

    app, server = live_app
    with session_scope(app.state.engine) as session:
        tokens.create(session, name="Call centre IVR", scopes=["ingest"], by="admin")
        reader = tokens.create(
            session, name="Data warehouse", scopes=["read"], service_ids=["licences"], by="admin"
        )
        tokens.revoke(session, token_id=reader.token.id or 0, by="admin")
        hook, _secret = webhooks.add(
            session,
            service_id="licences",
            url="https://crm.example.gc.ca/hooks/feedback",
            by="admin",
            allow_private=True,
        )
        now = utcnow()
        for status, attempts, last, error in (
            ("sent", 1, 200, None),
            ("pending", 2, 500, "HTTP 500"),
            ("failed", 8, None, "TimeoutError: timed out"),
        ):
            session.add(
                WebhookDelivery(
                    webhook_id=hook.id or 0,
                    event="response.created",
                    payload={},
                    status=status,
                    attempts=attempts,
                    last_status=last,
                    last_error=error,
                    next_attempt_at=now + timedelta(minutes=2),
                    sent_at=now if status == "sent" else None,
                )
            )
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/dashboard**")
    for lang in ("en", "fr"):
        for name in ("tokens", "webhooks"):
            page.goto(f"{server.url}/admin/{name}?lang={lang}")
            assert page.evaluate("document.documentElement.lang") == lang
            assert axe_violations(page) == [], (name, lang)
            save_shot(page, f"integrations-{name}-{lang}.png", full_page=True)
        # The result page that shows a new token once, and an error summary.
        page.goto(f"{server.url}/admin/tokens?lang={lang}")
        page.fill("#name", "Paper forms" if lang == "en" else "Formulaires papier")
        page.check("#scope-ingest")
        page.locator("form[action='/admin/tokens'] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".token-secret").is_visible()
        assert axe_violations(page) == [], ("token created", lang)
        save_shot(page, f"integrations-token-created-{lang}.png")
        page.goto(f"{server.url}/admin/webhooks?lang={lang}")
        page.select_option("#service", "licences")
        page.fill("#url", "ftp://nope")
        page.locator("form[action='/admin/webhooks'] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#url-error").is_visible()
        assert axe_violations(page) == [], ("webhook error", lang)
        save_shot(page, f"integrations-webhook-error-{lang}.png")
    context.close()

"""Revoking a token and turning off a webhook ask first, on a page that needs no script."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import ApiToken, Webhook
from feedback.integrations import tokens, webhooks

from conftest import login


def _csrf(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found
    return found.group(1)


def test_revoking_a_token_asks_first(client: TestClient, app: Any) -> None:
    with session_scope(app.state.engine) as session:
        token_id = tokens.create(
            session, name="Call centre IVR", scopes=["ingest"], by="t"
        ).token.id
    login(client, "admin")
    listing = client.get("/admin/tokens?lang=fr")
    confirm_url = f"/admin/tokens/{token_id}/revoke?lang=fr"
    assert confirm_url in listing.text  # a link to the question, not a button that acts
    page = client.get(confirm_url)
    assert page.status_code == 200 and "Révoquer le jeton « Call centre IVR »?" in page.text
    assert "<script" not in page.text.split("<main")[1]
    with session_scope(app.state.engine) as session:
        assert session.exec(select(ApiToken)).one().revoked_at is None  # asking changed nothing
    done = client.post(
        f"/admin/tokens/{token_id}/revoke",
        data={"csrf_token": _csrf(page.text), "lang": "fr"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "done=revoked" in done.headers["location"]
    with session_scope(app.state.engine) as session:
        assert session.exec(select(ApiToken)).one().revoked_at is not None
    # Asked again about a revoked token: straight back to the list.
    assert client.get(confirm_url, follow_redirects=False).status_code == 303
    for bad in ("999", "0", "99999999999999999999999", "x"):
        assert client.get(f"/admin/tokens/{bad}/revoke").status_code == 404
    login(client, "manager")
    assert client.get(confirm_url).status_code == 403


def test_turning_off_a_webhook_asks_first(client: TestClient, app: Any) -> None:
    with session_scope(app.state.engine) as session:
        hook, _secret = webhooks.add(
            session,
            service_id="licences",
            url="https://crm.example.gc.ca/hooks",
            by="admin",
            allow_private=True,
        )
        hook_id = hook.id
    login(client, "admin")
    confirm_url = f"/admin/webhooks/{hook_id}/disable?lang=en"
    assert confirm_url in client.get("/admin/webhooks?lang=en").text
    page = client.get(confirm_url)
    assert page.status_code == 200 and "Turn off this webhook?" in page.text
    assert "https://crm.example.gc.ca/hooks" in page.text and "Licence renewals" in page.text
    done = client.post(
        f"/admin/webhooks/{hook_id}/disable",
        data={"csrf_token": _csrf(page.text), "lang": "en"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with session_scope(app.state.engine) as session:
        assert not session.exec(select(Webhook)).one().active
    assert client.get("/admin/webhooks/99999999999999999999/disable").status_code == 404

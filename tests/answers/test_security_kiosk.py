"""Kiosk tablets are enrolled by an admin; only they get the kiosk limit and channel."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kiosk_devices import enrol_client
from sqlmodel import func, select
from starlette.testclient import TestClient

from feedback.answers import kiosks
from feedback.core import limits
from feedback.core.db import session_scope
from feedback.core.models import KioskDevice, Response

from conftest import login


@pytest.fixture(autouse=True)
def one_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "now", lambda: datetime(2026, 11, 23, 12, 0, 20, tzinfo=UTC))


def _stored(app: Any, channel: str | None = None) -> int:
    with session_scope(app.state.engine) as session:
        stmt = select(func.count()).select_from(Response)
        if channel:
            stmt = stmt.where(Response.channel == channel)
        return int(session.exec(stmt).one())


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def test_100_posts_from_a_client_that_is_not_a_tablet(app: Any) -> None:
    survey = app.state.ids["counter"]
    with TestClient(app, client=("198.51.100.40", 5000)) as c:
        # The kiosk page gives it nothing to post with, and no proof of any kind.
        page = c.get(f"/k/{survey}?lang=en")
        assert page.status_code == 403 and "not set up as a kiosk" in page.text
        assert "<form" not in page.text.split("<main")[1] and "kiosk_proof" not in page.text
        kiosk = {"lang": "en", "channel": "kiosk", "q_satisfaction": "5"}
        codes = [
            c.post(f"/k/{survey}", data={**kiosk, "submission_id": f"k{n}"}).status_code
            for n in range(50)
        ]
        web = {**kiosk, "channel": "in_person"}
        codes += [
            c.post(f"/s/{survey}", data={**web, "submission_id": f"w{n}"}).status_code
            for n in range(50)
        ]
    assert codes[:50] == [403] * 50  # kiosk answers need an enrolled tablet
    # On another channel it is limited like any client (the survey's 30 a minute).
    assert codes[50:].count(200) == 30 and codes[50:].count(429) == 20
    assert _stored(app, "kiosk") == 0 and _stored(app) == 30


def test_an_admin_enrols_a_tablet_that_then_gets_the_kiosk_channel(app: Any) -> None:
    survey = app.state.ids["counter"]
    with TestClient(app, base_url="http://127.0.0.1:8000") as admin:
        login(admin)
        listing = admin.get("/admin/kiosks?lang=fr")
        assert listing.status_code == 200 and "Tablettes de borne" in listing.text
        token = _hidden(listing.text)["csrf_token"]
        added = admin.post("/admin/kiosks", data={"csrf_token": token, "name": "Comptoir 3"})
        link = re.search(r"http://127\.0\.0\.1:8000(/kiosk/enrol/[\w-]+)\?lang=\w+", added.text)
        assert added.status_code == 200 and link, added.text
        # Shown once: the list keeps only its state.
        assert link.group(1) not in admin.get("/admin/kiosks").text
    with TestClient(app, client=("203.0.113.50", 5000)) as tablet:
        shown = tablet.get(link.group(1))
        assert shown.status_code == 200 and "Comptoir 3" in shown.text
        assert "set-cookie" not in shown.headers  # a link preview uses nothing up
        done = tablet.post(link.group(1), data={"lang": "en"})
        cookie = done.headers["set-cookie"]
        assert done.status_code == 200 and cookie.startswith(f"{kiosks.COOKIE}=")
        for flag in ("HttpOnly", "Path=/k/", "SameSite=strict", "Max-Age=34560000"):
            assert flag.lower() in cookie.lower(), cookie
        # The link works once.
        assert tablet.post(link.group(1), data={"lang": "en"}).status_code == 404
        page = tablet.get(f"/k/{survey}?lang=en")
        assert page.status_code == 200 and "kiosk_proof" not in page.text
        assert tablet.cookies.get(kiosks.COOKIE) not in page.text  # HttpOnly, never on a page
        data = {**_hidden(page.text), "q_satisfaction": "4"}
        assert tablet.post(f"/k/{survey}", data=data).status_code == 200
    assert _stored(app, "kiosk") == 1
    with session_scope(app.state.engine) as session:
        (device,) = session.exec(select(KioskDevice)).all()
        assert device.last_used_at is not None and device.enrolled_at is not None
        assert device.secret_hash and device.enrol_hash is None


def test_a_revoked_tablet_is_refused_at_once(app: Any) -> None:
    survey = app.state.ids["counter"]
    with TestClient(app) as tablet:
        enrol_client(tablet, app, name="Lost tablet")
        data = {**_hidden(tablet.get(f"/k/{survey}").text), "q_satisfaction": "3"}
        with session_scope(app.state.engine) as session:
            (device,) = session.exec(select(KioskDevice)).all()
            assert device.id is not None
            kiosks.revoke(session, device_id=device.id, by="test")
        assert tablet.post(f"/k/{survey}", data=data).status_code == 403
        assert tablet.get(f"/k/{survey}").status_code == 403
    with TestClient(app) as admin:
        login(admin)
        page = admin.get("/admin/kiosks")
        assert "Lost tablet" in page.text and "Revoked" in page.text
    assert _stored(app) == 0


def test_revoking_through_the_admin_page(app: Any) -> None:
    with session_scope(app.state.engine) as session:
        device, _code = kiosks.add(session, name="Desk 9", by="test")
        device_id = device.id
    with TestClient(app) as admin:
        login(admin)
        confirm = admin.get(f"/admin/kiosks/{device_id}/revoke?lang=fr")
        assert confirm.status_code == 200 and "Desk 9" in confirm.text
        token = _hidden(confirm.text)["csrf_token"]
        done = admin.post(
            f"/admin/kiosks/{device_id}/revoke", data={"csrf_token": token}, follow_redirects=False
        )
        assert done.status_code == 303
        assert admin.get("/admin/kiosks/99999999999999999999/revoke").status_code == 404
    with session_scope(app.state.engine) as session:
        found = session.get(KioskDevice, device_id)
        assert found is not None and found.revoked_at is not None


def test_an_expired_link_enrols_nothing(app: Any) -> None:
    with session_scope(app.state.engine) as session:
        device, code = kiosks.add(session, name="Late", by="test")
        device.enrol_expires_at = datetime.now(UTC) - timedelta(minutes=1)
        session.add(device)
    with TestClient(app) as tablet:
        refused = tablet.post(f"/kiosk/enrol/{code}", data={"lang": "fr"})
        assert refused.status_code == 404 and "set-cookie" not in refused.headers
        assert tablet.get("/kiosk/enrol/nonsense").status_code == 404

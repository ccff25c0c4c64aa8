"""Test helper: enrol a kiosk tablet and hand its cookie to a test client or a browser."""

from __future__ import annotations

from typing import Any

from feedback.answers import kiosks
from feedback.core.db import session_scope


def tablet_secret(app: Any, name: str = "Front counter") -> str:
    """Add and enrol a tablet, as an admin and the tablet would; its secret."""
    with session_scope(app.state.engine) as session:
        _device, code = kiosks.add(session, name=name, by="test")
        enrolled = kiosks.enrol(session, code)
        assert enrolled is not None
        return enrolled[1]


def enrol_client(client: Any, app: Any, name: str = "Front counter") -> str:
    """Make a TestClient an enrolled tablet (the cookie goes to /k/ only); its secret."""
    secret = tablet_secret(app, name)
    client.cookies.set(kiosks.COOKIE, secret, path=kiosks.COOKIE_PATH)
    return secret


def enrol_browser(context: Any, app: Any, base_url: str, name: str = "Front counter") -> str:
    """Make a Playwright browser context an enrolled tablet; its secret."""
    secret = tablet_secret(app, name)
    context.add_cookies(
        [{"name": kiosks.COOKIE, "value": secret, "url": f"{base_url}{kiosks.COOKIE_PATH}"}]
    )
    return secret

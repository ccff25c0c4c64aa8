"""Kiosk tablets in Chromium: the admin page, the enrolment link on the tablet and the kiosk
page of a device that is not a tablet, in English and French, each passing axe-core.
FEEDBACK_SCREENSHOTS=1 saves them to docs/screenshots/ (see save_shot in tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import ADMIN_PASSWORD, axe_violations, save_shot


@pytest.mark.browser
def test_kiosk_tablets_from_admin_to_counter(live_app: Any, browser: Any) -> None:
    app, server = live_app
    counter = app.state.ids["counter"]
    admin = browser.new_context(viewport={"width": 1100, "height": 900})
    page = admin.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/dashboard**")
    links = {}
    for lang, name in (("en", "Front counter, Ottawa office"), ("fr", "Comptoir 2, Gatineau")):
        page.goto(f"{server.url}/admin/kiosks?lang={lang}")
        page.locator("form[action='/admin/kiosks'] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".error-summary").is_visible()
        assert axe_violations(page) == [], ("kiosks error", lang)
        page.fill("#name", name)
        page.locator("form[action='/admin/kiosks'] button[type=submit]").click()
        page.wait_for_load_state()
        links[lang] = page.locator("code.token-secret").inner_text().strip()
        assert axe_violations(page) == [], ("kiosk added", lang)
        save_shot(page, f"security-kiosks-added-{lang}.png", full_page=True)
    admin.close()
    for lang in ("en", "fr"):
        tablet = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
        page = tablet.new_page()
        page.goto(f"{server.url}/k/{counter}?lang={lang}")
        assert page.locator("form.kiosk-form").count() == 0
        assert axe_violations(page) == [], ("not a tablet", lang)
        save_shot(page, f"security-kiosk-not-enrolled-{lang}.png", full_page=True)
        page.goto(links[lang])
        assert axe_violations(page) == [], ("enrol", lang)
        save_shot(page, f"security-kiosk-enrol-{lang}.png", full_page=True)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".confirmation").is_visible()
        assert axe_violations(page) == [], ("enrolled", lang)
        save_shot(page, f"security-kiosk-enrolled-{lang}.png", full_page=True)
        # The key is HttpOnly: no script on the page can read it.
        assert page.evaluate("() => document.cookie") == ""
        page.goto(f"{server.url}/k/{counter}?lang={lang}")
        page.locator("form.kiosk-form").wait_for()
        tablet.close()
    admin = browser.new_context(viewport={"width": 1100, "height": 900})
    page = admin.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/dashboard**")
    for lang in ("en", "fr"):
        page.goto(f"{server.url}/admin/kiosks?lang={lang}")
        assert page.locator("tbody tr").count() == 2
        assert axe_violations(page) == [], ("kiosks", lang)
        save_shot(page, f"security-kiosks-{lang}.png", full_page=True)
    page.locator("tbody a.button").first.click()
    page.wait_for_load_state()
    assert axe_violations(page) == []
    save_shot(page, "security-kiosk-revoke-fr.png", full_page=True)
    admin.close()

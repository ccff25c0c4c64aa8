"""The pages of channel integrity and test answers in Chromium, in English and French: the share
page (a channel not offered, adding one, the preview and its test answers), the page a link
for a channel not offered gets, the hosted form in a staff preview, and the exports page.
axe-core finds nothing; FEEDBACK_SCREENSHOTS=1 saves each page to docs/screenshots/ (see save_shot
in tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import ADMIN_PASSWORD, axe_violations, save_shot


def _clean(page: Any) -> None:
    assert axe_violations(page) == []


@pytest.mark.browser
def test_channel_and_test_answer_pages_pass_axe_in_both_languages(
    live_app: Any, browser: Any
) -> None:
    app, server = live_app
    survey = app.state.ids["page"]  # offered on the web only
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/login?lang=en")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard**")
    for lang in ("en", "fr"):
        # A citizen's link for a channel the survey does not offer.
        shown = page.goto(f"{server.url}/s/{survey}?channel=phone&lang={lang}")
        assert shown is not None and shown.status == 404
        _clean(page)
        save_shot(page, f"channels-not-set-up-{lang}.png", full_page=True)
        # The share page, asked for the kiosk the survey lacks.
        page.goto(f"{server.url}/admin/surveys/{survey}/share?channel=kiosk&lang={lang}")
        assert page.locator(".warning-box form button").count() == 1
        _clean(page)
        save_shot(page, f"channels-share-not-offered-{lang}.png", full_page=True)
        # The live preview: its frame says its answers are test answers; send one.
        frame = page.frame_locator("iframe.share-preview")
        frame.locator(".preview-banner").wait_for()
        frame.locator("input[name=q_found][value=true]").check(force=True)
        frame.locator("button[type=submit]").click()
        frame.locator("[role=status]").first.wait_for()
        page.goto(f"{server.url}/admin/surveys/{survey}/share?lang={lang}")
        delete = page.locator("form[action*='/tests/delete'] button")
        assert delete.count() == 1
        _clean(page)
        save_shot(page, f"channels-share-tests-{lang}.png", full_page=True)
        preview = page.locator("iframe.share-preview").get_attribute("src")
        assert preview
        page.goto(server.url + preview)
        _clean(page)
        save_shot(page, f"channels-preview-form-{lang}.png", full_page=True)
        page.goto(f"{server.url}/admin/surveys/{survey}/share?lang={lang}")
        page.locator("form[action*='/tests/delete'] button").click()
        page.wait_for_load_state()
        assert page.locator("form[action*='/tests/delete']").count() == 0
        _clean(page)
        save_shot(page, f"channels-share-tests-deleted-{lang}.png", full_page=True)
        page.goto(f"{server.url}/dashboard/exports?lang={lang}")
        assert page.locator("#include_tests").count() == 1
        _clean(page)
        save_shot(page, f"exports-include-tests-{lang}.png", full_page=True)
    context.close()

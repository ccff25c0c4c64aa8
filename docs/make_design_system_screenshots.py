"""Take the widget-ds-* screenshots in docs/screenshots: the widget on pages built with GOV.UK
Frontend, USWDS, Bootstrap 5 and the GC Design System, in English and French.

Usage: npm ci --prefix tests/design_systems && python docs/make_design_system_screenshots.py
Serves the app (a fresh SQLite file) and the host pages of tests/design_systems on their own
origin, and drives Debian's chromium through Playwright. Each system gets seven views, saved
as widget-ds-<system>-<view>-<lang>.png: inline, tab, dialog (opened from the tab), phone (the
tab at 375 px), phone-focus (the same with "Continue" focused), dark (a dark system setting,
inline) and modal (the page's own modal dialog open over the tab).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]

from design_systems.hosts import SYSTEMS, WORDS, host_app  # noqa: E402
from design_systems.probes import SETTLE  # noqa: E402

from feedback.app import create_app  # noqa: E402

from conftest import (  # noqa: E402  (the tests' servers and seed, from the tests folder)
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    _free_port,
    make_settings,
    seed_minimal,
)

OUT = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1024, "height": 768}
PHONE = {"width": 375, "height": 667}
TAB = {"en": "Feedback", "fr": "Rétroaction"}
YES = {"en": "Yes", "fr": "Oui"}
OPENER = "[data-open-host-modal], [data-open-modal], [data-bs-toggle=modal]"


def _open(page: Page, host: str, system: str, mode: str, lang: str) -> None:
    page.goto(f"{host}/{system}?mode={mode}&lang={lang}")
    if mode == "inline":
        page.get_by_role("radio", name=YES[lang]).wait_for()
    else:
        page.get_by_role("button", name=TAB[lang]).wait_for()
    page.evaluate(SETTLE)


def _inline(page: Page, name: str) -> None:
    """The inline widget in view, with the end of the host's form above it."""
    page.evaluate(
        "document.getElementById('feedback-survey')"
        ".scrollIntoView({block: 'center', behavior: 'instant'})"
    )
    page.evaluate(SETTLE)
    page.screenshot(path=OUT / name)


def shoot(browser: Any, host: str, system: str, lang: str) -> None:
    """The seven views of one system in one language."""
    stem = f"widget-ds-{system}"
    page = browser.new_page(viewport=DESKTOP)
    _open(page, host, system, "inline", lang)
    _inline(page, f"{stem}-inline-{lang}.png")
    _open(page, host, system, "button", lang)
    page.screenshot(path=OUT / f"{stem}-tab-{lang}.png")
    page.get_by_role("button", name=TAB[lang]).click()
    page.get_by_role("radio", name=YES[lang]).wait_for()
    page.screenshot(path=OUT / f"{stem}-dialog-{lang}.png")
    _open(page, host, system, "button", lang)
    page.locator(OPENER).first.click()
    page.get_by_role("heading", name=WORDS[lang]["modal_title"]).wait_for()
    page.evaluate(SETTLE)
    page.screenshot(path=OUT / f"{stem}-modal-{lang}.png")
    page.close()

    phone = browser.new_page(viewport=PHONE)
    _open(phone, host, system, "button", lang)
    phone.screenshot(path=OUT / f"{stem}-phone-{lang}.png")
    phone.get_by_role("button", name=WORDS[lang]["continue"]).focus()
    phone.evaluate(SETTLE)
    phone.screenshot(path=OUT / f"{stem}-phone-focus-{lang}.png")
    phone.close()

    dark = browser.new_page(viewport=DESKTOP, color_scheme="dark")
    _open(dark, host, system, "inline", lang)
    _inline(dark, f"{stem}-dark-{lang}.png")
    dark.close()


def main() -> None:
    """Serve the app and the host pages, take every screenshot, stop."""
    OUT.mkdir(exist_ok=True)
    port, host_port = _free_port(), _free_port()
    api, host = f"http://127.0.0.1:{port}", f"http://localhost:{host_port}"
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(make_settings(f"sqlite:///{tmp}/ds.db", base_url=api))
        survey = seed_minimal(app, origins=[host])["page"]
        with (
            LiveServer(app, port),
            LiveServer(host_app(api, survey), host_port),
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for system in SYSTEMS:
                for lang in ("en", "fr"):
                    shoot(browser, host, system, lang)
            browser.close()
        app.state.engine.dispose()


if __name__ == "__main__":
    main()

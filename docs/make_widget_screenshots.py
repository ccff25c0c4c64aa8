"""Take the widget-* and kiosk-* screenshots in docs/screenshots, in English and French.

Usage: python docs/make_widget_screenshots.py
Serves the demo (its surveys, no responses) from a temporary SQLite file and drives Debian's
chromium through Playwright: each delivery mode of embed.js, the iframe, dark mode, the kiosk.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import Page, sync_playwright

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.settings import Settings
from seed.demo import ensure_demo

OUT = Path(__file__).parent / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
NAMES = {
    "en": {
        "tab": "Feedback",
        "send": "Send",
        "yes": "Yes",
        "button": "Give feedback",
        "very": "Very satisfied",
        "next": "Next",
        "agree": "Agree",
        "well": "It was easy",
        "comment": "Very quick. Reach me at jo@example.com or 613-555-0100.",
    },
    "fr": {
        "tab": "Rétroaction",
        "send": "Envoyer",
        "yes": "Oui",
        "button": "Donner votre rétroaction",
        "very": "Très satisfait",
        "next": "Suivant",
        "agree": "D'accord",
        "well": "C'était facile",
        "comment": "Très rapide. Joignez-moi à jo@example.com ou au 613-555-0100.",
    },
}


def _serve(tmp: Path) -> tuple[str, dict[str, str], Any]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp / 'demo.db'}", base_url=base, demo=True)
    )
    with session_scope(app.state.engine) as session:
        made = ensure_demo(session, base_origin=base)
        ids = {
            t: next(s.id for s in made if s.template == t) for t in ("service_counter", "a11_v2")
        }
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return base, ids, server


def _slot(page: Page, name: str) -> None:
    page.locator(".feedback-slot").screenshot(path=OUT / name)


def _steps(page: Page, base: str, survey: str, lang: str) -> None:
    """An A-11 v2 survey step by step on a plain host page, with a comment to preview."""
    n = NAMES[lang]
    host = f"{base}/steps-host-{lang}"  # answered by Playwright, on the server's own origin
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Host</title>'
        '</head><body><main class="feedback-slot">'
        f'<script src="{base}/embed.js" data-survey="{survey}"></script></main></body></html>'
    )
    page.route(host, lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(host)
    slot = page.locator(".feedback-slot")
    page.get_by_role("radio", name=n["agree"], exact=True).check()
    page.locator(".sv").filter(has_text=".").wait_for()
    slot.screenshot(path=OUT / f"widget-step1-{lang}.png")
    page.get_by_role("button", name=n["next"]).click()
    page.locator("legend.st").wait_for()
    page.get_by_role("checkbox", name=n["well"]).check()
    slot.screenshot(path=OUT / f"widget-step2-{lang}.png")
    page.get_by_role("button", name=n["next"]).click()
    page.locator("label.st").wait_for()
    page.locator("textarea").fill(n["comment"])
    slot.screenshot(path=OUT / f"widget-step3-{lang}.png")
    page.get_by_role("button", name=n["send"]).click()
    page.get_by_role("alert").wait_for()
    slot.screenshot(path=OUT / f"widget-step3-preview-{lang}.png")
    page.get_by_role("button", name=n["send"]).click()
    page.locator(".ok").wait_for()
    slot.screenshot(path=OUT / f"widget-step-thanks-{lang}.png")


def shoot(page: Page, base: str, ids: dict[str, str], lang: str) -> None:
    """Every mode of the widget, and the kiosk, in one language."""
    n = NAMES[lang]
    counter = ids["service_counter"]
    page.goto(f"{base}/demo?lang={lang}")
    page.get_by_role("radio", name=n["yes"]).wait_for()
    _slot(page, f"widget-inline-{lang}.png")
    page.get_by_role("radio", name=n["yes"]).check()
    page.locator(".sv").filter(has_text=".").wait_for()
    page.get_by_role("button", name=n["next"]).click()
    page.locator("label.st").wait_for()
    _slot(page, f"widget-inline-step2-{lang}.png")
    page.get_by_role("button", name=n["send"]).click()
    page.locator(".ok").wait_for()
    _slot(page, f"widget-inline-thanks-{lang}.png")
    _steps(page, base, ids["a11_v2"], lang)

    page.goto(f"{base}/demo?lang={lang}&mode=button")
    page.get_by_role("button", name=n["tab"]).wait_for()
    page.screenshot(path=OUT / f"widget-tab-{lang}.png")
    page.get_by_role("button", name=n["tab"]).click()
    page.get_by_role("dialog").wait_for()
    page.screenshot(path=OUT / f"widget-dialog-{lang}.png")

    page.goto(f"{base}/demo?lang={lang}&mode=trigger")
    page.get_by_role("link", name=n["button"]).click()
    page.get_by_role("dialog").wait_for()
    page.get_by_role("button", name=n["next"]).click()  # nothing answered: the error summary
    page.locator(".sum h3").wait_for()
    page.screenshot(path=OUT / f"widget-trigger-errors-{lang}.png")

    page.goto(f"{base}/demo?lang={lang}&mode=iframe")
    page.frame_locator("iframe").get_by_role("radio").first.wait_for()
    page.wait_for_function("() => document.querySelector('iframe').style.height !== ''")
    _slot(page, f"widget-iframe-{lang}.png")

    page.goto(f"{base}/k/{counter}?lang={lang}&touchpoint=Counter%203")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.locator("form.kiosk-form").wait_for()
    page.screenshot(path=OUT / f"kiosk-{lang}.png")
    page.get_by_text(n["very"], exact=True).click()
    page.locator(".kiosk-send").click()
    page.locator(".kiosk-thanks").wait_for()
    page.screenshot(path=OUT / f"kiosk-thanks-{lang}.png")
    page.set_viewport_size({"width": 1200, "height": 900})


def _open_html(page: Page, url: str, html: str) -> None:
    """Open `html` as the page at `url` (answered by Playwright, on the server's origin)."""
    page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(url)


def fit(browser: Any, base: str, ids: dict[str, str]) -> None:
    """The widget on a light page under a dark system setting, and the dialog's first focus."""
    for lang in ("en", "fr"):
        dark = browser.new_page(viewport={"width": 1200, "height": 900}, color_scheme="dark")
        dark.goto(f"{base}/demo?lang={lang}")
        dark.get_by_role("radio").first.wait_for()
        _slot(dark, f"widget-dark-{lang}.png")
        host = f"{base}/dark-host-{lang}"  # a page with both themes: the widget goes dark too
        html = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Host</title>'
            '<meta name="color-scheme" content="light dark"></head><body>'
            '<main class="feedback-slot" style="padding:1em">'
            f'<script src="{base}/embed.js" data-survey="{ids["service_counter"]}"></script>'
            "</main></body></html>"
        )
        _open_html(dark, host, html)
        dark.get_by_role("radio").first.wait_for()
        _slot(dark, f"widget-dark-page-{lang}.png")
        dark.close()
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base}/demo?lang={lang}&mode=button")
        page.get_by_role("button", name=NAMES[lang]["tab"]).focus()  # by keyboard: Enter
        page.keyboard.press("Enter")
        page.get_by_role("dialog").wait_for()
        page.screenshot(path=OUT / f"widget-dialog-focus-{lang}.png")
        page.close()


def main() -> None:
    """Serve the demo, take every screenshot, stop."""
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        base, ids, server = _serve(Path(tmp))
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for lang in ("en", "fr"):
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            shoot(page, base, ids, lang)
            page.close()
        fit(browser, base, ids)
        zoom = browser.new_page(viewport={"width": 600, "height": 900}, device_scale_factor=2)
        zoom.goto(f"{base}/demo?lang=fr&mode=button")  # 1200 px wide at 200% zoom
        zoom.get_by_role("button", name="Rétroaction").click()
        zoom.get_by_role("dialog").wait_for()
        zoom.screenshot(path=OUT / "widget-dialog-zoom200-fr.png")
        browser.close()
        server.should_exit = True


if __name__ == "__main__":
    main()

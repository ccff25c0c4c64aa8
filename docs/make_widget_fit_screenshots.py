"""Take the screenshots of the widget fitting its host page, in English and French.

Usage: python docs/make_widget_fit_screenshots.py   (after docs/make_widget_screenshots.py)
The page's type and 40px controls, an error cleared by its answer, the tab as a phone's edge
handle, and the link a site that is not allowed shows instead of the widget.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from make_widget_screenshots import ARGS, NAMES, OUT, _open_html, _serve, _slot
from playwright.sync_api import Browser, sync_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGES: dict[str, str] = {}

GOVUK_LIKE = "<style>body{font:19px/1.3 Georgia,serif;margin:0 1em}:root{--fb-control:40px}</style>"


def _page(lang: str, base: str, survey: str, head: str = "", **attrs: str) -> str:
    extra = " ".join(f'data-{k}="{v}"' for k, v in attrs.items())
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Host</title>'
        f'{head}</head><body><main class="feedback-slot" style="padding:1em">'
        f"<p>Host page text, in the page's own font.</p>"
        f'<script src="{base}/embed.js" data-survey="{survey}" {extra}></script>'
        "</main></body></html>"
    )


def _other_site() -> tuple[str, uvicorn.Server]:
    """A real server for host pages on another origin (Chromium lets loopback pages, not
    pages Playwright answers itself, call the loopback server)."""

    async def answer(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGES.get(request.url.path, ""))

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = Starlette(routes=[Route("/{p:path}", answer)])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://localhost:{port}", server


def shoot(browser: Browser, base: str, ids: dict[str, str], lang: str, other: str) -> None:
    """Each fit of the widget to its host, in one language."""
    n, survey = NAMES[lang], ids["a11_v2"]
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    _open_html(page, f"{base}/font-{lang}", _page(lang, base, survey, GOVUK_LIKE))
    page.get_by_role("button", name=n["next"]).click()  # nothing answered: the error
    page.locator(".sum").wait_for()
    _slot(page, f"widget-host-font-error-{lang}.png")
    page.get_by_role("radio").first.check()
    page.locator(".sv").filter(has_text=".").wait_for()
    _slot(page, f"widget-host-font-fixed-{lang}.png")
    PAGES[f"/not-allowed-{lang}"] = _page(lang, base, survey)  # a site the survey does not allow
    page.goto(f"{other}/not-allowed-{lang}")
    page.locator(".feedback-slot a").wait_for()
    _slot(page, f"widget-not-allowed-{lang}.png")
    page.close()
    phone = browser.new_page(viewport={"width": 375, "height": 667}, device_scale_factor=2)
    phone.goto(f"{base}/demo?lang={lang}&mode=button")
    phone.get_by_role("button", name=n["tab"]).wait_for()
    phone.screenshot(path=OUT / f"widget-phone-handle-{lang}.png")
    phone.close()


def main() -> None:
    """Serve the demo, take the screenshots, stop."""
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        base, ids, server = _serve(Path(tmp))
        other, site = _other_site()
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for lang in ("en", "fr"):
            shoot(browser, base, ids, lang, other)
        browser.close()
        server.should_exit = site.should_exit = True


if __name__ == "__main__":
    main()

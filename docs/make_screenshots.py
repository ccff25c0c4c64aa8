"""Take the screenshots in docs/screenshots from a running demo (`feedback demo`).

The public pages first, then, signed in as admin, every staff page in both languages.

Usage: python docs/make_screenshots.py [BASE_URL] [ADMIN_PASSWORD] [NAMES]
NAMES, comma-separated (such as "drivers,channels"), retakes only those pages' screenshots.
Needs playwright and Debian's chromium.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
PASSWORD = sys.argv[2] if len(sys.argv) > 2 else ""
OUT = Path(__file__).parent / "screenshots"
ONLY = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
# Staff pages after the dashboard and survey page: (file name, path) on the demo's fixed ids.
STAFF_PAGES = [
    ("channels", "/dashboard/channels"),
    ("comments", "/dashboard/surveys/rnwcntr347/comments"),
    ("drivers", "/dashboard/surveys/rnwcntr347/drivers"),
    ("dashboard-events", "/dashboard/services/licences/events"),
    ("service-channels", "/dashboard/services/licences/channels"),
    ("exports", "/dashboard/exports"),
    ("alerts", "/dashboard/alerts"),
    ("builder-list", "/admin/surveys"),
    ("builder-edit", "/admin/surveys/rnwcntr347"),
    ("share", "/admin/surveys/rnwpgfdbk2/share"),
    ("assist-list", "/assist"),
    ("assist-form", "/assist/rnwcntr347"),
    ("security-users", "/admin/users"),
    ("security-audit", "/admin/audit"),
    ("integrations-tokens", "/admin/tokens"),
    ("integrations-webhooks", "/admin/webhooks"),
]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def shoot(page: object, name: str) -> None:
    """A full-page PNG of what the page shows, unless NAMES leaves this one out."""
    if ONLY is None or name.rsplit("-", 1)[0] in ONLY:
        page.screenshot(path=OUT / f"{name}.png", full_page=True)  # type: ignore[attr-defined]


def main() -> None:
    """Visit each page in both languages and save a full-page PNG."""
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        survey = None
        for lang in ("en", "fr"):
            page.goto(f"{BASE}/demo?lang={lang}")
            page.get_by_role("radio").first.wait_for()
            shoot(page, f"demo-{lang}")
            link = page.locator("a[href^='/s/']").first.get_attribute("href") or ""
            survey = link.split("?")[0]
            page.goto(f"{BASE}{survey}?lang={lang}")
            shoot(page, f"hosted-{lang}")
            page.locator("form.survey-form button[type=submit]").click()
            shoot(page, f"hosted-errors-{lang}")
        if PASSWORD:
            page.goto(f"{BASE}/login")
            page.fill("#username", "admin")
            page.fill("#password", PASSWORD)
            page.click("form button[type=submit]")
            for lang in ("en", "fr"):
                page.goto(f"{BASE}/dashboard?lang={lang}")
                shoot(page, f"dashboard-{lang}")
                survey_links = page.locator("table.overview tbody a[href^='/dashboard/surveys/']")
                first = survey_links.first.get_attribute("href") or ""
                detail = first.split("?")[0]
                page.goto(f"{BASE}{detail}?lang={lang}")
                page.locator("#chart-channels .main-svg").first.wait_for()
                shoot(page, f"survey-{lang}")
                for name, path in STAFF_PAGES:
                    page.goto(f"{BASE}{path}?lang={lang}")
                    page.wait_for_load_state("networkidle")  # charts drawn, preview framed
                    shoot(page, f"{name}-{lang}")
        browser.close()


if __name__ == "__main__":
    main()

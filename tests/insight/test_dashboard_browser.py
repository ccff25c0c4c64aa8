"""Real Chromium on a live server: every dashboard view passes axe-core in English and French,
draws its charts under the strict CSP, and a chart downloads as a PNG."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conftest import ADMIN_PASSWORD, axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True)
    pg = context.new_page()
    pg.csp_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: "Content Security Policy" in m.text and pg.csp_errors.append(m.text))
    yield pg
    context.close()


def fill(page: Any, base: str, survey: str) -> None:
    """A few answers on three channels, with drivers, first tries and comments (kiosk answers
    need an enrolled tablet, so the self-service channel here is the web)."""
    rows = [
        ("in_person", 5, 5, "no", "Quick and friendly."),
        ("in_person", 4, 4, "web", "The website sent me here."),
        ("phone", 2, 1, "web", "Long wait on the phone."),
        ("phone", 4, 3, "no", None),
        ("web", 5, 4, "no", "Easy."),
        ("web", 1, 2, "phone", "The page froze."),
    ]
    for channel, sat, timely, other, comment in rows:
        answers: dict[str, Any] = {
            "satisfaction": sat,
            "timeliness": timely,
            "courtesy": 4,
            "other_channel": other,
        }
        if comment:
            answers["comment"] = comment
        body = {"channel": channel, "language": "fr" if sat < 3 else "en", "answers": answers}
        response = page.request.post(f"{base}/api/v1/surveys/{survey}/responses", data=body)
        assert response.status == 201


def sign_in(page: Any, base: str, lang: str) -> None:
    page.goto(f"{base}/login?lang={lang}")
    page.locator("#username").fill("admin")
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/dashboard*")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_view_passes_axe_and_draws_under_the_csp(live_app: Any, page: Any, lang: str) -> None:
    app, server = live_app
    survey = app.state.ids["counter"]
    fill(page, server.url, survey)
    sign_in(page, server.url, lang)
    views = {
        "overview by channel": f"/dashboard?by=channel&lang={lang}",
        "detail": f"/dashboard/surveys/{survey}?lang={lang}&grain=week",
        "drivers": f"/dashboard/surveys/{survey}/drivers?lang={lang}",
        "channels": f"/dashboard/channels?survey={survey}&lang={lang}",
        "comments": f"/dashboard/surveys/{survey}/comments?lang={lang}",
        "events": f"/dashboard/services/parks/events?lang={lang}",
    }
    found = {}
    for name, path in views.items():
        page.goto(f"{server.url}{path}")
        charts = page.locator("[data-figure]")
        for i in range(charts.count()):
            charts.nth(i).locator(".main-svg").first.wait_for()
        found[name] = axe_violations(page)
    # A form sent back with errors, and a comment hidden.
    page.goto(f"{server.url}/dashboard/services/parks/events?lang={lang}")
    page.locator("form[novalidate] button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    found["event errors"] = axe_violations(page)
    page.goto(f"{server.url}/dashboard/surveys/{survey}/comments?lang={lang}")
    page.locator(".hide-form button").first.click()
    page.locator(".confirmation").wait_for()
    found["comment hidden"] = axe_violations(page)
    assert {name: v for name, v in found.items() if v} == {}
    assert page.csp_errors == []


def test_a_chart_downloads_as_png_under_the_csp(live_app: Any, page: Any) -> None:
    app, server = live_app
    survey = app.state.ids["counter"]
    fill(page, server.url, survey)
    sign_in(page, server.url, "en")
    page.goto(f"{server.url}/dashboard/surveys/{survey}")
    chart = page.locator("#chart-overall")
    chart.locator(".main-svg").first.wait_for()
    chart.hover()
    with page.expect_download() as download:
        chart.locator(".modebar-btn").first.click()
    saved = download.value
    assert saved.suggested_filename == "chart-overall.png"
    with open(saved.path(), "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    assert page.csp_errors == []

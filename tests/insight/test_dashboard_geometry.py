"""Real Chromium: what the dashboards draw can be read. Driver names never overlap (even long
French ones), small-multiple titles stay clear of lines at 100 %, the heat map draws with no
style the CSP blocks, and the service view and exports pass axe-core in both languages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from test_dashboard_browser import fill, sign_in

from dashboards import drivers, mode_figures, panels
from dashboards.series import Point
from feedback.insight import metrics

from conftest import axe_violations

pytestmark = pytest.mark.browser

BOXES = """(selector) => Array.from(document.querySelectorAll(selector)).map(e => {
  const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""


def around_today() -> str:
    """Dates that hold the answers just sent (the default range ends yesterday)."""
    today = date.today()
    return f"since={today - timedelta(days=2)}&until={today + timedelta(days=1)}"


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def pairs_overlap(boxes: list[list[float]]) -> bool:
    return any(overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    pg = context.new_page()
    pg.csp_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: "Content Security Policy" in m.text and pg.csp_errors.append(m.text))
    yield pg
    context.close()


# A figure drawn in a box of its own on a dashboard page (the page's CSP and stylesheets).
DRAW = """f => { let box = document.getElementById('chart-test');
  if (box) window.Plotly.purge(box), box.remove();
  box = document.createElement('div'); box.id = 'chart-test'; box.className = 'chart';
  document.querySelector('main').prepend(box);
  return window.Plotly.newPlot(box, f.data, f.layout); }"""


def full_marks() -> str:
    """Four channels, each at 100 % for six months, the last one partial."""
    months = [date(2025, m, 1) for m in range(1, 7)]
    series = {
        channel: [Point(m, 40, 40, metrics.wilson(40, 40), m.month == 6) for m in months]
        for channel in ("web", "phone", "in_person", "kiosk")
    }
    names = {c: f"Canal {c} en français" for c in series}
    modes = {"phone": "assisted", "in_person": "assisted"}
    labels = {"period": "Période", "not_enough": "pas assez", "band": "IC", "partial": "partiel"}
    return panels.trend_by_channel(series, names, modes, labels, "fr")


def heat_map() -> str:
    """Two channels on three drivers: 32 %, 43 %, 80 %, 90 %, 75 % and one cell too few."""
    cells = {
        ("web", 1): metrics.wilson(64, 200), ("web", 2): metrics.wilson(86, 200),
        ("web", 3): metrics.wilson(160, 200), ("phone", 1): metrics.wilson(180, 200),
        ("phone", 2): metrics.wilson(150, 200), ("phone", 3): metrics.wilson(5, 8),
    }  # fmt: skip
    names = {"web": "Site Web", "phone": "Téléphone (agent)"}
    labels = {"too_few": "trop peu", "heat_scale": "Part", "heat_mid": "ensemble du sondage"}
    questions = [(1, "Rapidité"), (2, "Personnel compétent et serviable"), (3, "Courtoisie")]
    return mode_figures.heat(["web", "phone"], questions, cells, names, labels, 0.635)


def long_drivers() -> str:
    """Six drivers with long French names, close together on both scales."""
    found = []
    for i in range(6):
        name = f"Le personnel a répondu clairement à toutes mes questions sur mon dossier {i}"
        q = drivers.DriverQuestion(i, "rating5", name, name)
        iv = metrics.Interval(0.6 + i / 100, 0.55, 0.7, 120)
        r = metrics.Correlation(0.5 + i / 100, 0.4, 0.6, 120)
        found.append(drivers.Driver(q, iv, r, {"5": 60, "1": 60}))
    return drivers.figure(found, {"performance": "Performance", "importance": "Importance",
                                  "work_first": "À travailler en premier"})  # fmt: skip


def test_labels_titles_and_colour_bar_are_clear(live_app: Any, page: Any) -> None:
    app, server = live_app
    survey = app.state.ids["counter"]
    fill(page, server.url, survey)
    sign_in(page, server.url, "fr")
    # The drivers page's own chart box and stylesheet, drawn with six long French names.
    page.goto(f"{server.url}/dashboard/surveys/{survey}/drivers?lang=fr")
    page.wait_for_function("() => window.Plotly !== undefined")
    page.evaluate(DRAW, json.loads(long_drivers()))
    ticks = page.evaluate(BOXES, "#chart-test .ytick text")
    plot = page.evaluate(BOXES, "#chart-test .cartesianlayer .xy .gridlayer")[0]
    assert len(ticks) == 6 and not pairs_overlap(ticks)
    assert all(t[0] >= 0 and t[2] <= plot[0] + 1 for t in ticks)  # left of the plot, on screen

    # Small multiples (the survey page's figure): every channel at 100 % in every month, the
    # last month partial; no point or band reaches a panel's title.
    page.evaluate(DRAW, json.loads(full_marks()))
    titles = page.evaluate(BOXES, "#chart-test .annotation-text-g text")
    points = page.evaluate(BOXES, "#chart-test .scatterlayer path.point")
    assert len(titles) == 4 and len(points) == 4 * 6
    assert not any(overlap(t, p) for t in titles for p in points)

    # The heat map: drawn under the CSP (the page draws its colour scale), cell texts apart.
    page.evaluate(DRAW, json.loads(heat_map()))
    assert not pairs_overlap(page.evaluate(BOXES, "#chart-test .annotation-text-g text"))
    colours = page.evaluate(
        "() => Array.from(document.querySelectorAll('#chart-test .hm image')).length"
    )
    assert colours >= 1
    assert page.csp_errors == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_service_view_passes_axe(live_app: Any, page: Any, lang: str) -> None:
    app, server = live_app
    fill(page, server.url, app.state.ids["counter"])
    sign_in(page, server.url, lang)
    page.goto(f"{server.url}/dashboard/services/parks/channels?lang={lang}&{around_today()}")
    page.locator("#chart-service .main-svg").first.wait_for()
    assert axe_violations(page) == []
    page.goto(f"{server.url}/dashboard/exports?lang={lang}")
    assert page.locator("nav.page-contents a[href='#a11-title']").count() == 1
    assert axe_violations(page) == []
    assert page.csp_errors == []

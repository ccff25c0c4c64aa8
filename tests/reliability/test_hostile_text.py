"""Hostile text (issue 7, item 5): script-injection payloads put through every text a person
can enter (comments and touchpoints through the public API and form; survey titles, question
and option texts, service names, change-event labels and user names as staff would save them),
then every page that shows them loaded in Chromium: no script runs, no payload becomes markup.
Spreadsheet formula injection is neutralised in the CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import httpx2 as httpx
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.answers import intake, storing
from feedback.core.db import session_scope
from feedback.core.models import ChangeEvent, Question, Service, Survey, utcnow
from feedback.staff import audit, auth
from feedback.surveys import definitions as surveys

from .conftest import lift_limits
from conftest import ADMIN_PASSWORD, login

pytestmark = pytest.mark.browser

MARK = "window.__xss=1"
PAYLOADS = [
    f"<script>{MARK}</script>",
    f'"><script>{MARK}</script>',
    f'\'><img src=x onerror="{MARK}">',
    f'<svg onload="{MARK}"><circle r="4"/></svg>',
    f'<a href="javascript:{MARK}">click</a>',
    f"javascript:{MARK}",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "{{7*7}} ${7*7} <%= 7*7 %> {% raw %}",
    f'" onmouseover="{MARK}" autofocus onfocus="{MARK}" x="',
    f"</textarea></title></style><script>{MARK}</script>",
    f"</script><script>{MARK}</script>",
    f"<scr\u200bipt>{MARK}</scr\u200bipt> \u202egnp.exe",
    f"\uff1cscript\uff1e{MARK}\uff1c/script\uff1e",
    f'<details open ontoggle="{MARK}">x</details>',
    f"<body onload={MARK}>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={MARK}>",
    '=HYPERLINK("http://evil.example","click")',
    '+cmd|" /C calc"!A0',
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Finds what a payload would leave behind if any page let it through as markup, shadow roots
# (the widget) included.
FIND_INJECTED = """() => {
  const found = [];
  const walk = (root) => root.querySelectorAll('*').forEach((el) => {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name) || a.name === 'srcdoc') found.push(el.outerHTML.slice(0, 160));
      if (/^(href|src|action|formaction)$/i.test(a.name) && /^\\s*javascript:/i.test(a.value))
        found.push(el.outerHTML.slice(0, 160));
    }
    const data = /json/i.test(el.getAttribute('type') || '');  // inert data islands
    if (el.tagName === 'SCRIPT' && !data && el.textContent.includes('__xss'))
      found.push(el.outerHTML.slice(0, 160));
    if (el.shadowRoot) walk(el.shadowRoot);
  });
  walk(document);
  return {found, ran: window.__xss === 1};
}"""


def _seed_hostile(application: Any) -> dict[str, str]:
    """Staff-entered texts as the builder and dashboard would store them."""
    ids = application.state.ids
    today = utcnow().date()
    with session_scope(application.state.engine) as session:
        for n, service in enumerate(session.exec(select(Service))):
            service.name = {"en": PAYLOADS[n], "fr": PAYLOADS[n + 1]}
            service.public_scorecard = True
        for n, survey in enumerate(session.exec(select(Survey))):
            # English titles are formulas, to be neutralised in the A-11 summary (CSV).
            survey.title = {"en": PAYLOADS[16 + n % 4], "fr": PAYLOADS[(n + 3) % 16]}
        for n, question in enumerate(session.exec(select(Question))):
            question.text = {"en": PAYLOADS[n % 16], "fr": PAYLOADS[(n + 5) % 16]}
            question.options = [
                {**o, "label": {"en": PAYLOADS[(n + i) % 16], "fr": PAYLOADS[(n + i + 1) % 16]}}
                for i, o in enumerate(question.options)
            ]
        for n, payload in enumerate(PAYLOADS[:6]):
            label = {"en": payload, "fr": payload}
            session.add(
                ChangeEvent(service_id="licences", day=today - timedelta(days=n), label=label)
            )
        for n, payload in enumerate(PAYLOADS[:5]):
            user = auth.create_user(
                session,
                username=f"{payload[:70]}{n}",
                password=ADMIN_PASSWORD,
                role="manager",
                service_ids=["licences"],
            )
            # The audit log shows who did what: the name is shown there too.
            audit.record(session, user, "survey.edit", f"survey:{ids['v2']}")
        # Answers in the last complete quarter, so the A-11 summary shows the texts too.
        found = session.get(Survey, ids["v2"])
        assert found is not None
        questions = surveys.questions_of(session, found.id)
        for days in (100, 101):
            storing.submit(
                session,
                survey=found,
                questions=questions,
                submission=intake.Submission(
                    channel="phone", language="en", answers={"trust": True}, touchpoint=PAYLOADS[0]
                ),
                lang="en",
                submitted_at=utcnow() - timedelta(days=days),
            )
    lift_limits(application.state.engine)
    return ids


def _submit_hostile_answers(base: str, ids: dict[str, str]) -> None:
    """Comments and touchpoints from citizens, through the public API."""
    for survey in (ids["v2"], ids["page"]):
        for n, payload in enumerate(PAYLOADS):
            answers: dict[str, Any] = {"comment": payload}
            answers["trust" if survey == ids["v2"] else "found"] = n % 2 == 0
            body = {
                "channel": "web",
                "language": "fr" if n % 3 == 0 else "en",
                "touchpoint": payload[:100],
                "answers": answers,
            }
            answer = httpx.post(f"{base}/api/v1/surveys/{survey}/responses", json=body)
            assert answer.status_code == 201, answer.text


def _check(page: Any, url: str, events: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    assert "/login" not in page.url, f"{url} sent us to the login page"
    page.wait_for_load_state("networkidle")
    seen = page.evaluate(FIND_INJECTED)
    assert not seen["ran"], f"a payload ran on {url}"
    assert not seen["found"], f"payload markup on {url}: {seen['found'][:3]}"
    assert not events, f"{url}: {events}"


def test_no_payload_runs_on_any_page(live_app: Any, browser: Any) -> None:
    application, server = live_app
    ids = _seed_hostile(application)
    _submit_hostile_answers(server.url, ids)
    context = browser.new_context()
    page = context.new_page()
    events: list[str] = []

    def on_dialog(dialog: Any) -> None:
        events.append(f"dialog {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    # The CSP would block an injected inline script or handler: its report means escaping
    # failed. (Style-src reports come from the charts' own inline styles, not from payloads.)
    page.on(
        "console",
        lambda msg: (
            events.append(f"console {msg.text}")
            if "script-src" in msg.text or "__xss" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda error: events.append(f"pageerror {error}"))

    # Citizens' pages: hosted form, a form post and its thanks page, iframe mode, kiosk, widget.
    v2, page_survey = ids["v2"], ids["page"]
    for lang in ("en", "fr"):
        _check(page, f"{server.url}/s/{v2}?lang={lang}&touchpoint={PAYLOADS[2][:90]}", events)
    page.check("input[name='q_trust'][value='true']")
    page.fill("textarea[name='q_comment']", PAYLOADS[9])
    page.locator("form button[type='submit']").last.click()
    page.wait_for_load_state("networkidle")
    assert not page.evaluate(FIND_INJECTED)["found"] and not events, events
    for path in (
        f"/s/{v2}?embed=1",
        f"/s/{page_survey}?lang=fr",
        # The kiosk page is shown only to enrolled tablets (tests/answers/test_security_kiosk*).
        "/demo",
        "/demo?mode=iframe",
        "/demo?lang=fr&mode=button",
        "/scorecard",
        "/scorecard/licences",
    ):
        _check(page, server.url + path, events)

    # Staff pages, signed in as admin.
    page.goto(f"{server.url}/login")
    page.fill("input[name='username']", "admin")
    page.fill("input[name='password']", ADMIN_PASSWORD)
    page.locator("form button[type='submit']").last.click()
    page.wait_for_load_state("networkidle")
    for path in (
        "/dashboard",
        "/dashboard?lang=fr",
        f"/dashboard/surveys/{v2}",
        f"/dashboard/surveys/{v2}?lang=fr",
        f"/dashboard/surveys/{v2}/comments",
        f"/dashboard/surveys/{page_survey}/comments?lang=fr",
        f"/dashboard/surveys/{v2}/drivers",
        "/dashboard/channels",
        "/dashboard/exports",
        "/dashboard/alerts",
        "/admin/surveys",
        f"/admin/surveys/{v2}",
        f"/admin/surveys/{v2}/share",
        f"/admin/surveys/{v2}/preview",
        "/dashboard/services/licences/events",
        "/dashboard/services/licences/events?lang=fr",
        "/dashboard/events/1/edit",
        "/admin/users",
        "/admin/users/4",
        "/admin/audit",
        "/admin/audit?lang=fr",
        "/admin/tokens",
        "/admin/webhooks",
        "/assist",
        f"/assist/{v2}",
    ):
        _check(page, server.url + path, events)
    comments = page.goto(f"{server.url}/dashboard/surveys/{v2}/comments")
    assert comments is not None and "{{7*7}}" in page.content(), "template syntax shown as text"
    context.close()


def _cells_csv(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def test_exports_neutralise_formulas_and_keep_the_text(live_app: Any) -> None:
    application, server = live_app
    ids = _seed_hostile(application)
    _submit_hostile_answers(server.url, ids)
    with TestClient(application, base_url="http://127.0.0.1:8000") as staff:
        login(staff)
        base = f"/dashboard/exports/responses?survey={ids['v2']}"
        csv_cells = _cells_csv(staff.get(base + "&format=csv").text)
        a11_cells = _cells_csv(staff.get("/dashboard/exports/a11.csv").text)
        xlsx = staff.get(base + "&format=xlsx").content
        rows = json.loads(staff.get(base + "&format=json").text)
    for name, cells in (("CSV", csv_cells), ("A-11 CSV", a11_cells)):
        formulas = [c for c in cells if c.startswith(FORMULA_START)]
        assert not formulas, f"{name} cells read as formulas: {formulas[:3]}"
    assert any(c == "'" + PAYLOADS[16] for c in csv_cells), "the neutralised text is kept"
    assert any(c == "'" + PAYLOADS[16 + 1] for c in a11_cells), "A-11 survey title kept"

    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"XLSX formula at {cell.coordinate}: {cell.value}"
                value = cell.value
                assert not (isinstance(value, str) and value.startswith(FORMULA_START)), value
    # JSON is not a spreadsheet: texts come back exactly as stored.
    text = json.dumps(rows, ensure_ascii=False)
    assert PAYLOADS[16].replace('"', '\\"') in text and PAYLOADS[3].replace('"', '\\"') in text

"""The builder in the system Chromium: a survey built from blank by keyboard alone goes live and
is answered through the snippet copied from its share page, on another site; axe-core finds
nothing on the builder and share pages in English and French."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from feedback.answers import amend
from feedback.core.db import session_scope
from feedback.core.models import Response, Survey
from feedback.surveys import definitions as surveys

from conftest import ADMIN_PASSWORD, LiveServer, _free_port, axe_violations

pytestmark = pytest.mark.browser

# The focused element, looking inside the widget's shadow root.
DEEP_ACTIVE = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a ? {tag: a.tagName, id: a.id || null, type: a.type || null, value: a.value || null,
              text: (a.textContent || '').trim(), label: a.labels && a.labels[0] ?
              a.labels[0].textContent.trim() : null} : null;
}"""


def focus(page: Any, wanted: Callable[[dict[str, Any]], bool], limit: int = 200) -> None:
    """Press Tab (then Shift+Tab) until the focused element is the wanted one."""
    for key in ("Tab", "Shift+Tab"):
        for _ in range(limit):
            page.keyboard.press(key)
            active = page.evaluate(DEEP_ACTIVE)
            if active and wanted(active):
                return
    raise AssertionError("focus never reached the expected control")


def by_id(element_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda a: a["id"] == element_id


def by_text(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda a: a["text"] == text


def type_into(page: Any, element_id: str, text: str) -> None:
    focus(page, by_id(element_id))
    page.keyboard.type(text)


def wait_for(check: Callable[[], Any], page: Any, timeout_ms: int = 10000) -> Any:
    for _ in range(timeout_ms // 100):
        value = check()
        if value:
            return value
        page.wait_for_timeout(100)
    return check()


def test_survey_built_by_keyboard_goes_live_and_is_answered_through_its_snippet(
    live_app: Any, browser: Any
) -> None:
    app, server = live_app
    host_body: dict[str, str] = {}

    async def host_page(request: Request) -> HTMLResponse:
        return HTMLResponse(host_body.get("html", ""))

    # Another origin (localhost rather than 127.0.0.1), as a department's own site would be.
    with LiveServer(Starlette(routes=[Route("/", host_page)]), _free_port()) as host:
        origin = f"http://localhost:{host.port}"
        context = browser.new_context()
        page = context.new_page()

        page.goto(f"{server.url}/login")
        type_into(page, "username", "admin")
        type_into(page, "password", ADMIN_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/dashboard**")

        page.goto(f"{server.url}/admin/surveys")
        focus(page, by_text("New survey"))
        page.keyboard.press("Enter")
        page.wait_for_url("**/admin/surveys/new**")
        type_into(page, "title_en", "Licence counter")
        type_into(page, "title_fr", "Comptoir des permis")
        page.keyboard.press("Enter")
        page.wait_for_url("**done=created**")
        survey_id = page.url.split("/admin/surveys/")[1].split("?")[0]

        focus(page, by_id("add-kind"))  # "Yes or no" is the first kind
        type_into(page, "add-text_en", "Did you get what you needed?")
        type_into(page, "add-text_fr", "Avez-vous obtenu ce dont vous aviez besoin?")
        page.keyboard.press("Enter")
        page.wait_for_url("**done=added#question-q1")

        focus(page, by_id("add-kind"))
        page.keyboard.type("Comment")  # picks "Comment (free text)" in the closed list
        type_into(page, "add-text_en", "What could we do better?")
        type_into(page, "add-text_fr", "Que pourrions-nous améliorer?")
        page.keyboard.press("Enter")
        page.wait_for_url("**done=added#question-q2")

        type_into(page, "s-allowed_origins", origin)
        focus(page, by_text("Save the settings"))
        page.keyboard.press("Enter")
        page.wait_for_url("**done=saved#settings")

        focus(page, by_text("Make the survey live"))
        page.keyboard.press("Enter")
        page.wait_for_url("**done=live#status")
        assert page.get_by_role("status").inner_text().startswith("The survey is live.")

        page.goto(f"{server.url}/admin/surveys/{survey_id}/share")
        snippet = page.input_value("#snippet-inline")
        assert f'data-survey="{survey_id}"' in snippet and "<noscript>" in snippet
        host_body["html"] = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Licences</title>'
            f"</head><body><main><h1>Renew your licence</h1>{snippet}</main></body></html>"
        )

        page.goto(f"{origin}/")
        focus(page, lambda a: a["type"] == "radio" and a["label"] == "Yes")
        page.keyboard.press("Space")

        def stored() -> list[dict[str, Any]]:
            with session_scope(app.state.engine) as session:
                questions = surveys.questions_of(session, survey_id)
                rows = session.exec(select(Response).where(Response.survey_id == survey_id))
                return [
                    {
                        "channel": r.channel,
                        "answers": amend.stored_answers(session, r.id or 0, questions),
                    }
                    for r in rows
                ]

        assert wait_for(stored, page) == [{"channel": "web", "answers": {"q1": True}}]
        focus(page, lambda a: a["tag"] == "BUTTON" and a["text"] == "Next")
        page.keyboard.press("Enter")
        focus(page, lambda a: a["tag"] == "TEXTAREA")
        page.keyboard.type("Shorter lines, please.")
        focus(page, lambda a: a["tag"] == "BUTTON" and a["text"] == "Send")
        page.keyboard.press("Enter")
        expected = {"q1": True, "q2": "Shorter lines, please."}
        assert wait_for(lambda: stored() == [{"channel": "web", "answers": expected}], page)
        context.close()
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, survey_id)
        assert survey is not None and survey.status == "live"
        assert survey.allowed_origins == [origin]


def test_builder_and_share_pages_pass_axe_in_both_languages(live_app: Any, browser: Any) -> None:
    app, server = live_app
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/dashboard**")
    live, draft = app.state.ids["page"], app.state.ids["draft"]
    pages = [f"/admin/surveys/{draft}/preview?lang=en", "/admin/surveys/new?lang=fr"]
    for lang in ("en", "fr"):
        for path in ("/admin/surveys", f"/admin/surveys/{live}", f"/admin/surveys/{live}/share"):
            pages.append(f"{path}?lang={lang}")
    for url in pages:
        page.goto(f"{server.url}{url}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == url[-2:]
        assert axe_violations(page) == [], url
    # An error page of the builder too: a bad origin is shown beside its field.
    page.goto(f"{server.url}/admin/surveys/{draft}?lang=fr")
    page.fill("#s-allowed_origins", "pas une origine")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    assert page.locator("#s-allowed_origins-error").is_visible()
    assert axe_violations(page) == []
    context.close()

"""Real HTTP, real Chromium: the widget by keyboard, the hosted page without JavaScript,
axe-core on every public page and the dashboards, in English and French."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from feedback.core.db import session_scope
from feedback.core.models import Answer, Response

from conftest import ADMIN_PASSWORD, axe_violations

pytestmark = pytest.mark.browser

DEEP_ACTIVE = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a ? {tag: a.tagName, type: a.type || null, value: a.value ?? null,
              text: (a.textContent || '').trim()} : null;
}"""


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    pg.csp_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: "Content Security Policy" in m.text and pg.csp_errors.append(m.text))
    yield pg
    context.close()


def responses(app: Any, survey_id: str) -> list[Response]:
    with session_scope(app.state.engine) as session:
        return list(session.exec(select(Response).where(Response.survey_id == survey_id)))


def tab_until(page: Any, predicate: Any, limit: int = 60) -> dict[str, Any]:
    """Press Tab until the focused element (inside shadow roots too) matches."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(DEEP_ACTIVE)
        if active and predicate(active):
            return dict(active)
    raise AssertionError("focus never reached the expected control")


def test_demo_widget_answered_by_keyboard_reaches_the_database(live_app: Any, page: Any) -> None:
    app, server = live_app
    page.goto(f"{server.url}/demo?lang=en")
    page.get_by_role("radio", name="Yes").wait_for()
    tab_until(page, lambda a: a["type"] == "radio")
    page.keyboard.press("Space")  # the first radio: Yes, stored at once
    page.get_by_role("status").get_by_text("Answer saved.").wait_for()
    tab_until(page, lambda a: a["tag"] == "BUTTON" and a["text"] == "Next")
    page.keyboard.press("Enter")  # the next step: the comment alone
    tab_until(page, lambda a: a["tag"] == "TEXTAREA")
    page.keyboard.type("Clear page, thanks")
    tab_until(page, lambda a: a["tag"] == "BUTTON" and a["text"] == "Send")
    page.keyboard.press("Enter")
    page.get_by_text("Thank you. Your feedback was sent.").wait_for()
    [stored] = responses(app, app.state.ids["page"])
    assert (stored.channel, stored.language) == ("web", "en")
    with session_scope(app.state.engine) as session:
        answers = session.exec(select(Answer).where(Answer.response_id == stored.id)).all()
    assert {(a.value, a.text) for a in answers} == {(None, "Clear page, thanks"), (1.0, None)}
    assert page.csp_errors == []


def test_demo_widget_follows_the_page_language(live_app: Any, page: Any) -> None:
    app, server = live_app
    page.goto(f"{server.url}/demo?lang=fr")
    page.get_by_role("radio", name="Oui").wait_for()
    page.get_by_role("button", name="Suivant").click()
    page.get_by_text("Choisissez une réponse").first.wait_for()  # the hosted page's words
    assert responses(app, app.state.ids["page"]) == []
    page.get_by_role("radio", name="Non").check()
    page.get_by_role("status").get_by_text("Réponse enregistrée.").wait_for()
    page.get_by_role("button", name="Suivant").click()
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_text("Merci. Vos commentaires ont été envoyés.").wait_for()
    [stored] = responses(app, app.state.ids["page"])
    assert stored.language == "fr"


def test_hosted_page_without_javascript(live_app: Any, browser: Any) -> None:
    app, server = live_app
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    survey = app.state.ids["page"]
    page.goto(f"{server.url}/s/{survey}?lang=fr&touchpoint=/renouveler")
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_role("alert").get_by_text("Choisissez une réponse").wait_for()
    page.get_by_label("Oui").check()
    page.get_by_label("Veuillez donner plus de détails.").fill("Très bien")
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_text("Merci. Vos commentaires ont été envoyés.").wait_for()
    [stored] = responses(app, survey)
    assert (stored.language, stored.touchpoint) == ("fr", "/renouveler")
    context.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_public_pages_pass_axe(live_app: Any, page: Any, lang: str) -> None:
    app, server = live_app
    ids = app.state.ids
    page.goto(f"{server.url}/demo?lang={lang}")
    page.get_by_role("radio").first.wait_for()
    pages = {"demo": axe_violations(page)}
    for key in ("page", "counter", "v2"):
        page.goto(f"{server.url}/s/{ids[key]}?lang={lang}")
        pages[f"survey {key}"] = axe_violations(page)
    page.goto(f"{server.url}/s/{ids['counter']}?lang={lang}")
    page.locator("form.survey-form button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    pages["survey errors"] = axe_violations(page)
    page.goto(f"{server.url}/s/{ids['page']}?lang={lang}")
    page.locator("input[name=q_found]").first.check()
    page.locator("form.survey-form button[type=submit]").click()
    page.locator(".confirmation").wait_for()
    pages["thank you"] = axe_violations(page)
    for path in ("/login", "/s/nosuchsurvey", f"/s/{ids['closed']}"):
        page.goto(f"{server.url}{path}?lang={lang}")
        pages[path] = axe_violations(page)
    assert {name: v for name, v in pages.items() if v} == {}
    assert page.csp_errors == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_dashboards_pass_axe_and_draw_under_the_csp(live_app: Any, page: Any, lang: str) -> None:
    app, server = live_app
    survey = app.state.ids["counter"]
    for channel, score in [("in_person", 5), ("phone", 2), ("phone", 4), ("web", 5)]:
        page.request.post(
            f"{server.url}/api/v1/surveys/{survey}/responses",
            data={"channel": channel, "language": lang, "answers": {"satisfaction": score}},
        )
    page.goto(f"{server.url}/login?lang={lang}")
    page.locator("#username").fill("admin")
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/dashboard*")
    found = {"overview": axe_violations(page)}
    page.goto(f"{server.url}/dashboard/surveys/{survey}?lang={lang}")
    page.locator("#chart-channels .main-svg").first.wait_for()
    assert page.locator("#chart-overall .main-svg").count() > 0
    found["detail"] = axe_violations(page)
    assert {name: v for name, v in found.items() if v} == {}
    assert page.csp_errors == []

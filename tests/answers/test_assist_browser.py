"""Assisted entry in Chromium: an agent enters two callers in a row by keyboard alone, and
axe-core finds nothing to fix on the agent's pages in English and in French."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete
from sqlmodel import col, select

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import Answer, AnswerDay, AnswerPairDay, Response, ResponseDay

from conftest import (
    ADMIN_PASSWORD,
    LiveServer,
    _free_port,
    axe_violations,
    make_settings,
    seed_minimal,
)

pytestmark = pytest.mark.browser
FOCUSED = "() => document.activeElement && document.activeElement.id"


@pytest.fixture(scope="module")
def assist_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, LiveServer]]:
    port = _free_port()
    url = f"sqlite:///{tmp_path_factory.mktemp('assist') / 'feedback.db'}"
    application = create_app(make_settings(url, base_url=f"http://127.0.0.1:{port}"))
    seed_minimal(application)
    with LiveServer(application, port) as live:
        yield application, live
    application.state.engine.dispose()


@pytest.fixture
def agent(browser: Any, assist_server: Any) -> Iterator[Any]:
    """A signed-in agent's browser page; no responses stored before or after."""
    _, live = assist_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live.url}/login?lang=en")
    page.fill("#username", "agent")
    page.fill("#password", ADMIN_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url
    yield page
    context.close()
    with session_scope(assist_server[0].state.engine) as session:
        for table in (Answer, AnswerPairDay, AnswerDay, ResponseDay, Response):
            session.execute(delete(table))


def tab_to(page: Any, element_id: str, limit: int = 40) -> None:
    """Press Tab until the element with this id has the focus."""
    for _ in range(limit):
        if page.evaluate(FOCUSED) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}; focus is on {page.evaluate(FOCUSED)}")


def test_two_callers_in_a_row_by_keyboard(agent: Any, assist_server: Any) -> None:
    application, live = assist_server
    page = agent
    page.goto(f"{live.url}/assist/{application.state.ids['v2']}?lang=en")
    assert page.locator(".assist-relabel").count() == 0  # the script rewords at once instead
    # First caller: by phone is preselected; move to in person, then French, then the office.
    tab_to(page, "channel-phone")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(FOCUSED) == "channel-in_person"
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "caller-en"
    page.keyboard.press("ArrowRight")
    assert page.locator("#question-trust .q-text").get_attribute("lang") == "fr"
    assert "confiance" in page.locator("#question-trust .q-text").inner_text()
    assert page.locator("#question-went_well").is_hidden()  # shown after a thumbs up only
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "touchpoint"
    page.keyboard.type("Guichet 3")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "q_trust-1"
    page.keyboard.press("Space")
    assert page.locator("#question-went_well").is_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first thing that went well
    tab_to(page, "q_comment")
    page.keyboard.type("Merci beaucoup.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Save and start the next person
    page.wait_for_selector(".assist-status.confirmation")
    status = page.locator("[role=status]").inner_text()
    assert status.startswith("Saved. Response ")
    # Second caller: the cursor waits on the first question; channel, language, office stay.
    assert page.evaluate(FOCUSED) == "q_trust-1"
    assert page.locator("#channel-in_person").is_checked()
    assert page.locator("#caller-fr").is_checked()
    assert page.input_value("#touchpoint") == "Guichet 3"
    assert page.locator("form.assist-form input[name^=q_]:checked").count() == 0
    assert "Responses you entered today: 1" in page.inner_text("main")
    page.keyboard.press("ArrowRight")  # Disagree: the thumbs down
    assert page.locator("#q_trust-2").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "q_went_badly-1"
    page.keyboard.press("Space")
    tab_to(page, "save")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => (document.querySelector('[role=status]').textContent || '').includes('Saved')"
        " && document.activeElement.id === 'q_trust-1'"
    )
    assert "Responses you entered today: 2" in page.inner_text("main")
    with session_scope(application.state.engine) as session:
        stored = list(session.exec(select(Response).order_by(col(Response.id))))
        assert [(r.channel, r.language, r.touchpoint, r.assisted) for r in stored] == [
            ("in_person", "fr", "Guichet 3", True),
            ("in_person", "fr", "Guichet 3", True),
        ]
        answers = session.exec(select(Answer).order_by(col(Answer.id))).all()
        by_response = {r.id: [a for a in answers if a.response_id == r.id] for r in stored}
        first, second = (by_response[r.id] for r in stored)
        assert [a.value for a in first if a.value is not None] == [1.0]
        assert [a.option for a in first if a.option] == ["effectiveness"]
        assert [a.text for a in first if a.text] == ["Merci beaucoup."]
        assert [a.value for a in second if a.value is not None] == [0.0]
        assert [a.option for a in second if a.option] == ["effectiveness"]


def test_digit_keys_choose_a_scale_point(browser: Any, assist_server: Any) -> None:
    application, live = assist_server
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live.url}/login?lang=fr")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live.url}/assist/{application.state.ids['counter']}?lang=fr")
    page.focus("#q_timeliness-1")
    page.keyboard.press("4")
    assert page.locator("#q_timeliness-4").is_checked()
    assert page.evaluate(FOCUSED) == "q_timeliness-4"
    page.keyboard.press("9")  # not on a 1 to 5 scale: nothing changes
    assert page.locator("#q_timeliness-4").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "q_knowledge-1"
    context.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_agent_pages_pass_axe(agent: Any, assist_server: Any, lang: str) -> None:
    application, live = assist_server
    page = agent
    survey = application.state.ids["v2"]
    page.goto(f"{live.url}/assist?lang={lang}")
    assert axe_violations(page) == []
    page.goto(f"{live.url}/assist/{survey}?lang={lang}&caller={'fr' if lang == 'en' else 'en'}")
    assert page.locator("html").get_attribute("lang") == lang
    assert axe_violations(page) == []
    # The error state: summary focused, messages beside the fields.
    page.locator("#save").click()
    page.wait_for_selector(".error-summary")
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    assert axe_violations(page) == []
    # The confirmation after a save.
    page.locator("#q_trust-1").check()
    page.locator("#save").click()
    page.wait_for_selector(".assist-status.confirmation")
    assert axe_violations(page) == []

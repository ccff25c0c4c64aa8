"""Kiosk mode (/k/{survey}): a tablet at a counter, one question per screen. Large targets
answered by touch, a reset
for the next person after the thank-you and after a minute idle, answers made offline sent
once when the network is back, nothing of the previous person shown again."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any

import pytest
from kiosk_devices import enrol_browser, enrol_client
from sqlalchemy import delete
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import Answer, AnswerDay, AnswerPairDay, Response, ResponseDay

from conftest import (
    LiveServer,
    _free_port,
    axe_violations,
    make_settings,
    save_shot,
    seed_minimal,
)

CHECKED = "() => document.querySelectorAll('form.kiosk-form input:checked').length"


# ---- HTTP, on SQLite and PostgreSQL ----


def test_kiosk_page_headers_channel_and_closed_surveys(client: TestClient, app: Any) -> None:
    ids = app.state.ids
    # An enrolled tablet (tests/answers/test_security_kiosk.py for other devices).
    enrol_client(client, app)
    page = client.get(f"/k/{ids['counter']}?touchpoint=Desk%203&lang=fr")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"  # never shown again from a cache
    assert "set-cookie" not in page.headers
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert 'name="channel" value="kiosk"' in page.text
    assert 'name="touchpoint" value="Desk 3"' in page.text
    assert '<html lang="fr">' in page.text and "Envoyer" in page.text
    assert 'href="/k/' in page.text and "home=fr" in page.text  # the toggle keeps the home
    # A survey not offered at kiosks has no kiosk page: never another channel instead.
    web_only = client.get(f"/k/{ids['page']}?lang=fr")
    assert web_only.status_code == 404 and web_only.headers["cache-control"] == "no-store"
    assert "Ce lien n'est pas configuré pour ce sondage." in unescape(web_only.text)
    assert client.get(f"/k/{ids['closed']}").status_code == 410
    assert client.get("/k/nosuchsurvey").status_code == 404
    assert client.get(f"/k/{ids['draft']}").status_code == 404


# ---- Chromium ----


@pytest.fixture(scope="module")
def kiosk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, LiveServer]]:
    port = _free_port()
    url = f"sqlite:///{tmp_path_factory.mktemp('kiosk') / 'feedback.db'}"
    application = create_app(make_settings(url, base_url=f"http://127.0.0.1:{port}"))
    seed_minimal(application)
    with LiveServer(application, port) as live:
        yield application, live
    application.state.engine.dispose()


@pytest.fixture
def tablet(browser: Any, kiosk_server: Any) -> Iterator[Any]:
    """A touch tablet's browser page, its clock under the test's control; no stored answers."""
    context = browser.new_context(has_touch=True, viewport={"width": 1024, "height": 768})
    enrol_browser(context, kiosk_server[0], kiosk_server[1].url)
    page = context.new_page()
    page.clock.install()
    yield page
    context.close()
    with session_scope(kiosk_server[0].state.engine) as session:
        for table in (Answer, AnswerPairDay, AnswerDay, ResponseDay, Response):
            session.execute(delete(table))


def responses(app: Any) -> list[Response]:
    with session_scope(app.state.engine) as session:
        return list(session.exec(select(Response)))


def wait_for(check: Callable[[], Any], timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def open_kiosk(page: Any, server: LiveServer, survey: str, query: str = "") -> None:
    page.goto(f"{server.url}/k/{survey}{query}")
    page.locator("form.kiosk-form").wait_for()


def next_screen(page: Any, times: int = 1) -> None:
    """Tap Next (Suivant) `times` times, one question per screen."""
    for _ in range(times):
        page.locator(".kiosk-next").tap()


def to_last_screen(page: Any) -> None:
    """Tap Next until the last question, where Send takes its place."""
    while page.locator(".kiosk-next").is_visible():
        page.locator(".kiosk-next").tap()


@pytest.mark.browser
def test_answered_by_touch_then_ready_for_the_next_person(kiosk_server: Any, tablet: Any) -> None:
    app, live = kiosk_server
    open_kiosk(tablet, live, app.state.ids["counter"], "?touchpoint=Desk%203&lang=fr")
    # Large targets: every answer is a card at least 48 px high, and so is the button.
    boxes = tablet.locator(".choice:visible").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect()).map(r => Math.min(r.width, r.height))"
    )
    assert boxes and min(boxes) >= 48
    assert tablet.locator(".kiosk-next").bounding_box()["height"] >= 48
    first_id = tablet.locator("input[name=submission_id]").input_value()
    assert tablet.locator(".kiosk-progress").inner_text() == "Question 1 sur 8"
    assert tablet.locator(".kiosk-question:visible").count() == 1  # one question per screen
    assert not tablet.locator(".kiosk-back").is_visible()  # nothing before the first
    tablet.get_by_text("Fortement d'accord").first.tap()  # the whole card is the target
    next_screen(tablet)
    # Focus on the new question's legend; the progress is a live region, read out.
    assert tablet.evaluate("() => document.activeElement.tagName") == "LEGEND"
    assert "Le personnel était bien informé" in tablet.evaluate(
        "() => document.activeElement.textContent"
    )
    assert tablet.locator(".kiosk-progress").get_attribute("aria-live") == "polite"
    assert tablet.locator(".kiosk-progress").inner_text() == "Question 2 sur 8"
    tablet.get_by_role("button", name="Retour").tap()  # back: the answer is still there
    assert tablet.evaluate(CHECKED) == 1
    next_screen(tablet, 5)
    tablet.get_by_text("Très satisfait").tap()
    to_last_screen(tablet)
    assert tablet.locator(".kiosk-progress").inner_text() == "Question 8 sur 8"
    assert tablet.locator(".kiosk-send").bounding_box()["height"] >= 48
    tablet.get_by_role("button", name="Envoyer").tap()
    thanks = tablet.get_by_text("Merci. Vos commentaires ont été envoyés.")
    thanks.wait_for()
    assert tablet.evaluate(CHECKED) == 0  # the answers left the page before the thank-you
    [stored] = wait_for(lambda: responses(app))
    assert (stored.channel, stored.touchpoint, stored.language) == ("kiosk", "Desk 3", "fr")
    tablet.clock.fast_forward(7000)
    assert not thanks.is_visible()
    assert tablet.locator(".kiosk-progress").inner_text() == "Question 1 sur 8"
    assert tablet.get_by_role("button", name="Suivant").is_visible()
    assert tablet.locator("input[name=submission_id]").input_value() != first_id
    assert len(responses(app)) == 1


@pytest.mark.browser
def test_required_answers_are_asked_for_before_the_thank_you(
    kiosk_server: Any, tablet: Any
) -> None:
    app, live = kiosk_server
    open_kiosk(tablet, live, app.state.ids["counter"], "?lang=en")
    next_screen(tablet, 5)
    tablet.get_by_role("button", name="Next").tap()  # the required question, unanswered
    summary = tablet.get_by_role("alert").filter(has_text="There is a problem")
    summary.get_by_text("Choose an answer: Overall, how satisfied").wait_for()
    assert tablet.locator(".kiosk-progress").inner_text() == "Question 6 of 8"  # not moved on
    assert axe_violations(tablet) == []
    tablet.get_by_text("Very satisfied", exact=True).tap()
    to_last_screen(tablet)
    tablet.get_by_role("button", name="Send").tap()
    tablet.get_by_text("Thank you. Your feedback was sent.").wait_for()
    assert wait_for(lambda: responses(app))


@pytest.mark.browser
def test_answers_made_offline_are_sent_once_when_the_network_is_back(
    kiosk_server: Any, tablet: Any
) -> None:
    app, live = kiosk_server
    open_kiosk(tablet, live, app.state.ids["counter"], "?touchpoint=Front&lang=en")
    tablet.context.set_offline(True)
    for answer in ("Very satisfied", "Dissatisfied"):
        next_screen(tablet, 5)  # the steps need no network
        tablet.get_by_text(answer, exact=True).tap()
        to_last_screen(tablet)
        tablet.get_by_role("button", name="Send").tap()
        tablet.get_by_text("Thank you. Your feedback was sent.").wait_for()
        tablet.clock.fast_forward(7000)
        tablet.get_by_role("button", name="Next").wait_for()
    tablet.get_by_text("No connection right now.").wait_for()
    assert responses(app) == []
    kept = tablet.evaluate("() => Object.keys(localStorage)")
    assert kept == ["fb-kiosk-outbox"]
    assert len(tablet.evaluate("() => JSON.parse(localStorage['fb-kiosk-outbox'])")) == 2
    tablet.context.set_offline(False)
    tablet.clock.fast_forward(16000)  # the next regular try
    stored = wait_for(lambda: len(responses(app)) == 2 and responses(app))
    assert sorted(r.touchpoint or "" for r in stored) == ["Front", "Front"]
    wait_for(lambda: tablet.evaluate("() => localStorage.length") == 0)
    assert tablet.evaluate("() => localStorage.length") == 0
    tablet.clock.fast_forward(16000)
    time.sleep(0.3)
    assert len(responses(app)) == 2  # each stored once
    # No cookie but the tablet's own kiosk key (HttpOnly, sent to /k/ only).
    assert [c["name"] for c in tablet.context.cookies()] == ["feedback_kiosk"]


@pytest.mark.browser
def test_idle_warning_then_reset_and_back_to_the_counter_language(
    kiosk_server: Any, tablet: Any
) -> None:
    app, live = kiosk_server
    open_kiosk(tablet, live, app.state.ids["counter"], "?lang=en&touchpoint=Desk%201")
    tablet.get_by_role("link", name="Français").tap()
    tablet.get_by_role("button", name="Suivant").wait_for()
    next_screen(tablet, 5)
    tablet.get_by_text("Très satisfait").tap()
    tablet.clock.fast_forward(41000)
    warning = tablet.get_by_role("alert").filter(has_text="Êtes-vous toujours là?")
    warning.wait_for()
    tablet.get_by_role("button", name="Continuer").tap()
    assert not warning.is_visible() and tablet.evaluate(CHECKED) == 1
    tablet.clock.fast_forward(61000)
    # Reset: the next person starts in the counter's language, with nothing answered.
    tablet.wait_for_url(re.compile(r".*lang=en.*"))
    tablet.get_by_role("button", name="Next").wait_for()
    assert tablet.locator(".kiosk-progress").inner_text() == "Question 1 of 8"
    assert tablet.evaluate(CHECKED) == 0
    assert "touchpoint=Desk+1" in tablet.url
    assert responses(app) == []


@pytest.mark.browser
def test_the_back_button_never_shows_the_previous_answers(kiosk_server: Any, tablet: Any) -> None:
    app, live = kiosk_server
    open_kiosk(tablet, live, app.state.ids["counter"], "?lang=en")
    next_screen(tablet, 5)
    tablet.get_by_text("Very satisfied", exact=True).tap()
    to_last_screen(tablet)
    tablet.locator("textarea").fill("My private remark")
    tablet.goto(f"{live.url}/s/{app.state.ids['page']}")
    tablet.go_back()
    tablet.get_by_role("button", name="Next").wait_for()
    assert tablet.evaluate(CHECKED) == 0
    assert tablet.locator("textarea").input_value() == ""


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_kiosk_passes_axe(kiosk_server: Any, tablet: Any, lang: str) -> None:
    app, live = kiosk_server
    open_kiosk(tablet, live, app.state.ids["v2"], f"?lang={lang}")
    found = {"form": axe_violations(tablet)}
    tablet.locator("input[name=q_trust]").first.check()
    to_last_screen(tablet)
    found["last screen"] = axe_violations(tablet)
    tablet.locator(".kiosk-send").tap()
    tablet.locator(".kiosk-thanks").wait_for()
    found["thank you"] = axe_violations(tablet)
    tablet.clock.fast_forward(7000)
    tablet.locator("input[name=q_trust]").first.check()
    tablet.clock.fast_forward(41000)
    tablet.locator(".kiosk-idle").wait_for()
    found["idle warning"] = axe_violations(tablet)
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_kiosk_steps_screenshots(kiosk_server: Any, browser: Any, lang: str) -> None:
    """The steps on a landscape and a portrait tablet; FEEDBACK_SCREENSHOTS=1 saves them to
    docs/screenshots/."""
    app, live = kiosk_server
    for width, height in ((1280, 800), (800, 1280)):
        context = browser.new_context(has_touch=True, viewport={"width": width, "height": height})
        enrol_browser(context, app, live.url)
        page = context.new_page()
        open_kiosk(page, live, app.state.ids["counter"], f"?lang={lang}")
        # The screen is used: the question is far wider than the old 560 px column.
        assert page.locator(".kiosk-question:visible").bounding_box()["width"] > width * 0.7
        save_shot(page, f"kiosk-step-1-{width}x{height}-{lang}.png")
        next_screen(page)
        save_shot(page, f"kiosk-step-2-{width}x{height}-{lang}.png")
        next_screen(page, 4)
        page.locator("input[name=q_satisfaction]").first.check()  # the required one
        to_last_screen(page)
        save_shot(page, f"kiosk-step-last-{width}x{height}-{lang}.png")
        context.close()

"""Told before submitting: the hosted form shows what the scrubber removes, then stores it.

Must show (issue 5): a comment holding an email address, a phone number, a valid SIN and a
card number is stored with all four removed, and the person was told before submitting.
"""

from __future__ import annotations

import re
import time
from html import unescape
from typing import Any

import pytest
from kiosk_devices import enrol_browser, enrol_client
from sqlalchemy import delete
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import Answer, Response

from conftest import axe_violations

COMMENT = (
    "Write to jo.tremblay@example.ca or call 613-555-0199. "
    "My SIN is 046 454 286 and my card is 4111 1111 1111 1111."
)
SECRETS = ("jo.tremblay@example.ca", "613-555-0199", "046 454 286", "4111 1111 1111 1111")


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def textarea(html: str, name: str) -> str:
    found = re.search(rf'<textarea id="{name}" name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, f"no textarea {name}"
    return unescape(found.group(1))


def responses(app: Any, survey: str) -> list[Response]:
    with session_scope(app.state.engine) as session:
        return list(session.exec(select(Response).where(Response.survey_id == survey)))


def comments(app: Any) -> list[str]:
    with session_scope(app.state.engine) as session:
        return [t for t in session.exec(select(Answer.text)) if t is not None]


def test_all_four_removed_and_told_before_storing(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    form = hidden_fields(client.get(f"/s/{survey}?lang=en").text)
    assert "pii_checked" not in form
    first = client.post(f"/s/{survey}", data={**form, "q_found": "false", "q_comment": COMMENT})
    # Told, with every kind named, and nothing stored yet.
    assert first.status_code == 422
    assert (
        "We removed an email address, a phone number, a social insurance number and a card "
        "number from your comment. Check it, then send it." in first.text
    )
    assert "<title>Check your comment:" in first.text
    assert 'class="pii-check" role="status"' in first.text
    assert responses(app, survey) == [] and comments(app) == []
    # The field now holds the text as it would be stored, for the person to read.
    shown = textarea(first.text, "q_comment")
    assert not any(s in shown for s in SECRETS)
    assert re.search(r'<textarea id="q_comment"[^>]*aria-describedby="[^"]*pii-comment', first.text)
    # The browser posts the form again as shown (answers kept, flag set): now it is stored.
    again = hidden_fields(first.text)
    assert again["pii_checked"] == "1"
    thanks = client.post(f"/s/{survey}", data={**again, "q_found": "false", "q_comment": shown})
    assert thanks.status_code == 200
    assert "Thank you. Your feedback was sent." in thanks.text
    [text] = comments(app)
    assert not any(s in text for s in SECRETS)
    for marker in ("[email removed]", "[phone removed]", "[SIN removed]", "[card removed]"):
        assert marker in text
    assert len(responses(app, survey)) == 1


def test_told_in_french_and_flag_stores_what_was_typed(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    form = hidden_fields(client.get(f"/s/{survey}?lang=fr").text)
    first = client.post(f"/s/{survey}", data={**form, "q_found": "true", "q_comment": COMMENT})
    assert first.status_code == 422
    assert (
        "Nous avons retiré une adresse courriel, un numéro de téléphone, un numéro "
        "d’assurance sociale et un numéro de carte de votre commentaire." in unescape(first.text)
    )
    assert responses(app, survey) == []
    # Even if the person puts the original back, the flagged post stores it scrubbed.
    again = hidden_fields(first.text)
    thanks = client.post(f"/s/{survey}", data={**again, "q_found": "true", "q_comment": COMMENT})
    assert thanks.status_code == 200
    assert "nous avons retiré des renseignements personnels" in unescape(thanks.text)
    [text] = comments(app)
    assert not any(s in text for s in SECRETS)


def test_honeypot_answers_thanks_and_stores_nothing(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    page = client.get(f"/s/{survey}?lang=en").text
    trap = re.search(r'<div class="hp-field" aria-hidden="true">(.*?)</div>', page, re.S)
    assert trap and 'tabindex="-1"' in trap.group(1) and 'autocomplete="off"' in trap.group(1)
    assert "Leave this field empty" in trap.group(1)
    data = {**hidden_fields(page), "q_found": "true", "website": "http://spam.example"}
    thanks = client.post(f"/s/{survey}", data=data)
    assert thanks.status_code == 200
    assert "Thank you. Your feedback was sent." in thanks.text
    assert responses(app, survey) == []
    # An empty trap is what people send: stored, and a clean comment on the first post.
    data.update(website="", q_comment="Clear, thank you.")
    assert client.post(f"/s/{survey}", data=data).status_code == 200
    assert len(responses(app, survey)) == 1
    assert comments(app) == ["Clear, thank you."]
    # The kiosk has the same trap and notice.
    enrol_client(client, app)
    kiosk = unescape(client.get(f"/k/{app.state.ids['counter']}?lang=fr").text)
    assert 'name="website"' in kiosk and "Leave this field empty" not in kiosk
    assert "Nous n’utilisons pas de témoins" in kiosk


# ---- Chromium: the same, as people meet it, and axe-core ----


@pytest.mark.browser
def test_hosted_check_and_errors_pass_axe(live_app: Any, browser: Any) -> None:
    app, server = live_app
    for lang in ("en", "fr"):
        hosted_check_and_errors(app, server, browser, lang)


def hosted_check_and_errors(app: Any, server: Any, browser: Any, lang: str) -> None:
    with session_scope(app.state.engine) as session:
        session.execute(delete(Answer))
        session.execute(delete(Response))
    page = browser.new_page()
    try:
        page.goto(f"{server.url}/s/{app.state.ids['page']}?lang={lang}")
        page.locator("#q_found-2").check()
        page.locator("#q_comment").fill(COMMENT)
        page.locator("button[type=submit]").click()
        page.locator(".pii-check").wait_for()
        assert axe_violations(page) == []
        marker = "[courriel retiré]" if lang == "fr" else "[email removed]"
        assert marker in page.locator("#q_comment").input_value()
        assert responses(app, app.state.ids["page"]) == []
        page.locator("button[type=submit]").click()
        page.locator(".confirmation").wait_for()
        [text] = comments(app)
        assert not any(s in text for s in SECRETS)
        # The error state of a longer form (a required answer missing), notice open.
        page.goto(f"{server.url}/s/{app.state.ids['counter']}?lang={lang}")
        page.locator("button[type=submit]").click()
        page.locator(".error-summary").wait_for()
        page.locator("details.privacy-notice summary").click()
        assert axe_violations(page) == []
    finally:
        page.close()


@pytest.mark.browser
def test_kiosk_tells_before_storing(live_app: Any, browser: Any) -> None:
    app, server = live_app
    survey = app.state.ids["counter"]
    page = browser.new_page()
    enrol_browser(page.context, app, server.url)
    try:
        page.goto(f"{server.url}/k/{survey}?lang=fr")
        for _ in range(5):  # one question per screen: on to the required one
            page.locator(".kiosk-next").click()
        page.get_by_text("Très satisfait").click()
        while page.locator(".kiosk-next").is_visible():
            page.locator(".kiosk-next").click()
        page.locator("textarea").fill(COMMENT)
        page.get_by_role("button", name="Envoyer").click()
        check = page.locator(".pii-check")
        check.wait_for()
        assert "un numéro d’assurance sociale et un numéro de carte" in check.inner_text()
        assert "[carte retirée]" in page.locator("textarea").input_value()
        assert responses(app, survey) == []
        assert axe_violations(page) == []
        page.get_by_role("button", name="Envoyer").click()
        page.get_by_text("Merci. Vos commentaires ont été envoyés.").wait_for()
        stored = wait_until(lambda: comments(app))
        assert stored and not any(s in stored[0] for s in SECRETS)
        assert responses(app, survey)[0].channel == "kiosk"
    finally:
        page.close()


def wait_until(check: Any, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value

"""Kiosk without JavaScript: one question per screen, each Next or Back a post to
/k/{survey}/step that keeps the answers so far in the form and stores nothing; the last
screen posts them all to the intake, which checks them again."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from kiosk_devices import enrol_client
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import Answer, Question, Response
from feedback.surveys import definitions as surveys


def form_data(html: str) -> dict[str, list[str]]:
    """What the browser would post: hidden fields and checked or filled answers."""
    data: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html):
        data.setdefault(name, []).append(unescape(value))
    for tag in re.findall(r"<input [^>]*checked[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and value:
            data.setdefault(name.group(1), []).append(unescape(value.group(1)))
    for name, text in re.findall(
        r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', html
    ):
        if text:
            data.setdefault(name, []).append(unescape(text))
    return data


def progress(html: str) -> str:
    found = re.search(r'id="kiosk-progress"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def shown_key(html: str) -> str:
    """The key of the one question drawn without `hidden`."""
    keys = re.findall(r'<div class="kiosk-question"[^>]*data-key="([^"]+)"(?![^>]*hidden)', html)
    assert len(keys) == 1, keys
    return keys[0]


def step(client: TestClient, survey: str, html: str, go: str, lang: str, **answers: str) -> Any:
    data = form_data(html)
    for key, value in answers.items():
        data[key] = [value]
    data["go"] = [go]
    return client.post(f"/k/{survey}/step?lang={lang}", data=data)


def stored(app: Any) -> list[tuple[str, float | None]]:
    with session_scope(app.state.engine) as session:
        rows = session.exec(select(Question.key, Answer.value).join(Question))
        return sorted((key, value) for key, value in rows)


def count_responses(app: Any) -> int:
    with session_scope(app.state.engine) as session:
        return len(list(session.exec(select(Response))))


def test_steps_keep_answers_and_store_nothing_until_sent(app: Any, client: TestClient) -> None:
    survey = app.state.ids["counter"]
    enrol_client(client, app)
    page = client.get(f"/k/{survey}?lang=fr&touchpoint=Desk%202")
    assert progress(page.text) == "Question 1 sur 8" and shown_key(page.text) == "timeliness"
    assert 'value="back" hidden' in page.text  # no Back on the first screen
    page = step(client, survey, page.text, "next", "fr", q_timeliness="4")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "set-cookie" not in page.headers
    assert progress(page.text) == "Question 2 sur 8" and shown_key(page.text) == "knowledge"
    assert form_data(page.text)["q_timeliness"] == ["4"]  # kept, in its hidden screen
    assert " autofocus>" in page.text  # the new question takes the focus
    page = step(client, survey, page.text, "back", "fr")
    assert shown_key(page.text) == "timeliness" and form_data(page.text)["q_timeliness"] == ["4"]
    for _ in range(5):
        page = step(client, survey, page.text, "next", "fr")
    assert shown_key(page.text) == "satisfaction"
    # The required question is asked for again, in French, on the same screen.
    page = step(client, survey, page.text, "next", "fr")
    assert shown_key(page.text) == "satisfaction"
    assert "Choisissez une réponse" in unescape(page.text) and "aria-invalid" not in page.text
    page = step(client, survey, page.text, "next", "fr", q_satisfaction="5")
    page = step(client, survey, page.text, "next", "fr")
    assert progress(page.text) == "Question 8 sur 8" and shown_key(page.text) == "comment"
    assert 'class="button kiosk-send">Envoyer' in page.text  # Send shown, first, on the last
    assert count_responses(app) == 0  # nothing stored by the steps
    data = form_data(page.text)
    assert data["touchpoint"] == ["Desk 2"] and data["home"] == ["fr"]
    sent = client.post(
        f"/k/{survey}", data={**data, "q_comment": ["Très bien"], "pii_checked": ["1"]}
    )
    assert sent.status_code == 200
    assert ("satisfaction", 5) in stored(app) and ("timeliness", 4) in stored(app)
    assert count_responses(app) == 1


@pytest.mark.parametrize("bad", ["abc", "-5", "999999999999", "", "1e9", "٣"])
def test_any_step_value_gets_a_screen_never_a_500(app: Any, client: TestClient, bad: str) -> None:
    survey = app.state.ids["counter"]
    enrol_client(client, app)
    page = client.post(f"/k/{survey}/step?lang=en", data={"step": bad, "go": "next", "lang": "en"})
    assert page.status_code == 200 and progress(page.text).startswith("Question ")


def test_steps_keep_the_kiosk_rules(app: Any, client: TestClient) -> None:
    ids = app.state.ids
    data = {"step": "0", "go": "next", "q_timeliness": "5"}
    # Not an enrolled tablet: refused, nothing drawn to answer with.
    assert client.post(f"/k/{ids['counter']}/step?lang=en", data=data).status_code == 403
    enrol_client(client, app)
    assert client.post(f"/k/{ids['page']}/step?lang=en", data=data).status_code == 404
    assert client.post(f"/k/{ids['closed']}/step", data=data).status_code == 410
    assert client.post("/k/nosuchsurvey/step", data=data).status_code == 404
    assert count_responses(app) == 0


def error_of(html: str, key: str) -> str:
    """The error shown beside question `key`."""
    found = re.search(rf'<p class="error-message" id="err-{key}">(.*?)</p>', html, re.S)
    assert found, key
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_step_left_empty_says_what_the_hosted_page_says(
    app: Any, client: TestClient, lang: str
) -> None:
    """One wording for a missing answer: a rating, a multi (the kiosk once said "Choose an
    answer" where the hosted form says "Choose at least one answer") and a text."""
    survey = app.state.ids["counter"]
    with session_scope(app.state.engine) as session:
        for q in session.exec(select(Question).where(Question.survey_id == survey)):
            if q.key in ("other_channel", "comment"):
                q.required, q.kind = True, "multi" if q.key == "other_channel" else q.kind
                session.add(q)
    hosted = client.post(f"/s/{survey}?lang={lang}", data={"lang": lang})
    enrol_client(client, app)
    with session_scope(app.state.engine) as session:
        keys = [q.key for q in surveys.questions_of(session, survey)]
    for key in ("satisfaction", "other_channel", "comment"):
        data = {"step": str(keys.index(key)), "go": "next"}
        kiosk = client.post(f"/k/{survey}/step?lang={lang}", data=data)
        assert shown_key(kiosk.text) == key
        assert error_of(kiosk.text, key) == error_of(hosted.text, key), (key, lang)
    assert count_responses(app) == 0

"""People offered a survey: counted once per page view, bounded per client, idempotent for
integrators, and the agent's "declined" counted once."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import OpportunityDay, utcnow
from feedback.integrations import tokens

from conftest import login


def offered(app: Any, survey: str, channel: str | None = None) -> int:
    with session_scope(app.state.engine) as session:
        stmt = select(func.coalesce(func.sum(OpportunityDay.n), 0)).where(
            col(OpportunityDay.survey_id) == survey
        )
        if channel:
            stmt = stmt.where(col(OpportunityDay.channel) == channel)
        return int(session.exec(stmt).one())


def make_token(app: Any, scopes: list[str], services: list[str] | None = None) -> str:
    with session_scope(app.state.engine) as session:
        created = tokens.create(
            session, name="ivr", scopes=scopes, service_ids=services or [], by="test"
        )
    return created.secret


def test_each_hosted_page_view_counts_one(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    assert client.get(f"/s/{survey}?touchpoint=renewal").status_code == 200
    assert offered(app, survey) == 1
    assert client.get(f"/s/{survey}?touchpoint=renewal").status_code == 200  # a refresh
    assert offered(app, survey) == 2
    with session_scope(app.state.engine) as session:
        (row,) = session.exec(select(OpportunityDay)).all()
        assert (row.channel, row.touchpoint, row.n) == ("web", "renewal", 2)
    # Posting the form is the same person answering, not another offer.
    client.post(f"/s/{survey}", data={"lang": "en", "q_found": "true", "submission_id": "x1"})
    assert offered(app, survey) == 2
    assert client.get(f"/s/{app.state.ids['closed']}").status_code == 410
    assert offered(app, app.state.ids["closed"]) == 0


def test_a_bot_posting_counts_is_bounded(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    limit = app.state.settings.opportunity_limit_per_hour
    for _ in range(limit + 80):
        answer = client.post(
            f"/api/v1/surveys/{survey}/seen",
            data={"channel": "web"},
            headers={"Origin": "https://host.example"},
        )
        assert answer.status_code == 204
    assert offered(app, survey) == limit
    # Nothing counted for an origin the survey does not allow, or a channel it does not offer.
    denied = client.post(
        f"/api/v1/surveys/{survey}/seen", headers={"Origin": "https://evil.example"}
    )
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "origin_not_allowed"
    assert client.post("/api/v1/surveys/nosuchsurvey/seen").status_code == 404
    assert client.post(f"/api/v1/surveys/{survey}/seen", content=b"\xff\x00").status_code == 204


def test_a_channel_the_survey_does_not_offer_counts_nothing(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]  # web only
    client.post(f"/api/v1/surveys/{survey}/seen", data={"channel": "phone"})
    assert offered(app, survey) == 0
    client.post(f"/api/v1/surveys/{survey}/seen", data={"channel": "web", "touchpoint": "x" * 500})
    with session_scope(app.state.engine) as session:
        (row,) = session.exec(select(OpportunityDay)).all()
        assert len(row.touchpoint) == 100


def test_the_widget_path_never_counts_kiosk_sessions(client: TestClient, app: Any) -> None:
    survey = app.state.ids["counter"]
    # Kiosk sessions count only from enrolled tablets (/k/{survey}/seen), with their own bound.
    for _ in range(3):
        answer = client.post(f"/api/v1/surveys/{survey}/seen", data={"channel": "kiosk"})
        assert answer.status_code == 204
    assert offered(app, survey, "kiosk") == 0


def test_integrators_counts_are_idempotent(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    secret = make_token(app, ["ingest"])
    auth = {"Authorization": f"Bearer {secret}"}
    day = (utcnow().date() - timedelta(days=1)).isoformat()
    item = {"survey": survey, "channel": "ivr", "day": day, "count": 250, "key": "ivr-1"}
    first = client.post("/api/v1/opportunities", json=item, headers=auth)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 1
    again = client.post("/api/v1/opportunities", json={"items": [item]}, headers=auth)
    assert again.json()["replayed"] == 1
    assert offered(app, survey, "ivr") == 250
    reused = client.post("/api/v1/opportunities", json={**item, "count": 9}, headers=auth)
    assert reused.json()["results"][0]["status"] == 409
    assert offered(app, survey, "ivr") == 250
    bad = client.post(
        "/api/v1/opportunities",
        json={"items": [{"survey": survey, "channel": "nope", "day": "2026-13-01", "count": -1}]},
        headers=auth,
    )
    errors = bad.json()["results"][0]["error"]["fields"]
    assert set(errors) == {"channel", "day", "count", "key"}
    too_many = client.post("/api/v1/opportunities", json={"items": [item] * 1001}, headers=auth)
    assert too_many.status_code == 422
    assert client.post("/api/v1/opportunities", json=item).status_code == 401
    read_only = {"Authorization": f"Bearer {make_token(app, ['read'])}"}
    assert client.post("/api/v1/opportunities", json=item, headers=read_only).status_code == 403
    other = {"Authorization": f"Bearer {make_token(app, ['ingest'], ['parks'])}"}
    refused = client.post("/api/v1/opportunities", json={**item, "key": "k2"}, headers=other)
    assert refused.json()["results"][0]["status"] == 403
    with session_scope(app.state.engine) as session:
        (row,) = session.exec(select(OpportunityDay)).all()
        assert row.day == date.fromisoformat(day)


def test_an_agent_records_offered_and_declined(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    login(client, "agent")
    page = client.get(f"/assist/{survey}?lang=en&channel=phone")
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    form = {**hidden, "channel": "phone", "caller": "en", "action": "declined"}
    first = client.post(f"/assist/{survey}?lang=en", data=form, follow_redirects=False)
    assert first.status_code == 303
    client.post(f"/assist/{survey}?lang=en", data=form, follow_redirects=False)  # double click
    assert offered(app, survey, "phone") == 1
    shown = client.get(first.headers["location"])
    assert "the person declined" in shown.text
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', shown.text))
    saved = client.post(
        f"/assist/{survey}?lang=en",
        data={**hidden, "channel": "phone", "caller": "en", "q_trust": "true", "action": "save"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert offered(app, survey, "phone") == 2


@pytest.mark.browser
def test_a_widget_page_view_counts_exactly_one(live_app: Any, browser: Any) -> None:
    application, server = live_app
    survey = application.state.ids["page"]
    page = browser.new_page()
    try:
        for views in (1, 2):
            page.goto(f"{server.url}/demo?mode=inline")
            page.wait_for_selector("div >> css=.w", state="attached", timeout=10_000)
            deadline = time.monotonic() + 10
            while offered(application, survey) < views and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)  # anything extra would have come by now
            assert offered(application, survey) == views
        # Redrawing (the language toggle) is the same page view: nothing more is counted.
        page.locator("button.tg").click()
        time.sleep(0.3)
        assert offered(application, survey) == 2
    finally:
        page.close()


def test_integrators_keys_are_forgotten_after_a_month(client: TestClient, app: Any) -> None:
    from datetime import UTC, datetime

    from feedback.core.models import OpportunityBatch
    from feedback.reach import sending

    secret = make_token(app, ["ingest"])
    day = utcnow().date().isoformat()
    item = {"survey": app.state.ids["v2"], "channel": "ivr", "day": day, "count": 5, "key": "a"}
    client.post("/api/v1/opportunities", json=item, headers={"Authorization": f"Bearer {secret}"})
    with session_scope(app.state.engine) as session:
        assert len(session.exec(select(OpportunityBatch)).all()) == 1
    # Nothing can be sent here (no SMTP, no SMS), yet what is kept past its time goes.
    later = datetime.now(UTC) + timedelta(days=31)
    assert sending.run(app.state.engine, app.state.settings, now=later) == {}
    with session_scope(app.state.engine) as session:
        assert session.exec(select(OpportunityBatch)).all() == []

"""The touchpoint is scrubbed wherever it comes in: hosted form, widget API, bulk API, assisted
entry (agents type it) and the counts of people offered a survey."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient

from feedback.answers import intake
from feedback.core.db import session_scope
from feedback.core.models import Response
from feedback.integrations import tokens
from feedback.reach.opportunities import clean_touchpoint

from conftest import login

TYPED = "caller 613-555-0199, jo@example.ca"
CLEAN = "caller [phone removed], [email removed]"


def _touchpoints(app: Any) -> list[str | None]:
    with session_scope(app.state.engine) as session:
        return list(session.exec(select(Response.touchpoint).order_by(Response.id)))


def test_every_way_in_scrubs_the_touchpoint(client: TestClient, app: Any) -> None:
    page = app.state.ids["page"]
    # The widget's API.
    body = {"channel": "web", "language": "en", "touchpoint": TYPED, "answers": {"found": True}}
    assert client.post(f"/api/v1/surveys/{page}/responses", json=body).status_code == 201
    # The hosted form, from a link's parameter.
    html = client.get(f"/s/{page}", params={"touchpoint": TYPED}).text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    form["touchpoint"] = TYPED
    assert client.post(f"/s/{page}", data={**form, "q_found": "true"}).status_code == 200
    # The bulk API.
    with session_scope(app.state.engine) as session:
        secret = tokens.create(session, name="crm", scopes=["ingest"], by="test").secret
    item = {"survey": page, "idempotency_key": "t-1", "channel": "web", "language": "en"}
    item |= {"touchpoint": TYPED, "answers": {"found": False}}
    sent = client.post(
        "/api/v1/responses", json={"items": [item]}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert sent.json()["results"][0]["status"] == 201
    assert _touchpoints(app) == [CLEAN, CLEAN, CLEAN]


def test_assisted_entry_scrubs_what_the_agent_types(client: TestClient, app: Any) -> None:
    login(client, "agent")
    survey = app.state.ids["v2"]
    page = client.get(f"/assist/{survey}", params={"touchpoint": "rappel 613 555 0199"})
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    data = {**hidden, "channel": "phone", "caller": "fr", "q_trust": "true"}
    data["touchpoint"] = "rappel 613 555 0199"
    assert client.post(f"/assist/{survey}", data=data, follow_redirects=False).status_code == 303
    assert _touchpoints(app) == ["rappel [téléphone retiré]"]
    # The counts of people offered a survey key their touchpoint scrubbed too.
    assert clean_touchpoint("  desk 4, K1A 0B1 ") == "desk 4, [postal code removed]"
    # A touchpoint over the limit is left for validation to refuse, not scrubbed at length.
    long = intake.Submission(channel="web", language="en", touchpoint="1" * 5000, answers={})
    assert long.touchpoint == "1" * 5000

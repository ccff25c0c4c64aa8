"""Assisted entry (/assist/{survey}): an agent types in a caller's or visitor's answers.

Stored through intake, marked assisted, on the channel the agent chose, in the language the
person answered in; a double click stores once; only agents, managers and admins of the
survey's service get in; errors keep every answer. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import col, select
from starlette.testclient import TestClient

from dashboards import modes
from feedback.answers.assisted import ACTION
from feedback.core.db import session_scope
from feedback.core.models import Answer, AuditEntry, Response
from feedback.insight import queries
from feedback.staff import auth

from conftest import ADMIN_PASSWORD, login


def _form(client: TestClient, path: str) -> dict[str, str]:
    """The hidden fields of the assisted-entry form at `path`."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    assert found.get("csrf_token") and found.get("submission_id")
    return found


def _responses(app: Any) -> list[Response]:
    with session_scope(app.state.engine) as session:
        return list(session.exec(select(Response).order_by(col(Response.id))))


def _add_user(app: Any, username: str, role: str, services: list[str]) -> None:
    with session_scope(app.state.engine) as session:
        auth.create_user(
            session, username=username, password=ADMIN_PASSWORD, role=role, service_ids=services
        )


def test_agent_stores_a_phone_response_in_french(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    login(client, "agent")
    page = client.get(f"/assist/{survey}?lang=en&caller=fr")
    # The agent's page is in English; the questions are worded in the caller's French.
    assert '<html lang="en">' in page.text and "Save and start the next person" in page.text
    assert "Cette interaction a renforcé ma confiance" in page.text
    assert 'lang="fr">Cette interaction' in page.text
    assert "Leave all unchecked if the person declines" in page.text
    assert "Ask only if the answer to" in page.text  # show_if spelled out for the no-JS page
    assert page.headers["cache-control"] == "no-store"
    hidden = _form(client, f"/assist/{survey}?lang=en&caller=fr")
    posted = client.post(
        f"/assist/{survey}?lang=en",
        data={
            **hidden,
            "channel": "phone",
            "caller": "fr",
            "touchpoint": "Ligne 2",
            "q_trust": "true",
            "q_went_well": ["effectiveness", "employee"],
            "q_comment": "Très bon service, merci.",
            "action": "save",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303
    location = posted.headers["location"]
    assert "channel=phone" in location and "caller=fr" in location
    assert "touchpoint=Ligne" in location
    (stored,) = _responses(app)
    assert (stored.assisted, stored.channel, stored.language, stored.touchpoint) == (
        True,
        "phone",
        "fr",
        "Ligne 2",
    )
    with session_scope(app.state.engine) as session:
        answers = session.exec(select(Answer).where(Answer.response_id == stored.id)).all()
        assert sorted(a.option for a in answers if a.option) == ["effectiveness", "employee"]
        assert [a.value for a in answers if a.value is not None] == [1.0]
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == ACTION)).all()
        assert [(a.username, a.target) for a in audit] == [("agent", f"survey:{survey}")]
        # The dashboards' digital-and-human numbers read the aggregates: counted as assisted.
        filters = queries.Filters.last_days(7)
        rows = queries.response_counts(session, survey_ids=[survey], filters=filters)
        shares = modes.shares(rows, since=filters.since, until=filters.until, grain="week")
        assert sum(s.counts["assisted"] for s in shares) == 1
        assert sum(s.counts["self_service"] for s in shares) == 0
    # The next person's form: empty, the same channel and language, the confirmation shown once.
    following = client.get(location)
    assert f"Saved. Response {stored.id}." in following.text
    assert 'role="status"' in following.text
    assert "Responses you entered today: 1" in following.text
    assert 'id="channel-phone" name="channel" value="phone" checked' in following.text
    assert 'id="caller-fr" name="caller" value="fr" checked' in following.text
    assert 'value="Ligne 2"' in following.text and "checked autofocus" not in following.text
    assert re.search(r'id="q_trust-1"[^>]*autofocus', following.text)  # focus: first question
    assert " checked" not in following.text.split('id="answers-title"')[1]
    again = client.get(location)
    assert "Saved. Response" not in again.text  # shown once, not on every reload


def test_double_post_stores_once(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    login(client, "agent")
    hidden = _form(client, f"/assist/{survey}")
    data = {**hidden, "channel": "in_person", "caller": "en", "q_trust": "false"}
    first = client.post(f"/assist/{survey}", data=data, follow_redirects=False)
    second = client.post(f"/assist/{survey}", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    (stored,) = _responses(app)
    assert stored.channel == "in_person" and stored.assisted
    page = client.get(second.headers["location"])
    assert f"Saved. Response {stored.id}." in page.text
    assert "Responses you entered today: 1" in page.text  # the replay is not counted again
    with session_scope(app.state.engine) as session:
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == ACTION)).all()
        assert len(audit) == 1


def test_errors_keep_every_answer(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    login(client, "agent")
    hidden = _form(client, f"/assist/{survey}?lang=fr")
    data = {
        **hidden,
        "channel": "in_person",
        "caller": "en",
        "touchpoint": "Guichet 4",
        "q_went_bad": "",
        "q_comment": "Long wait at the counter.",
    }
    page = client.post(f"/assist/{survey}?lang=fr", data=data)
    assert page.status_code == 422
    assert _responses(app) == []
    # The summary and the message beside the field, in the agent's French.
    assert "Il y a un problème" in page.text
    assert 'href="#question-trust"' in page.text and 'id="err-trust"' in page.text
    assert "Long wait at the counter." in page.text
    assert 'id="channel-in_person" name="channel" value="in_person" checked' in page.text
    assert 'id="caller-en" name="caller" value="en" checked' in page.text
    assert 'value="Guichet 4"' in page.text
    assert f'name="submission_id" value="{hidden["submission_id"]}"' in page.text
    # A channel the page does not offer is refused, never stored as sent.
    page = client.post(
        f"/assist/{survey}", data={**hidden, "channel": "web", "caller": "en", "q_trust": "true"}
    )
    assert page.status_code == 422 and "not offered on this channel" in page.text
    assert _responses(app) == []


def test_switching_the_callers_language_keeps_answers(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    login(client, "agent")
    hidden = _form(client, f"/assist/{survey}")
    page = client.post(
        f"/assist/{survey}?lang=en",
        data={
            **hidden,
            "channel": "phone",
            "caller": "fr",
            "q_trust": "true",
            "action": "language",
        },
    )
    assert page.status_code == 200 and _responses(app) == []
    assert "Cette interaction" in page.text and "Save and start the next person" in page.text
    assert 'id="q_trust-1" name="q_trust" value="true" checked' in page.text
    assert 'id="caller-fr" name="caller" value="fr" checked autofocus' in page.text


def test_who_may_enter_answers(client: TestClient, app: Any) -> None:
    ids = app.state.ids
    _add_user(app, "viewer", "viewer", ["licences"])
    _add_user(app, "parks_manager", "manager", ["parks"])
    # Anonymous visitors sign in first.
    assert client.get(f"/assist/{ids['v2']}", follow_redirects=False).status_code == 303
    login(client, "viewer")
    assert client.get("/assist").status_code == 403
    assert client.get(f"/assist/{ids['v2']}").status_code == 403
    assert client.post(f"/assist/{ids['v2']}", data={"q_trust": "true"}).status_code == 403
    login(client, "agent")
    listing = client.get("/assist")
    assert ids["v2"] in listing.text and ids["counter"] not in listing.text
    assert ids["page"] not in listing.text  # web only: nothing to enter by phone or in person
    assert 'href="/assist?lang=en" aria-current="page">Assisted entry' in listing.text
    assert 'href="/dashboard?lang=en">' not in listing.text  # agents have no dashboards
    # Another service's survey is refused, reading and posting alike.
    assert client.get(f"/assist/{ids['counter']}").status_code == 403
    hidden = _form(client, f"/assist/{ids['v2']}")
    refused = client.post(
        f"/assist/{ids['counter']}",
        data={**hidden, "channel": "phone", "caller": "en", "q_satisfaction": "5"},
    )
    assert refused.status_code == 403 and _responses(app) == []
    # Without the CSRF token nothing is stored.
    no_token = {k: v for k, v in hidden.items() if k != "csrf_token"}
    assert client.post(f"/assist/{ids['v2']}", data=no_token).status_code == 403
    assert client.get(f"/assist/{ids['closed']}").status_code == 410
    assert client.get(f"/assist/{ids['draft']}").status_code == 404
    assert client.get("/assist/nosuchsurvey").status_code == 404
    login(client, "parks_manager")
    counter = client.get(f"/assist/{ids['counter']}")
    # A clear skip on each question that is not required; none on the required one.
    assert counter.text.count("Declined to answer") == 6
    assert 'id="q_satisfaction-declined"' not in counter.text
    hidden = _form(client, f"/assist/{ids['counter']}")
    saved = client.post(
        f"/assist/{ids['counter']}",
        data={
            **hidden,
            "channel": "in_person",
            "caller": "en",
            "q_timeliness": "",  # declined
            "q_courtesy": "4",
            "q_satisfaction": "5",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    (stored,) = _responses(app)
    with session_scope(app.state.engine) as session:
        answers = session.exec(select(Answer).where(Answer.response_id == stored.id)).all()
        assert sorted(a.value for a in answers) == [4.0, 5.0]
    assert client.get(f"/assist/{ids['v2']}").status_code == 403
    login(client, "admin")
    listing = client.get("/assist?lang=fr")
    assert ids["v2"] in listing.text and ids["counter"] in listing.text
    assert "Saisie assistée" in listing.text


def test_an_agents_today_is_the_offices_local_day(app: Any) -> None:
    from datetime import UTC, datetime

    from feedback.answers import assisted
    from feedback.core.models import StaffUser

    with session_scope(app.state.engine) as session:
        user = session.exec(select(StaffUser)).first()
        assert user is not None
        # 23:30 in Toronto on 30 November is 04:30 UTC on 1 December.
        for hour in (3, 4):  # 22:00 and 23:00 local, both on the 30th
            session.add(
                AuditEntry(
                    user_id=user.id, username=user.username, action=assisted.ACTION,
                    target="response:1", at=datetime(2026, 12, 1, hour, tzinfo=UTC),
                )
            )  # fmt: skip
        session.flush()
        late = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
        toronto = assisted.entered_today(session, user=user, zone_name="America/Toronto", now=late)
        utc = assisted.entered_today(session, user=user, zone_name="UTC", now=late)
    assert (toronto, utc) == (2, 2)
    early = datetime(2026, 12, 1, 5, 30, tzinfo=UTC)  # 00:30 on 1 December in Toronto
    with session_scope(app.state.engine) as session:
        user = session.exec(select(StaffUser)).first()
        assert user is not None
        assert (
            assisted.entered_today(session, user=user, zone_name="America/Toronto", now=early) == 0
        )  # a new day at the office
        assert assisted.entered_today(session, user=user, zone_name="UTC", now=early) == 2

"""One response for staff (/dashboard/surveys/{s}/responses/{id}), deleting one on request,
and an agent's correct/void of their own assisted entry within 30 minutes.

Aggregates must come out exactly as they were before the response counted; the webhook
outbox must lose the messages that carry its answers; the audit log names the response
and never its content. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from feedback.answers import corrections, intake, storing
from feedback.core.db import session_scope
from feedback.core.models import (
    Answer,
    AnswerDay,
    AnswerPairDay,
    AuditEntry,
    Comment,
    Response,
    ResponseDay,
    Service,
    Survey,
    Webhook,
    WebhookDelivery,
)
from feedback.insight import rollups
from feedback.staff import auth
from feedback.surveys import definitions as surveys

from conftest import ADMIN_PASSWORD, login

COMMENT = "Le guichet était fermé à midi."


def _store(
    app: Any,
    key: str,
    answers: dict[str, Any],
    *,
    channel: str = "web",
    language: str = "fr",
    when: datetime | None = None,
    source: str | None = "widget",
) -> int:
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, app.state.ids[key])
        assert survey is not None
        stored = storing.submit(
            session,
            survey=survey,
            questions=surveys.questions_of(session, survey.id),
            submission=intake.Submission(
                channel=channel, language=language, answers=answers, source=source
            ),
            lang="en",
            submitted_at=when,
        )
        return stored.id


def _aggregates(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with session_scope(app.state.engine) as session:
        for table in (ResponseDay, AnswerDay, AnswerPairDay):
            rows = session.exec(select(table)).all()
            out[table.__name__] = sorted(tuple(r.model_dump().values()) for r in rows)
    return out


def _toronto(app: Any) -> None:
    with session_scope(app.state.engine) as session:
        service = session.get(Service, "licences")
        assert service is not None
        service.time_zone = "America/Toronto"
        session.add(service)


def _webhook(app: Any) -> None:
    with session_scope(app.state.engine) as session:
        session.add(
            Webhook(
                service_id="licences",
                url="https://hooks.example/in",
                secret="s" * 32,
                created_by="admin",
            )
        )


def _csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_staff_read_one_whole_response_in_their_language(client: TestClient, app: Any) -> None:
    _toronto(app)
    # 03:30 UTC on 1 December is 22:30 on 30 November in Toronto.
    when = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    rid = _store(
        app,
        "v2",
        {"trust": True, "went_well": ["effectiveness", "employee"], "comment": COMMENT},
        when=when,
    )
    survey = app.state.ids["v2"]
    login(client, "manager")
    page = client.get(f"/dashboard/surveys/{survey}/responses/{rid}?lang=en")
    assert page.status_code == 200, page.text
    text = page.text
    assert "November 30, 2026, 22:30" in text and "22:30" in text and "America/Toronto" in text
    assert "Website" in text and "Self-service" in text
    assert "Widget or app (the public answers API)" in text
    assert 'lang="fr" class="answer-text">' + COMMENT.replace("'", "&#39;") in text
    assert "My need was addressed" in text  # the option's label, not its id
    assert "Delete this response" not in text  # managers may not delete
    french = client.get(f"/dashboard/surveys/{survey}/responses/{rid}?lang=fr")
    assert (
        "30 novembre 2026" in french.text and "22:30" in french.text and "Site Web" in french.text
    )
    assert "Widget ou application (l'API publique des réponses)" in html.unescape(french.text)
    # Linked from the comments page.
    comments = client.get(f"/dashboard/surveys/{survey}/comments?lang=en")
    assert f"/dashboard/surveys/{survey}/responses/{rid}?lang=en" in comments.text


def test_who_may_read_a_response(client: TestClient, app: Any) -> None:
    rid = _store(app, "v2", {"trust": False})
    with session_scope(app.state.engine) as session:
        auth.create_user(
            session, username="parks", password=ADMIN_PASSWORD, role="viewer", service_ids=["parks"]
        )
    survey = app.state.ids["v2"]
    path = f"/dashboard/surveys/{survey}/responses/{rid}"
    login(client, "parks")
    assert client.get(path).status_code == 404  # another service's: not even its existence
    login(client, "agent")
    assert client.get(path).status_code == 403
    login(client, "admin")
    assert client.get(path).status_code == 200
    other = app.state.ids["page"]
    for bad in (f"/dashboard/surveys/{other}/responses/{rid}", f"{path[: -len(str(rid))]}0"):
        assert client.get(bad).status_code == 404
    for bad in ("99999999999999999999999", "-1", "1e3", "%C2%B2"):
        assert client.get(f"/dashboard/surveys/{survey}/responses/{bad}").status_code == 404


def test_admin_deletes_one_response_exactly(client: TestClient, app: Any) -> None:
    _toronto(app)
    _webhook(app)
    kept = _store(app, "v2", {"trust": True, "went_well": ["ease"], "comment": "Bien."})
    before = _aggregates(app)
    gone = _store(app, "v2", {"trust": True, "went_well": ["ease", "employee"], "comment": COMMENT})
    assert _aggregates(app) != before
    survey = app.state.ids["v2"]
    path = f"/dashboard/surveys/{survey}/responses/{gone}/delete"
    login(client, "manager")
    assert client.get(path).status_code == 403
    login(client, "admin")
    token = _csrf(client, f"{path}?lang=fr")
    page = client.get(f"{path}?lang=fr")
    assert "Supprimer la réponse" in page.text and "<script" not in page.text.split("<main")[1]
    refused = client.post(f"{path}?lang=en", data={"csrf_token": token, "reason": "  "})
    assert refused.status_code == 400 and "Say why the response is deleted" in refused.text
    for reason, message in (("x" * 201, "Use 200 characters or fewer"), ("a\x00b", "ordinary")):
        refused = client.post(f"{path}?lang=en", data={"csrf_token": token, "reason": reason})
        assert refused.status_code == 400 and message in refused.text
    done = client.post(
        f"{path}?lang=en", data={"csrf_token": token, "reason": "Asked by email, request 118"}
    )
    assert done.status_code == 200 and f"Response {gone} was deleted" in done.text
    assert _aggregates(app) == before
    with session_scope(app.state.engine) as session:
        assert session.get(Response, gone) is None
        assert session.exec(select(Answer).where(Answer.response_id == gone)).first() is None
        # Nor is its comment left in the inbox's index.
        indexed = [c.response_id for c in session.exec(select(Comment))]
        assert indexed == [kept]
        ids = [d.payload["response"]["id"] for d in session.exec(select(WebhookDelivery))]
        assert ids == [str(kept)]
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "response.delete")).one()
        assert entry.username == "admin" and entry.target == f"response:{gone}"
        assert COMMENT not in str(entry.detail) and "ease" not in str(entry.detail)
        assert entry.detail and entry.detail["reason"] == "Asked by email, request 118"
    assert client.get(path).status_code == 404  # gone: a second delete finds nothing


def test_deleting_a_test_answer_leaves_the_counts_alone(client: TestClient, app: Any) -> None:
    rid = _store(app, "v2", {"trust": True})
    with session_scope(app.state.engine) as session:
        response = session.get(Response, rid)
        assert response is not None
        # A preview answer, never counted: take it out of the aggregates as intake would not
        # have counted it, then mark it.
        rollups.remove_responses(session, [rid])
        response.test = True
        session.add(response)
    before = _aggregates(app)
    login(client, "admin")
    path = f"/dashboard/surveys/{app.state.ids['v2']}/responses/{rid}"
    assert "sent from a preview, never counted" in client.get(path).text
    token = _csrf(client, f"{path}/delete")
    posted = client.post(f"{path}/delete", data={"csrf_token": token, "reason": "test"})
    assert posted.status_code == 200
    assert _aggregates(app) == before


# ---- an agent's own assisted entry ----


def _assist(client: TestClient, app: Any, trust: str = "true") -> int:
    survey = app.state.ids["v2"]
    page = client.get(f"/assist/{survey}?lang=en&caller=en")
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    posted = client.post(
        f"/assist/{survey}?lang=en",
        data={**hidden, "channel": "phone", "caller": "en", "q_trust": trust, "action": "save"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    with session_scope(app.state.engine) as session:
        stmt = select(Response).order_by(col(Response.id).desc())
        response = session.exec(stmt).first()
        assert response is not None and response.id is not None
        assert response.source == "assisted" and response.entered_by is not None
        return response.id


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, datetime]:
    """The correction window's clock, moved by the test."""
    now = {"at": datetime.now(UTC)}
    monkeypatch.setattr(corrections, "now", lambda: now["at"])
    return now


def test_agent_corrects_their_entry_within_30_minutes(
    client: TestClient, app: Any, clock: dict[str, datetime]
) -> None:
    login(client, "agent")
    before = _aggregates(app)
    rid = _assist(client, app, trust="true")
    survey = app.state.ids["v2"]
    saved = client.get(f"/assist/{survey}?lang=en")
    assert f"/assist/{survey}/entries/{rid}" in saved.text
    path = f"/assist/{survey}/entries/{rid}"
    clock["at"] += timedelta(minutes=29)
    page = client.get(f"{path}?lang=en")
    assert "Save the correction" in page.text and "Void this entry" in page.text
    token = _csrf(client, path)
    fixed = client.post(
        f"{path}?lang=en",
        data={"csrf_token": token, "q_trust": "false", "q_went_badly": ["efficiency"]},
        follow_redirects=True,
    )
    assert fixed.status_code == 200 and "Your correction was saved" in fixed.text
    with session_scope(app.state.engine) as session:
        assert _answers(session, rid) == {0.0: None, None: "efficiency"}
    after = _aggregates(app)
    with session_scope(app.state.engine) as session:
        rollups.rebuild(session)
    assert _aggregates(app) == after  # the recount is exact
    assert after != before


def _answers(session: Session, rid: int) -> dict[float | None, str | None]:
    rows = session.exec(select(Answer).where(Answer.response_id == rid)).all()
    return {r.value: r.option for r in rows}


def test_the_window_closes_after_30_minutes(
    client: TestClient, app: Any, clock: dict[str, datetime]
) -> None:
    login(client, "agent")
    rid = _assist(client, app)
    survey = app.state.ids["v2"]
    path = f"/assist/{survey}/entries/{rid}"
    token = _csrf(client, path)
    clock["at"] += timedelta(minutes=31)
    page = client.get(f"{path}?lang=en")
    assert "The 30 minutes to correct or void this response are over" in page.text
    assert "Save the correction" not in page.text and "Void this entry" not in page.text
    for target in (path, f"{path}/void"):
        refused = client.post(f"{target}?lang=fr", data={"csrf_token": token, "q_trust": "false"})
        assert refused.status_code == 403
        assert "Les 30 minutes pour corriger ou annuler cette réponse sont passées" in refused.text
    with session_scope(app.state.engine) as session:
        assert _answers(session, rid) == {1.0: None}


def test_agent_voids_their_entry_exactly_and_only_their_own(
    client: TestClient, app: Any, clock: dict[str, datetime]
) -> None:
    with session_scope(app.state.engine) as session:
        auth.create_user(
            session,
            username="agent2",
            password=ADMIN_PASSWORD,
            role="agent",
            service_ids=["licences"],
        )
    login(client, "agent")
    before = _aggregates(app)
    rid = _assist(client, app)
    survey = app.state.ids["v2"]
    path = f"/assist/{survey}/entries/{rid}/void"
    login(client, "agent2")
    assert client.get(path).status_code == 404  # another agent's entry
    login(client, "agent")
    token = _csrf(client, path)
    clock["at"] += timedelta(minutes=10)
    voided = client.post(f"{path}?lang=en", data={"csrf_token": token}, follow_redirects=True)
    assert voided.status_code == 200 and "The entry was voided" in voided.text
    assert _aggregates(app) == before
    with session_scope(app.state.engine) as session:
        assert session.get(Response, rid) is None
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "response.void")).one()
        assert entry.username == "agent" and entry.target == f"response:{rid}"


def test_a_correction_with_a_missing_answer_or_on_a_closed_survey_is_refused_clearly(
    client: TestClient, app: Any, clock: dict[str, datetime]
) -> None:
    login(client, "agent")
    rid = _assist(client, app)
    survey = app.state.ids["v2"]
    path = f"/assist/{survey}/entries/{rid}"
    token = _csrf(client, path)
    # The required first answer cleared: named beside the question, nothing changed.
    missing = client.post(f"{path}?lang=en", data={"csrf_token": token})
    assert missing.status_code == 422 and 'href="#question-trust"' in missing.text
    with session_scope(app.state.engine) as session:
        assert _answers(session, rid) == {1.0: None}
        closed = session.get(Survey, survey)
        assert closed is not None
        closed.status = "closed"
        session.add(closed)
    refused = client.post(f"{path}?lang=fr", data={"csrf_token": token, "q_trust": "false"})
    assert refused.status_code == 410 and "Ce sondage est terminé" in refused.text
    with session_scope(app.state.engine) as session:
        assert _answers(session, rid) == {1.0: None}
    for bad in ("abc", "0", "99999999999999999999"):
        assert client.get(f"/assist/{survey}/entries/{bad}").status_code == 404

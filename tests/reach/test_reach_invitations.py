"""Invitations by email against a real SMTP server (aiosmtpd): sampling within binomial bounds,
nobody invited twice, addresses gone once the last message is sent, the one-click answer stored
once, the reminder, and unsubscribing honoured across the service."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from scipy import stats
from sqlalchemy import func
from sqlmodel import col, select
from starlette.testclient import TestClient

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import (
    ContactMark,
    ContactOptOut,
    Invitation,
    InvitationRule,
    OpportunityDay,
    Response,
    utcnow,
)
from feedback.integrations import tokens
from feedback.reach import invitations, rules, sending

from conftest import _free_port, make_settings, seed_minimal

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # a Wednesday afternoon, pinned


class Mailbox:
    """What the SMTP server received: (recipients, message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), mail))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def reach_app(database_url: str, mailbox: tuple[Mailbox, int]) -> Iterator[Any]:
    settings = make_settings(
        database_url, smtp_host="127.0.0.1", smtp_port=mailbox[1], smtp_starttls=False,
        smtp_from="feedback@service.example", invitation_interval=0, invitation_batch=5000,
        base_url="https://feedback.example",
    )  # fmt: skip
    application = create_app(settings)
    seed_minimal(application)
    yield application
    application.state.engine.dispose()


def set_rule(app: Any, survey: str, **values: Any) -> None:
    with session_scope(app.state.engine) as session:
        rule = rules.rule_for(session, survey)
        for name, value in values.items():
            setattr(rule, name, value)
        session.add(rule)


def item(survey: str, email: str, ended: datetime = NOW, **extra: Any) -> dict[str, Any]:
    ended_at = (ended - timedelta(minutes=5)).isoformat()
    return {"survey": survey, "email": email, "channel": "phone", "touchpoint": "line 2",
            "language": "fr", "ended_at": ended_at, **extra}  # fmt: skip


def queue(app: Any, items: list[dict[str, Any]], seed: int, now: datetime = NOW) -> list[Any]:
    with session_scope(app.state.engine) as session:
        return invitations.accept_many(
            session, body={"items": items}, lang="en", rng=random.Random(seed), now=now
        )


def count(app: Any, table: Any, *where: Any) -> int:
    with session_scope(app.state.engine) as session:
        return int(session.exec(select(func.count()).select_from(table).where(*where)).one())


def test_ten_thousand_invitations_sampled_once_and_forgotten(
    reach_app: Any, mailbox: tuple[Mailbox, int]
) -> None:
    app, (box, _port) = reach_app, mailbox
    survey = app.state.ids["v2"]
    # No reminder here (the last message is the invitation itself; reminders are tested below).
    set_rule(app, survey, sample_percent=20, frequency_days=90, quiet_start=None, quiet_end=None,
             reminder_days=0)  # fmt: skip
    # 6,000 people once and 2,000 people twice, in a shuffled order: 10,000 invitations.
    people = [f"person{i}@example.org" for i in range(8000)]
    wanted = people + people[6000:]
    random.Random(3).shuffle(wanted)
    items = [item(survey, email.upper() if i % 7 == 0 else email) for i, email in enumerate(wanted)]
    results = []
    started = time.perf_counter()
    for start in range(0, len(items), 1000):
        results += queue(app, items[start : start + 1000], seed=start)
    print(f"accepted 10,000 in {time.perf_counter() - started:.1f} s")
    outcomes = [r.outcome for r in results]
    queued = outcomes.count("queued")
    assert len(results) == 10_000 and all(r.status in (200, 202) for r in results)
    # Each person is invited with probability 0.2 per try, tries stop once invited:
    # 6,000 x 0.2 + 2,000 x (1 - 0.8^2) = 1,920 expected; the bounds hold 99.99% of runs.
    mean = 6000 * 0.2 + 2000 * 0.36
    sd = (6000 * 0.2 * 0.8 + 2000 * 0.36 * 0.64) ** 0.5
    z = stats.norm.ppf(0.99995)
    assert mean - z * sd <= queued <= mean + z * sd, queued
    assert outcomes.count("recently_invited") > 0

    started = time.perf_counter()
    counts = sending.run(app.state.engine, app.state.settings, now=NOW)
    print(f"sent {queued} in {time.perf_counter() - started:.1f} s")
    assert counts == {"sent": queued}
    recipients = [r for rcpts, _m in box.messages for r in rcpts]
    assert len(recipients) == queued == len(set(recipients)), "somebody was invited twice"
    assert {r.lower() for r in recipients} <= set(people)
    assert count(app, OpportunityDay) == 1
    with session_scope(app.state.engine) as session:
        offered = session.exec(select(OpportunityDay)).one()
        assert (offered.channel, offered.touchpoint, offered.n) == ("phone", "line 2", queued)

    # The last message sent, the address is gone: nothing of it is left in the table.
    assert count(app, Invitation, col(Invitation.email).is_not(None)) == 0
    assert count(app, Invitation, col(Invitation.phone).is_not(None)) == 0
    assert count(app, Invitation, Invitation.status == "done") == queued
    later = NOW + timedelta(days=3)
    assert sending.run(app.state.engine, app.state.settings, now=later) == {}

    # 30 days on, the same people again: the 90-day rule says no to every one invited.
    month = later + timedelta(days=30)
    again = queue(app, [item(survey, e, month) for e in people[:1000]], seed=99, now=month)
    invited = {r.lower() for r in recipients}
    for email, result in zip(people[:1000], again, strict=True):
        if email in invited:
            assert result.outcome == "recently_invited"
    # Past the window the marks are forgotten, and nothing keyed to a person is left.
    with session_scope(app.state.engine) as session:
        invitations.forget(session, now=later + timedelta(days=200))
    assert count(app, ContactMark) == 0
    assert count(app, Invitation, Invitation.status != "waiting") == 0  # only the month's queue


def test_the_email_one_click_answer_and_the_rest(
    reach_app: Any, mailbox: tuple[Mailbox, int]
) -> None:
    app, (box, _port) = reach_app, mailbox
    survey = app.state.ids["counter"]  # first question: a 5-point scale
    set_rule(app, survey, quiet_start=None, quiet_end=None)
    (result,) = queue(app, [item(survey, "ana@example.org", channel="in_person")], seed=1)
    assert result.outcome == "queued"
    assert sending.run(app.state.engine, app.state.settings, now=NOW) == {"sent": 1}
    (rcpts, mail) = box.messages[0]
    assert rcpts == ["ana@example.org"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(mail["List-Unsubscribe"]).strip().startswith("<https://feedback.example/i/")
    assert mail["Content-Language"] == "fr, en"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    # French first (the person's language), English beside it; both parts carry the links.
    assert text.index("Choisissez une réponse") < text.index("Choose an answer")
    assert '<html lang="fr">' in html and '<div lang="en"' in html
    links = re.findall(r'href="(https://feedback\.example/i/[^/"]+/4\?lang=fr)"', html)
    assert len(links) == 1
    path = links[0].removeprefix("https://feedback.example")
    client = TestClient(app, base_url="https://feedback.example")
    assert client.head(path).status_code == 200  # a link checker's HEAD stores nothing
    assert count(app, Response) == 0
    first = client.get(path, follow_redirects=False)
    assert first.status_code == 303
    again = client.get(path, follow_redirects=False)  # the person clicks twice
    assert again.status_code == 303
    assert count(app, Response) == 1
    with session_scope(app.state.engine) as session:
        stored = session.exec(select(Response)).one()
        assert (stored.channel, stored.language, stored.touchpoint) == ("in_person", "fr", "line 2")
        sent = session.exec(select(Invitation)).one()
        assert sent.status == "done" and sent.email is None  # answered: no reminder, no address
    page = client.get(first.headers["location"])
    assert page.status_code == 200 and "Merci" in page.text
    ticket = re.search(r'name="t" value="([^"]+)"', page.text)
    assert ticket and 'value="4" checked' in page.text.replace("\n", " ")
    done = client.post(
        first.headers["location"].split("?")[0] + "?lang=fr",
        data={"t": ticket.group(1), "q_satisfaction": "4", "q_timeliness": "2", "pii_checked": "1"},
    )
    assert done.status_code == 200, done.text
    assert count(app, Response) == 1
    refused = client.post(first.headers["location"].split("?")[0], data={"t": "forged"})
    assert refused.status_code == 403
    assert sending.run(app.state.engine, app.state.settings, now=NOW + timedelta(days=5)) == {}


def test_unsubscribe_is_honoured_across_the_service(
    reach_app: Any, mailbox: tuple[Mailbox, int]
) -> None:
    app, (box, _port) = reach_app, mailbox
    v2, page = app.state.ids["v2"], app.state.ids["page"]
    set_rule(app, v2, quiet_start=None, quiet_end=None, frequency_days=1)
    set_rule(app, page, quiet_start=None, quiet_end=None, delay_minutes=60 * 24 * 3)
    queue(app, [item(v2, "bo@example.org")], seed=1)
    assert sending.run(app.state.engine, app.state.settings, now=NOW) == {"sent": 1}
    mail = box.messages[0][1]
    link = (
        str(mail["List-Unsubscribe"]).strip().strip("<>").removeprefix("https://feedback.example")
    )
    # A later invitation of another survey of the same service is waiting (a 3-day delay).
    (waiting,) = queue(app, [item(page, "bo@example.org", NOW + timedelta(days=2), channel="web")],
                       seed=2, now=NOW + timedelta(days=2))  # fmt: skip
    assert waiting.outcome == "queued"
    client = TestClient(app, base_url="https://feedback.example")
    shown = client.get(link)
    assert shown.status_code == 200 and "Ne plus recevoir d&#39;invitations" in shown.text
    assert count(app, ContactOptOut) == 0
    # What a mail client's one-click unsubscribe sends (RFC 8058).
    done = client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert count(app, ContactOptOut) == 1
    assert count(app, Invitation, col(Invitation.email).is_not(None)) == 0
    assert count(app, Invitation, Invitation.status == "stopped") == 2
    later = NOW + timedelta(days=10)
    assert sending.run(app.state.engine, app.state.settings, now=later) == {}
    (refused,) = queue(app, [item(v2, " Bo@Example.org ", later)], seed=3, now=later)
    assert refused.outcome == "unsubscribed"
    assert len(box.messages) == 1


def test_the_api_takes_invitations_with_its_own_scope(reach_app: Any) -> None:
    app = reach_app
    survey = app.state.ids["v2"]
    with session_scope(app.state.engine) as session:
        invite = tokens.create(session, name="crm", scopes=["invite"], by="test").secret
        ingest = tokens.create(session, name="ivr", scopes=["ingest"], by="test").secret
    client = TestClient(app)
    now = utcnow()
    body = item(survey, "cy@example.org", now)
    assert client.post("/api/v1/invitations", json=body).status_code == 401
    wrong = client.post(
        "/api/v1/invitations", json=body, headers={"Authorization": f"Bearer {ingest}"}
    )
    assert wrong.status_code == 403
    auth = {"Authorization": f"Bearer {invite}"}
    ok = client.post("/api/v1/invitations", json=body, headers=auth)
    assert ok.status_code == 200, ok.text
    assert ok.json()["results"] == [{"index": 0, "status": 202, "outcome": "queued"}]
    bad = client.post(
        "/api/v1/invitations",
        json={"items": [
            {**body, "email": "not an address"},
            {**body, "email": None, "phone": "12"},
            {**body, "channel": "fax", "language": "de", "ended_at": "2001-01-01T00:00:00Z"},
            {**body, "survey": "nosuchsurvey"},
            "nonsense",
        ]},
        headers={**auth, "Accept-Language": "fr"},
    )  # fmt: skip
    results = bad.json()["results"]
    assert set(results[0]["error"]["fields"]) == {"email"}
    assert set(results[1]["error"]["fields"]) == {"phone"}
    assert set(results[2]["error"]["fields"]) == {"channel", "language", "ended_at"}
    assert results[3]["status"] == 404 and results[4]["status"] == 422
    assert "Certains champs" in results[0]["error"]["message"]
    with session_scope(app.state.engine) as session:
        (kept,) = session.exec(select(Invitation)).all()
        assert kept.email == "cy@example.org" and kept.contact_hash != "cy@example.org"


def test_delay_and_quiet_hours_in_the_service_zone() -> None:
    rule = InvitationRule(survey_id="x", delay_minutes=30, quiet_start=21, quiet_end=8)
    toronto = "America/Toronto"  # UTC-5 in November
    # Ended 20:10 local: +30 min is 20:40, before quiet hours.
    ended = datetime(2026, 11, 18, 1, 10, tzinfo=UTC)
    assert rules.send_time(rule, ended, toronto, now=ended) == ended + timedelta(minutes=30)
    # Ended 20:45 local: 21:15 is quiet, so 08:00 the next morning, local (13:00 UTC).
    ended = datetime(2026, 11, 18, 1, 45, tzinfo=UTC)
    assert rules.send_time(rule, ended, toronto, now=ended) == datetime(
        2026, 11, 18, 13, 0, tzinfo=UTC
    )
    # Ended 02:00 local: quiet until 08:00 the same day.
    ended = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)
    assert rules.send_time(rule, ended, toronto, now=ended) == datetime(
        2026, 11, 18, 13, 0, tzinfo=UTC
    )
    daytime = InvitationRule(survey_id="x", quiet_start=9, quiet_end=17)
    noon = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    assert rules.quiet(daytime, noon, "UTC") == datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    assert (
        rules.quiet(InvitationRule(survey_id="x", quiet_start=None, quiet_end=None), noon, "UTC")
        is None
    )
    assert rules.normal_phone("(613) 555-0123") == "+16135550123"
    assert rules.normal_phone("+44 20 7946 0958") == "+442079460958"
    assert rules.normal_phone("555-0123") is None
    assert rules.normal_email(" Ana@Example.ORG ") == "ana@example.org"
    assert rules.normal_email("ana@localhost") is None


def test_one_reminder_only_to_who_did_not_answer(
    reach_app: Any, mailbox: tuple[Mailbox, int]
) -> None:
    app, (box, _port) = reach_app, mailbox
    survey = app.state.ids["counter"]
    set_rule(app, survey, quiet_start=None, quiet_end=None, reminder_days=3)
    queue(app, [item(survey, "di@example.org", channel="phone"),
                item(survey, "ed@example.org", channel="phone")], seed=1)  # fmt: skip
    assert sending.run(app.state.engine, app.state.settings, now=NOW) == {"sent": 2}
    assert count(app, Invitation, col(Invitation.email).is_not(None)) == 2  # until the reminder
    to_di = next(m for r, m in box.messages if r == ["di@example.org"])
    html = to_di.get_body(("html",)).get_content()
    path = re.findall(r'href="https://feedback\.example(/i/[^/"]+/5\?lang=fr)"', html)[0]
    TestClient(app, base_url="https://feedback.example").get(path, follow_redirects=False)
    assert sending.run(app.state.engine, app.state.settings, now=NOW + timedelta(days=2)) == {}
    assert sending.run(
        app.state.engine, app.state.settings, now=NOW + timedelta(days=3, seconds=1)
    ) == {"reminded": 1}
    rcpts, reminder = box.messages[-1]
    assert rcpts == ["ed@example.org"]
    assert "Un rappel, le seul" in reminder.get_body(("plain",)).get_content()
    assert count(app, Invitation, col(Invitation.email).is_not(None)) == 0
    assert sending.run(app.state.engine, app.state.settings, now=NOW + timedelta(days=30)) == {}
    assert len(box.messages) == 3


def test_no_address_is_left_in_the_database_file(
    sqlite_url: str, mailbox: tuple[Mailbox, int], tmp_path: Any
) -> None:
    settings = make_settings(
        sqlite_url, smtp_host="127.0.0.1", smtp_port=mailbox[1], smtp_starttls=False,
        invitation_interval=0,
    )  # fmt: skip
    app = create_app(settings)
    seed_minimal(app)
    survey = app.state.ids["v2"]
    set_rule(app, survey, quiet_start=None, quiet_end=None, reminder_days=0)
    queue(app, [item(survey, f"findme{i}@example.org") for i in range(40)], seed=1)
    assert sending.run(app.state.engine, app.state.settings, now=NOW) == {"sent": 40}
    app.state.engine.dispose()  # the write-ahead log is folded into the file and removed
    files = list(tmp_path.glob("feedback.db*"))
    assert files and all(b"findme" not in f.read_bytes() for f in files)


def test_the_server_runs_the_sending_job_and_the_command_sends_once(
    sqlite_url: str, mailbox: tuple[Mailbox, int], monkeypatch: Any
) -> None:
    from feedback.app import background_jobs
    from feedback.cli import main

    names = [j.name for j in background_jobs(make_settings(sqlite_url))]
    assert "invitations.send" in names
    assert "invitations.send" not in [
        j.name for j in background_jobs(make_settings(sqlite_url, invitation_interval=0))
    ]
    app = create_app(make_settings(sqlite_url))
    seed_minimal(app)
    survey = app.state.ids["v2"]
    set_rule(app, survey, quiet_start=None, quiet_end=None, reminder_days=0)
    queue(app, [item(survey, "gus@example.org", utcnow())], seed=1, now=utcnow())
    app.state.engine.dispose()
    monkeypatch.setenv("FEEDBACK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FEEDBACK_SMTP_PORT", str(mailbox[1]))
    monkeypatch.setenv("FEEDBACK_SMTP_STARTTLS", "false")
    assert main(["invitations", "send", "--database-url", sqlite_url]) == 0
    assert main(["invitations", "send", "--database-url", sqlite_url]) == 0
    assert [r for r, _m in mailbox[0].messages] == [["gus@example.org"]]

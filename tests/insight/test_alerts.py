"""Control-limit alerts: detection on a known data set, one email through a real SMTP server
and one signed webhook to a real HTTP server, at most once; the settings page; the CLI."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest
from aiosmtpd.controller import Controller
from scipy import stats
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.app import create_app
from feedback.cli import main
from feedback.core.db import session_scope
from feedback.core.models import AlertSignal, AlertSubscription, Answer, Response, StaffUser
from feedback.insight import alerts, rollups, watch
from feedback.staff import auth
from feedback.surveys import definitions as surveys

from conftest import ADMIN_PASSWORD, axe_violations, login, make_settings, seed_minimal

TODAY = date(2026, 3, 18)  # a Wednesday: the latest complete week starts Monday 2026-03-09
LAST_WEEK = date(2026, 3, 9)
SECRET = "webhook-test-secret"


def add_week_answers(
    app: Any, survey_id: str, channel: str, week: date, good: int, bad: int
) -> None:
    """Store `good` satisfied (5) and `bad` dissatisfied (1) answers across a week."""
    with session_scope(app.state.engine) as session:
        question = surveys.headline_question(surveys.questions_of(session, survey_id))
        assert question is not None and question.id is not None
        for i in range(good + bad):
            at = datetime.combine(week, datetime.min.time(), UTC) + timedelta(hours=10 + i % 60)
            response = Response(
                survey_id=survey_id, channel=channel, language="en", submitted_at=at
            )
            session.add(response)
            session.flush()
            assert response.id is not None
            value = 5.0 if i < good else 1.0
            session.add(Answer(response_id=response.id, question_id=question.id, value=value))
        session.flush()
        rollups.rebuild(session)


def known_data(app: Any) -> str:
    """Phone: 12 weeks at 90% satisfied, then a week at 30%. In person: steady at 90%."""
    survey = app.state.ids["counter"]
    for k in range(12, 0, -1):
        week = LAST_WEEK - timedelta(weeks=k)
        add_week_answers(app, survey, "phone", week, 18, 2)
        add_week_answers(app, survey, "in_person", week, 18, 2)
    add_week_answers(app, survey, "phone", LAST_WEEK, 6, 14)
    add_week_answers(app, survey, "in_person", LAST_WEEK, 17, 3)
    return str(survey)


def subscribe(app: Any, username: str, email: str | None, service: str, hook: str | None) -> None:
    with session_scope(app.state.engine) as session:
        user = auth.create_user(
            session, username=username, password=ADMIN_PASSWORD, role="manager",
            service_ids=[service],
        )  # fmt: skip
        user.email = email
        assert user.id is not None
        session.add(AlertSubscription(user_id=user.id, service_id=service, webhook_url=hook))


class Mailbox:
    """A real SMTP server on localhost that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


class Hooks:
    """A real HTTP server on localhost recording webhook calls; answers with `status`."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.status = 204
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hooks.calls.append((dict(self.headers), body))
                self.send_response(hooks.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    server = Hooks()
    yield server
    server.server.shutdown()


@pytest.fixture
def alert_app(database_url: str, mailbox: tuple[Mailbox, int]) -> Iterator[Any]:
    settings = make_settings(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=mailbox[1],
        smtp_starttls=False,
        alert_webhook_secret=SECRET,
        alert_check_interval=0,
        webhook_allow_private=True,  # the test receiver listens on 127.0.0.1
    )
    application = create_app(settings)
    seed_minimal(application)
    yield application
    application.state.engine.dispose()


def test_one_signal_gives_one_email_and_one_signed_webhook_once(
    alert_app: Any, mailbox: tuple[Mailbox, int], hooks: Hooks
) -> None:
    box, _ = mailbox
    survey = known_data(alert_app)
    subscribe(alert_app, "rosa", "rosa@example.ca", "parks", hooks.url)
    subscribe(alert_app, "other", "other@example.ca", "licences", None)  # another service
    with session_scope(alert_app.state.engine) as session:
        [found] = alerts.detect(session, today=TODAY)
    assert (found.channel, found.week, found.direction, found.x, found.n) == (
        "phone", LAST_WEEK, "down", 6, 20
    )  # fmt: skip
    # Exact tails by scipy: the week's count against the 26 weeks before (216 of 240 good),
    # beta-binomial predictive with Jeffreys' prior, each tail at most the designed budget.
    assert found.centre == pytest.approx(0.9) and found.weeks == 1
    ks = np.arange(21)
    cdf = stats.betabinom.cdf(ks, 20, 216.5, 24.5)
    sf = stats.betabinom.sf(ks - 1, 20, 216.5, 24.5)
    low, high = ks[cdf > watch.tail()][0], ks[sf > watch.tail()][-1]
    assert (found.low, found.high) == (pytest.approx(low / 20), pytest.approx(high / 20))

    report = alerts.run(alert_app.state.engine, alert_app.state.settings, today=TODAY, backoff=0)
    assert (report.signals, report.new, report.emails, report.webhooks) == (1, 1, 1, 1)
    [(to, message)] = box.messages
    assert to == ["rosa@example.ca"]
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Phone (agent)" in message["Subject"] and "Téléphone (agent)" in message["Subject"]
    assert "30 % of 20 answers were positive, below the expected range" in body.replace("\xa0", " ")
    assert "week of March 9, 2026" in body
    assert "semaine du 9 mars 2026" in body  # the same alert in French
    [(headers, raw)] = hooks.calls
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-Feedback-Signature"] == expected
    payload = json.loads(raw)
    assert payload["survey"]["id"] == survey and payload["channel"] == "phone"
    assert (payload["positive"], payload["answers"], payload["direction"]) == (6, 20, "down")
    assert payload["week_start"] == "2026-03-09" and payload["week_end"] == "2026-03-15"

    again = alerts.run(alert_app.state.engine, alert_app.state.settings, today=TODAY, backoff=0)
    assert (again.signals, again.new) == (1, 0)
    assert len(box.messages) == 1 and len(hooks.calls) == 1
    with session_scope(alert_app.state.engine) as session:
        [signal] = session.exec(select(AlertSignal)).all()
        assert signal.emailed_at is not None and signal.webhook_at is not None


def test_processes_checking_at_once_still_send_once(
    alert_app: Any, mailbox: tuple[Mailbox, int], hooks: Hooks
) -> None:
    known_data(alert_app)
    subscribe(alert_app, "rosa", "rosa@example.ca", "parks", hooks.url)
    reports: list[alerts.RunReport] = []
    start = threading.Barrier(4)

    def check() -> None:
        start.wait()
        reports.append(
            alerts.run(alert_app.state.engine, alert_app.state.settings, today=TODAY, backoff=0)
        )

    threads = [threading.Thread(target=check) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.new for r in reports) == [0, 0, 0, 1]
    assert len(mailbox[0].messages) == 1 and len(hooks.calls) == 1


def test_failures_are_retried_recorded_and_not_fatal(
    database_url: str, hooks: Hooks, caplog: Any
) -> None:
    settings = make_settings(
        database_url, smtp_host="127.0.0.1", smtp_port=1, smtp_starttls=False,
        alert_webhook_secret=SECRET, alert_check_interval=0, webhook_allow_private=True,
    )  # fmt: skip
    app = create_app(settings)
    seed_minimal(app)
    known_data(app)
    subscribe(app, "rosa", "rosa@example.ca", "parks", hooks.url)
    hooks.status = 503
    waits: list[float] = []
    report = alerts.run(app.state.engine, settings, today=TODAY, backoff=0.5, sleep=waits.append)
    assert (report.new, report.emails, report.webhooks) == (1, 0, 0)
    assert len(hooks.calls) == 3  # three tries
    assert waits == [0.5, 2.0, 0.5, 2.0]  # backoff between tries, for the email and the hook
    with session_scope(app.state.engine) as session:
        [signal] = session.exec(select(AlertSignal)).all()
        assert signal.emailed_at is None and signal.webhook_at is None  # the failure, recorded
    assert "webhook" in caplog.text and "alert email" in caplog.text
    app.state.engine.dispose()


def test_refused_webhook_is_not_retried(database_url: str, hooks: Hooks) -> None:
    settings = make_settings(
        database_url, alert_webhook_secret=SECRET, alert_check_interval=0,
        webhook_allow_private=True,
    )  # fmt: skip
    app = create_app(settings)
    seed_minimal(app)
    known_data(app)
    subscribe(app, "rosa", None, "parks", hooks.url)
    hooks.status = 404
    report = alerts.run(app.state.engine, settings, today=TODAY, backoff=0)
    assert (report.new, report.webhooks, len(hooks.calls)) == (1, 0, 1)
    app.state.engine.dispose()


def test_webhooks_to_private_addresses_are_never_called(database_url: str, hooks: Hooks) -> None:
    # Stored before the check existed, or pointed at a private address since: refused at send.
    settings = make_settings(database_url, alert_webhook_secret=SECRET, alert_check_interval=0)
    app = create_app(settings)
    seed_minimal(app)
    known_data(app)
    subscribe(app, "rosa", None, "parks", hooks.url)
    report = alerts.run(app.state.engine, settings, today=TODAY, backoff=0)
    assert (report.new, report.webhooks, len(hooks.calls)) == (1, 0, 0)
    app.state.engine.dispose()


def test_quiet_data_and_thin_data_give_no_signal(alert_app: Any) -> None:
    survey = alert_app.state.ids["counter"]
    for k in range(12, 0, -1):
        add_week_answers(alert_app, survey, "phone", LAST_WEEK - timedelta(weeks=k), 18, 2)
    add_week_answers(alert_app, survey, "phone", LAST_WEEK, 16, 4)  # 80%: inside the limits
    add_week_answers(alert_app, survey, "chat", LAST_WEEK, 0, 12)  # no baseline at all
    with session_scope(alert_app.state.engine) as session:
        assert alerts.detect(session, today=TODAY) == []


def test_the_server_checks_on_its_own(database_url: str, mailbox: tuple[Mailbox, int]) -> None:
    settings = make_settings(
        database_url, smtp_host="127.0.0.1", smtp_port=mailbox[1], smtp_starttls=False,
        alert_check_interval=1,
    )  # fmt: skip
    app = create_app(settings)
    seed_minimal(app)
    # The server checks against today's date: put the drop in last week.
    today = datetime.now(UTC).date()
    week = alerts.latest_complete_week(today)
    survey = app.state.ids["counter"]
    for k in range(12, 0, -1):
        add_week_answers(app, survey, "phone", week - timedelta(weeks=k), 18, 2)
    add_week_answers(app, survey, "phone", week, 2, 18)
    subscribe(app, "rosa", "rosa@example.ca", "parks", None)
    with TestClient(app):
        deadline = time.monotonic() + 30
        while not mailbox[0].messages and time.monotonic() < deadline:
            time.sleep(0.1)
    assert len(mailbox[0].messages) == 1
    app.state.engine.dispose()


def test_cli_alerts_run(alert_app: Any, mailbox: tuple[Mailbox, int], capsys: Any) -> None:
    known_data(alert_app)
    subscribe(alert_app, "rosa", "rosa@example.ca", "parks", None)
    settings = alert_app.state.settings
    args = ["alerts", "run", "--database-url", settings.database_url, "--today", "2026-03-18"]
    env = {
        "FEEDBACK_SMTP_HOST": "127.0.0.1",
        "FEEDBACK_SMTP_PORT": str(mailbox[1]),
        "FEEDBACK_SMTP_STARTTLS": "false",
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        assert main(args) == 0
        assert main(args) == 0
    out = capsys.readouterr().out
    assert "1 signal, 1 new, 1 email, 0 webhooks" in out
    assert "1 signal, 0 new, 0 emails, 0 webhooks" in out
    assert len(mailbox[0].messages) == 1


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_settings_page_saves_subscriptions_and_names_errors(client: TestClient, app: Any) -> None:
    login(client, "manager")
    page = client.get("/dashboard/alerts?lang=fr")
    assert page.status_code == 200 and "Renouvellement de permis" in page.text
    assert "Laissez-passer de parcs" not in page.text  # not this manager's service
    token = csrf(page.text)
    bad = client.post(
        "/dashboard/alerts",
        data={"csrf_token": token, "lang": "fr", "email": "pas une adresse",
              "alert": "licences", "webhook_licences": "ftp://x"},
    )  # fmt: skip
    assert bad.status_code == 400
    text = unescape(bad.text)
    assert "Entrez une adresse courriel de la forme nom@exemple.ca." in text
    assert "Entrez une adresse Web qui commence par https:// ou http://" in text
    assert 'value="pas une adresse"' in text and 'value="ftp://x"' in text  # nothing lost
    assert client.post("/dashboard/alerts", data={"email": "a@b.ca"}).status_code == 403  # CSRF
    for address, message in [
        ("http://169.254.169.254/latest/meta-data/", "Cette adresse est sur un réseau privé."),
        ("http://127.0.0.1:9/hook", "Cette adresse est sur un réseau privé."),
        ("http://[::1/", "Entrez une adresse Web qui commence par https:// ou http://"),
        ("http://example.ca:99999/", "Entrez une adresse Web qui commence par https:// ou http://"),
    ]:
        refused = client.post(
            "/dashboard/alerts",
            data={"csrf_token": token, "lang": "fr", "email": "maria@example.ca",
                  "alert": "licences", "webhook_licences": address},
        )  # fmt: skip
        assert refused.status_code == 400 and message in unescape(refused.text), address
    # The public address below does not resolve in the test sandbox: let the check pass.
    app.state.settings = app.state.settings.model_copy(update={"webhook_allow_private": True})
    saved = client.post(
        "/dashboard/alerts",
        data={"csrf_token": token, "lang": "en", "email": "maria@example.ca",
              "alert": "licences", "webhook_licences": "https://hooks.example.ca/in"},
    )  # fmt: skip
    assert saved.status_code == 200 and "Your alert settings were saved." in saved.text
    with session_scope(app.state.engine) as session:
        user = session.exec(select(StaffUser).where(StaffUser.username == "manager")).one()
        assert user.email == "maria@example.ca"
        [sub] = session.exec(select(AlertSubscription)).all()
        assert (sub.user_id, sub.service_id, sub.webhook_url) == (
            user.id, "licences", "https://hooks.example.ca/in"
        )  # fmt: skip
    off = client.post("/dashboard/alerts", data={"csrf_token": token, "email": "maria@example.ca"})
    assert off.status_code == 200
    with session_scope(app.state.engine) as session:
        assert session.exec(select(AlertSubscription)).all() == []


def test_settings_page_needs_a_dashboard_role(client: TestClient) -> None:
    assert client.get("/dashboard/alerts", follow_redirects=False).status_code == 303
    login(client, "agent")
    assert client.get("/dashboard/alerts").status_code == 403


@pytest.mark.browser
def test_alerts_page_passes_axe_in_both_languages(live_app: Any, browser: Any) -> None:
    app, server = live_app
    known_data(app)
    alerts.run(app.state.engine, app.state.settings, today=TODAY, backoff=0)
    page = browser.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("form button[type=submit]")
    for lang in ("en", "fr"):
        page.goto(f"{server.url}/dashboard/alerts?lang={lang}")
        assert page.locator("h1").inner_text() in (
            "Alerts and public scorecards",
            "Alertes et bulletins publics",
        )
        assert page.locator("text=▼").count() == 1  # the signal is listed
        assert axe_violations(page) == []
        page.locator("#email").fill("not an address")
        page.locator("#alert-parks").check()
        page.locator("form[action='/dashboard/alerts'] button[type=submit]").click()
        page.locator(".error-summary").wait_for()
        assert axe_violations(page) == []
    page.close()

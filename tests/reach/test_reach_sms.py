"""Text invitations against a local receiver that checks each call against Twilio's Messages
API and signs its reply webhooks with Twilio's real scheme (X-Twilio-Signature)."""

from __future__ import annotations

import base64
import json
import random
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import func
from sqlmodel import col, select
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import ContactOptOut, Invitation, Response
from feedback.reach import invitations, rules, sending

from conftest import make_settings, seed_minimal

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "test-auth-token-0123456789abcdef"
FROM = "+16135550100"
# Replies are matched to invitations sent in the last 7 days by the server's clock: the
# invitation is sent "now", so nothing here depends on where in a window the clock is.
NOW = datetime.now(UTC).replace(microsecond=0)
BASE = "https://feedback.example"


class Twilio:
    """A stand-in for api.twilio.com: checks each Messages call as Twilio documents it."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self.problems: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                outer.check(self.path, dict(self.headers), form)
                if form.get("To", "").endswith("0000"):
                    body = {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}
                    self._answer(400, body)
                    return
                outer.sent.append(form)
                self._answer(201, {"sid": f"SM{len(outer.sent):032d}", "status": "queued",
                                   "to": form.get("To"), "from": form.get("From"),
                                   "body": form.get("Body"), "account_sid": SID})  # fmt: skip

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def check(self, path: str, headers: dict[str, str], form: dict[str, str]) -> None:
        """Twilio's Messages API: the path, basic auth, a form body with To, From and Body."""
        expected_auth = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            self.problems.append(f"path {path}")
        if headers.get("Authorization") != expected_auth:
            self.problems.append("authorization")
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            self.problems.append("content type")
        if not re.fullmatch(r"\+[1-9]\d{7,14}", form.get("To", "")):
            self.problems.append("To is not E.164")
        if form.get("From") != FROM:
            self.problems.append("From")
        if not 0 < len(form.get("Body", "")) <= 1600:
            self.problems.append("Body length")

    def reply(self, client: TestClient, sender: str, body: str, *, forged: bool = False) -> Any:
        """Send a person's reply to the app's webhook, signed as Twilio signs it."""
        params = {
            "MessageSid": "SM" + "f" * 32, "AccountSid": SID, "From": sender, "To": FROM,
            "Body": body, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received",
        }  # fmt: skip
        url = f"{BASE}/hooks/sms/twilio"
        signature = RequestValidator("wrong" if forged else TOKEN).compute_signature(url, params)
        return client.post(
            "/hooks/sms/twilio", data=params, headers={"X-Twilio-Signature": signature}
        )


@pytest.fixture
def twilio() -> Iterator[Twilio]:
    fake = Twilio()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()


@pytest.fixture
def sms_app(database_url: str, twilio: Twilio) -> Iterator[Any]:
    settings = make_settings(
        database_url, sms_account_sid=SID, sms_auth_token=TOKEN, sms_from=FROM,
        sms_api_base=twilio.url, invitation_interval=0, base_url=BASE,
    )  # fmt: skip
    application = create_app(settings)
    seed_minimal(application)
    with session_scope(application.state.engine) as session:
        rule = rules.rule_for(session, application.state.ids["counter"])
        rule.quiet_start = rule.quiet_end = None
        session.add(rule)
    yield application
    application.state.engine.dispose()


def invite(app: Any, phone: str, now: datetime = NOW) -> str:
    body = {"survey": app.state.ids["counter"], "phone": phone, "channel": "phone",
            "language": "en", "ended_at": (now - timedelta(minutes=2)).isoformat()}  # fmt: skip
    with session_scope(app.state.engine) as session:
        (result,) = invitations.accept_many(
            session, body=body, lang="en", rng=random.Random(1), now=now
        )
    return str(result.outcome)


def count(app: Any, table: Any, *where: Any) -> int:
    with session_scope(app.state.engine) as session:
        return int(session.exec(select(func.count()).select_from(table).where(*where)).one())


def test_a_text_reply_is_stored_once_and_stop_is_honoured(sms_app: Any, twilio: Twilio) -> None:
    app = sms_app
    assert invite(app, "(613) 555-0199") == "queued"
    assert sending.run(app.state.engine, app.state.settings, now=NOW) == {"sent": 1}
    assert twilio.problems == []
    (message,) = twilio.sent
    assert message["To"] == "+16135550199"
    assert "Reply with a number from 1 to 5." in message["Body"]
    assert message["Body"].endswith("Reply STOP to stop.")
    # The number is gone once the message is sent: replies are matched by its keyed hash.
    assert count(app, Invitation, col(Invitation.phone).is_not(None)) == 0
    client = TestClient(app, base_url=BASE)
    forged = twilio.reply(client, "+16135550199", "4", forged=True)
    assert forged.status_code == 403 and count(app, Response) == 0
    first = twilio.reply(client, "+16135550199", "4")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/xml")
    assert "<Message>Thank you. Tell us more if you wish: https://feedback.example/i/" in first.text
    again = twilio.reply(client, "+16135550199", " 4 ")
    assert again.status_code == 200 and count(app, Response) == 1
    with session_scope(app.state.engine) as session:
        stored = session.exec(select(Response)).one()
        assert (stored.channel, stored.language) == ("phone", "en")
    link = re.search(r"https://feedback\.example(/i/[^<]+)", first.text)
    assert link is not None
    follow = client.get(link.group(1).replace("&amp;", "&"), follow_redirects=False)
    assert follow.status_code == 303 and count(app, Response) == 1
    out_of_range = twilio.reply(client, "+16135550199", "9")
    assert "Reply with a number from 1 to 5, or STOP to stop." in out_of_range.text
    assert "Reply with a number" in twilio.reply(client, "+16135550199", "HELP").text
    stop = twilio.reply(client, "+16135550199", "STOP")
    assert stop.status_code == 200 and "<Message>" not in stop.text  # Twilio confirms a STOP
    assert count(app, ContactOptOut) == 1
    assert invite(app, "+1 613 555 0199", NOW + timedelta(days=200)) == "unsubscribed"
    start = twilio.reply(client, "+16135550199", "start")
    assert "again" in start.text and count(app, ContactOptOut) == 0
    unknown = twilio.reply(client, "+16135550123", "5")
    assert "This survey is over" in unknown.text and count(app, Response) == 1


def test_a_number_the_provider_refuses_is_dropped(
    sms_app: Any, twilio: Twilio, caplog: pytest.LogCaptureFixture
) -> None:
    app = sms_app
    assert invite(app, "+16135550000") == "queued"
    assert sending.run(app.state.engine, app.state.settings, now=NOW) == {"failed": 1}
    assert twilio.problems == [] and twilio.sent == []
    with session_scope(app.state.engine) as session:
        failed = session.exec(select(Invitation)).one()
        assert (failed.status, failed.phone) == ("failed", None)
    # The refusal is logged by the provider's code, never with the number.
    assert "21211" in caplog.text and "5550000" not in caplog.text

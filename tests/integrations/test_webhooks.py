"""Webhooks: outbox rows in the submitting transaction, signed POSTs to a real local receiver,
retries with backoff, the delivery log, and refusal of private addresses (SSRF)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import AuditEntry, Webhook, WebhookDelivery, utcnow
from feedback.insight import alert_delivery
from feedback.integrations import webhook_delivery, webhooks

V2_OK = {"channel": "web", "language": "en", "answers": {"trust": True, "went_well": ["ease"]}}


class Receiver:
    """A threaded HTTP server that records each POST and answers the next queued status."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append({"headers": dict(self.headers), "body": body})
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def add_hook(app: Any, url: str, service: str = "licences") -> tuple[int, str]:
    with session_scope(app.state.engine) as session:
        hook, secret = webhooks.add(
            session, service_id=service, url=url, by="test", allow_private=True
        )
        assert hook.id is not None
        return hook.id, secret


def deliveries(app: Any) -> list[WebhookDelivery]:
    with session_scope(app.state.engine) as session:
        return list(session.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.id))))


def make_due(app: Any) -> None:
    """Move every pending retry to now, as if its backoff had passed."""
    with session_scope(app.state.engine) as session:
        session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.status) == "pending")
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def test_signed_delivery_retried_after_500_and_sent_once(
    client: TestClient, app: Any, receiver: Receiver
) -> None:
    _hook_id, secret = add_hook(app, receiver.url)
    survey = app.state.ids["v2"]
    created = client.post(f"/api/v1/surveys/{survey}/responses", json=V2_OK)
    assert created.status_code == 201
    [queued] = deliveries(app)
    assert queued.status == "pending" and queued.event == "response.created"
    receiver.statuses = [500, 200]
    summary = webhook_delivery.deliver_due(app.state.engine, allow_private=True)
    assert summary.startswith("0 sent, 1 to retry")
    [retry] = deliveries(app)
    assert (retry.status, retry.attempts, retry.last_status) == ("pending", 1, 500)
    wait = retry.next_attempt_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
    assert timedelta(seconds=25) < wait <= timedelta(seconds=31)  # the first backoff step
    assert webhook_delivery.deliver_due(app.state.engine, allow_private=True).startswith(
        "0 sent, 0"
    )
    make_due(app)
    assert webhook_delivery.deliver_due(app.state.engine, allow_private=True).startswith("1 sent")
    assert webhook_delivery.deliver_due(app.state.engine, allow_private=True).startswith(
        "0 sent, 0"
    )
    [done] = deliveries(app)
    assert (done.status, done.attempts, done.last_status) == ("sent", 2, 200)
    assert done.sent_at is not None
    assert len(receiver.received) == 2
    first, second = receiver.received
    assert first["body"] == second["body"]  # the same message, byte for byte
    headers, body = second["headers"], second["body"]
    assert headers["X-Feedback-Delivery"] == str(done.id)
    timestamp = headers["X-Feedback-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    assert hmac.compare_digest(headers["X-Feedback-Signature"], "sha256=" + expected.hexdigest())
    payload = json.loads(body)
    assert payload["event"] == "response.created" and payload["data"]["survey"] == survey
    response = payload["data"]["response"]
    assert response["id"] == created.json()["id"]
    assert response["answers"] == {"trust": True, "went_well": ["ease"]}
    assert response["channel"] == "web" and "submitted_at" in response


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_no_webhook_no_outbox_and_other_services_untouched(
    client: TestClient, app: Any, receiver: Receiver
) -> None:
    client.post(f"/api/v1/surveys/{app.state.ids['v2']}/responses", json=V2_OK)
    assert deliveries(app) == []
    add_hook(app, receiver.url, service="parks")
    client.post(f"/api/v1/surveys/{app.state.ids['v2']}/responses", json=V2_OK)  # licences
    assert deliveries(app) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_gives_up_after_the_last_attempt(client: TestClient, app: Any, receiver: Receiver) -> None:
    add_hook(app, receiver.url)
    client.post(f"/api/v1/surveys/{app.state.ids['v2']}/responses", json=V2_OK)
    receiver.statuses = [503] * webhooks.MAX_ATTEMPTS
    for _ in range(webhooks.MAX_ATTEMPTS):
        make_due(app)
        webhook_delivery.deliver_due(app.state.engine, allow_private=True)
    [gone] = deliveries(app)
    assert (gone.status, gone.attempts, gone.last_status) == ("failed", 8, 503)
    make_due(app)
    webhook_delivery.deliver_due(app.state.engine, allow_private=True)
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS


def test_private_addresses_are_refused() -> None:
    for url in (
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://0.0.0.0/",
        # IPv6 forms that carry a private IPv4 address: mapped, 6to4, NAT64, "compatible".
        "http://[::ffff:127.0.0.1]/",
        "http://[2002:7f00:1::]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[::127.0.0.1]/",
    ):
        assert webhooks.check_url(url) == "private", url
        assert webhooks.check_url(url, allow_private=True) is None
    assert webhooks.check_url("ftp://example.org/") == "url"
    assert webhooks.check_url("https://") == "url"
    assert webhooks.check_url("http://8.8.8.8/hook") is None
    assert webhooks.check_url("http://[2001:4860:4860::8888]/hook") is None  # public IPv6
    assert webhooks.check_url("http://[64:ff9b::808:808]/hook") is None  # NAT64 to 8.8.8.8


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_delivery_refuses_an_address_that_became_private(
    client: TestClient, app: Any, receiver: Receiver
) -> None:
    add_hook(app, receiver.url)
    client.post(f"/api/v1/surveys/{app.state.ids['v2']}/responses", json=V2_OK)
    webhook_delivery.deliver_due(app.state.engine, allow_private=False)
    [refused] = deliveries(app)
    assert refused.status == "pending" and "not public" in (refused.last_error or "")
    assert receiver.received == []


PUBLIC = "93.184.215.14"  # a public address; the tests refuse to connect to it
REBOUND = "hooks.example.test"


class Rebinding:
    """DNS under an attacker's control: REBOUND resolves to PUBLIC the first time and to
    127.0.0.1 after (DNS rebinding). Connections are recorded; those to PUBLIC are refused
    here, so no test reaches the internet."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.lookups = 0
        self.dialled: list[str] = []
        real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host != REBOUND:
                return real_getaddrinfo(host, port, *args, **kwargs)
            self.lookups += 1
            address = PUBLIC if self.lookups == 1 else "127.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

        def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
            self.dialled.append(address[0])
            if address[0] == PUBLIC:
                raise ConnectionRefusedError("the tests do not connect to the internet")
            return real_connect(address, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket, "create_connection", create_connection)
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def rebinding(monkeypatch: pytest.MonkeyPatch) -> Rebinding:
    return Rebinding(monkeypatch)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_delivery_connects_only_to_the_address_it_checked(
    client: TestClient, app: Any, receiver: Receiver, rebinding: Rebinding
) -> None:
    add_hook(app, f"http://{REBOUND}:{receiver.port}/hook")
    client.post(f"/api/v1/surveys/{app.state.ids['v2']}/responses", json=V2_OK)
    assert webhook_delivery.deliver_due(app.state.engine, allow_private=False).startswith(
        "0 sent, 1"
    )
    assert receiver.received == []  # the second answer, 127.0.0.1, was never asked for
    assert (rebinding.lookups, rebinding.dialled) == (1, [PUBLIC])
    [pending] = deliveries(app)
    assert (pending.last_error or "").startswith("ConnectionRefusedError")


def test_alert_webhook_connects_only_to_the_address_it_checked(
    receiver: Receiver, rebinding: Rebinding
) -> None:
    url = f"http://{REBOUND}:{receiver.port}/hook"
    with pytest.raises(OSError, match="ConnectionRefusedError"):
        alert_delivery.post_webhook(url, b"{}", "secret", timeout=5)
    assert receiver.received == []
    assert (rebinding.lookups, rebinding.dialled) == (1, [PUBLIC])


def test_pinned_post_names_the_host_and_tries_each_address(receiver: Receiver) -> None:
    url = f"http://{REBOUND}:{receiver.port}/hook?x=1"
    # 127.0.0.2 is loopback too, but nothing listens there: refused, so the next is tried.
    status = webhooks.post(url, b"{}", {}, 5, addresses=["127.0.0.2", "127.0.0.1"])
    assert status == (200, "")
    [got] = receiver.received
    assert got["headers"]["Host"] == f"{REBOUND}:{receiver.port}" and got["body"] == b"{}"


def test_redirects_and_environment_proxies_are_not_followed(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = Receiver()
    proxy.thread.start()
    try:
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("no_proxy", raising=False)
        receiver.statuses = [302]
        assert webhooks.post(receiver.url, b"{}", {}, 5, addresses=None) == (302, "HTTP 302")
        assert (len(receiver.received), proxy.received) == (1, [])
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()


def test_https_is_verified_against_the_host_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", f"/CN={REBOUND}", "-keyout", str(key),
         "-out", str(cert), "-addext", f"subjectAltName=DNS:{REBOUND}"],
        check=True, capture_output=True,
    )  # fmt: skip
    # The default context (the one webhooks use) trusts only this certificate.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "none"))
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server = Receiver(tls)
    server.thread.start()
    try:
        named = f"https://{REBOUND}:{server.port}/hook"
        assert webhooks.post(named, b"{}", {}, 5, addresses=["127.0.0.1"]) == (200, "")
        assert server.received[0]["headers"]["Host"] == f"{REBOUND}:{server.port}"
        other = f"https://other.example.test:{server.port}/hook"
        status, error = webhooks.post(other, b"{}", {}, 5, addresses=["127.0.0.1"])
        assert status is None and "CERTIFICATE_VERIFY_FAILED" in error and "mismatch" in error
        assert len(server.received) == 1
    finally:
        server.server.shutdown()
        server.server.server_close()


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_admin_adds_shows_secret_once_disables_and_sees_log(
    staff: TestClient, app: Any, receiver: Receiver
) -> None:
    page = staff.get("/admin/webhooks")
    assert page.status_code == 200
    token = csrf(page.text)
    refused = staff.post(
        "/admin/webhooks",
        data={"csrf_token": token, "service": "licences", "url": "http://127.0.0.1:9/x"},
    )
    assert refused.status_code == 400 and "private network" in refused.text
    app.state.settings.webhook_allow_private = True
    added = staff.post(
        "/admin/webhooks", data={"csrf_token": token, "service": "licences", "url": receiver.url}
    )
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    secret = re.search(r"whsec_[\w-]+", added.text)
    assert secret
    with session_scope(app.state.engine) as session:
        hook = session.exec(select(Webhook)).one()
        assert hook.secret == secret.group(0)
        actions = [e.action for e in session.exec(select(AuditEntry))]
        assert "webhook.add" in actions
    assert secret.group(0) not in staff.get("/admin/webhooks").text  # shown once
    staff.post(f"/api/v1/surveys/{app.state.ids['v2']}/responses", json=V2_OK)
    receiver.statuses = [500]
    webhook_delivery.deliver_due(app.state.engine, allow_private=True)
    log = staff.get("/admin/webhooks?lang=fr").text
    assert "HTTP 500" in log and "Journal des envois" in log
    off = staff.post(
        f"/admin/webhooks/{hook.id}/disable", data={"csrf_token": token}, follow_redirects=False
    )
    assert off.status_code == 303
    [gone] = deliveries(app)
    assert gone.status == "failed"
    staff.post(f"/api/v1/surveys/{app.state.ids['v2']}/responses", json=V2_OK)
    assert len(deliveries(app)) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_webhook_pages_are_for_admins_only(client: TestClient) -> None:
    from conftest import login

    assert client.get("/admin/webhooks", follow_redirects=False).status_code == 303
    login(client, "manager")
    assert client.get("/admin/webhooks").status_code == 403
    assert client.get("/admin/tokens").status_code == 403


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_follow_up_answers_send_an_update_with_every_answer(
    client: TestClient, app: Any, receiver: Receiver
) -> None:
    add_hook(app, receiver.url)
    url = f"/api/v1/surveys/{app.state.ids['v2']}/responses"
    first = client.post(url, json={**V2_OK, "answers": {"trust": True}, "partial": True}).json()
    client.patch(
        f"{url}/{first['id']}",
        json={"answers": {"went_well": ["ease"]}, "amend_token": first["amend_token"]},
    )
    assert webhook_delivery.deliver_due(app.state.engine, allow_private=True).startswith("2 sent")
    events = [json.loads(r["body"]) for r in receiver.received]
    assert [e["event"] for e in events] == ["response.created", "response.updated"]
    assert events[1]["data"]["response"]["answers"] == {"trust": True, "went_well": ["ease"]}
    assert events[0]["data"]["response"]["id"] == events[1]["data"]["response"]["id"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_cli_delivers_due_messages_once(
    client: TestClient,
    app: Any,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from feedback.cli import main

    add_hook(app, receiver.url)
    client.post(f"/api/v1/surveys/{app.state.ids['v2']}/responses", json=V2_OK)
    monkeypatch.setenv("FEEDBACK_WEBHOOK_ALLOW_PRIVATE", "1")
    url = app.state.engine.url.render_as_string(hide_password=False)
    assert main(["webhooks", "deliver", "--database-url", url]) == 0
    assert main(["webhooks", "deliver", "--database-url", url]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "1 sent, 0 to retry, 0 given up",
        "0 sent, 0 to retry, 0 given up",
    ]
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    "url", ["http://example.com:99999/", "http://example.com:abc/", "http://[::1/"]
)
def test_malformed_addresses_are_refused_not_crashed_on(url: str) -> None:
    assert webhooks.check_url(url) == "url"
    assert webhooks.check_url(url, allow_private=True) == "url"

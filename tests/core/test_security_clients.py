"""Who a client is for rate limits: IPv6 by network, proxies believed only as configured."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import func, select
from starlette.testclient import TestClient

from feedback.core import limits
from feedback.core.client_keys import client_address, forwarded_client, group, parse_networks
from feedback.core.db import session_scope
from feedback.core.models import Response
from feedback.core.settings import Settings

from conftest import make_settings


class _Frozen(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return datetime(2026, 11, 23, 12, 0, 20, tzinfo=UTC).astimezone(tz)


@pytest.fixture(autouse=True)
def frozen_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "datetime", _Frozen)


def _stored(app: Any, survey: str) -> int:
    with session_scope(app.state.engine) as session:
        stmt = select(func.count()).select_from(Response).where(Response.survey_id == survey)
        return int(session.exec(stmt).one())


def test_90_posts_from_90_addresses_of_one_ipv6_64_share_one_limit(app: Any) -> None:
    survey = app.state.ids["page"]
    url = f"/api/v1/surveys/{survey}/responses"
    body = {"channel": "web", "language": "en", "answers": {"found": True}}
    statuses = []
    for n in range(90):
        address = str(ipaddress.IPv6Address("2001:db8:5:7::") + n * 0x10001 + 1)
        with TestClient(app, client=(address, 4000)) as c:
            statuses.append(c.post(url, json=body).status_code)
    # The survey's per-client limit (30 a minute) holds for the whole /64.
    assert statuses.count(201) == 30 and statuses.count(429) == 60
    assert _stored(app, survey) == 30
    # Another /64 is another client.
    with TestClient(app, client=("2001:db8:5:8::1", 4000)) as c:
        assert c.post(url, json=body).status_code == 201


def test_ipv6_prefix_is_configurable_and_ipv4_counts_each_address() -> None:
    assert group("2001:db8:5:7:aaaa::1") == "2001:db8:5:7::/64"
    assert group("2001:DB8:5:7:bbbb::2") == "2001:db8:5:7::/64"
    assert group("2001:db8:5:7:aaaa::1", ipv6_prefix=48) == "2001:db8:5::/48"
    assert group("2001:db8:5:7::1", ipv6_prefix=128) == "2001:db8:5:7::1/128"
    assert group("203.0.113.5") == "203.0.113.5" != group("203.0.113.6")
    assert group("::ffff:203.0.113.5") == "203.0.113.5"  # IPv4 seen through an IPv6 socket
    assert group("[fe80::1%eth0]") == "fe80::/64"
    assert group(None) == "unknown" and group("testclient") == "testclient"
    with pytest.raises(ValidationError):
        Settings(ipv6_prefix=8)


TRUSTED = parse_networks("10.0.0.0/8, fd00::/8")


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        # No trusted proxy in front: the header is the visitor's own words, ignored.
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),
        # One trusted hop: its view of the client.
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        # A visitor's forged entries sit left of what the proxy appended: never read.
        ("10.0.0.2", ["1.2.3.4, 198.51.100.1"], "198.51.100.1"),
        # Two trusted hops, read right to left past both.
        ("10.0.0.2", ["1.2.3.4, 198.51.100.1, 10.1.1.1"], "198.51.100.1"),
        ("10.0.0.2", ["1.2.3.4", "198.51.100.1, fd00::5"], "198.51.100.1"),
        # Garbage in the chain: the nearest believable address.
        ("10.0.0.2", ["1.2.3.4, not-an-ip"], "10.0.0.2"),
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["[2001:db8::1]"], "2001:db8::1"),
        # Proxies that write the client's port too (some load balancers do).
        ("10.0.0.2", ["203.0.113.5:41234"], "203.0.113.5"),
        ("10.0.0.2", ["[2001:db8::1]:443, 10.0.0.3:80"], "2001:db8::1"),
    ],
)
def test_forwarded_for_is_read_right_to_left_past_trusted_hops_only(
    peer: str, header: list[str], expected: str
) -> None:
    assert forwarded_client(peer, header, TRUSTED) == expected


def test_forwarded_for_from_an_untrusted_peer_cannot_choose_the_client(database_url: str) -> None:
    class _Request:
        def __init__(self, peer: str, xff: str) -> None:
            self.client = type("C", (), {"host": peer})()
            self.headers = type("H", (), {"getlist": staticmethod(lambda _name: [xff])})()

    settings = make_settings(database_url)  # trusts 127.0.0.1 and ::1 by default
    assert client_address(_Request("203.0.113.9", "1.1.1.1"), settings) == "203.0.113.9"  # type: ignore[arg-type]
    assert client_address(_Request("127.0.0.1", "2001:db8:1:2::9"), settings) == "2001:db8:1:2::/64"  # type: ignore[arg-type]
    none = make_settings(database_url, trusted_proxies="")
    assert client_address(_Request("127.0.0.1", "1.1.1.1"), none) == "127.0.0.1"  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        make_settings(database_url, trusted_proxies="10.0.0.0/8, nonsense")


def test_a_forged_forwarded_for_gets_no_fresh_limit(app: Any) -> None:
    survey = app.state.ids["page"]
    url = f"/api/v1/surveys/{survey}/responses"
    body = {"channel": "web", "language": "en", "answers": {"found": True}}
    with TestClient(app, client=("198.51.100.20", 4000)) as c:
        codes = [
            c.post(url, json=body, headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
            for n in range(35)
        ]
    assert codes.count(201) == 30


def test_a_client_leaving_mid_request_logs_the_route_not_its_secret_path() -> None:
    import asyncio
    import concurrent.futures
    import logging

    from starlette.requests import Request
    from starlette.routing import Route

    from feedback.routes.base import client_gone

    class Keep(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.DEBUG)
            self.lines: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.lines.append(record.getMessage())

    scope = {
        "type": "http", "method": "POST", "path": "/kiosk/enrol/SECRETCODE123", "headers": [],
        "query_string": b"", "route": Route("/kiosk/enrol/{code}", lambda r: None),
    }  # fmt: skip
    # Its own handler on the app's logger: another test's logging set-up may stop propagation.
    logger, keep = logging.getLogger("feedback"), Keep()
    logger.addHandler(keep)
    level, logger.level = logger.level, logging.DEBUG
    try:
        # In a thread of its own: once a browser test has run, Playwright's sync API keeps an
        # event loop running in the main thread and asyncio.run there refuses to start.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, client_gone(Request(scope), RuntimeError())).result()
    finally:
        logger.removeHandler(keep)
        logger.setLevel(level)
    text = "\n".join(keep.lines)
    assert "SECRETCODE123" not in text
    assert "/kiosk/enrol/{code}" in text

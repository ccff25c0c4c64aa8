"""`feedback serve --workers 2` on PostgreSQL behaves as one process; a killed server loses
no acknowledged answer.

One real server with two uvicorn worker processes on a per-test PostgreSQL schema, and no
FEEDBACK_SECRET_KEY (so the workers must share the secret kept in the database). Every
request goes on a new connection so that the kernel spreads them over both workers; the
server's JSON log names the worker (pid) that answered each one, and the tests check that
both answered.
"""

from __future__ import annotations

import http.client
import json
import re
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, func, select, text
from sqlmodel import Session, col

from feedback.app import create_app
from feedback.core.logs import LOG_BATCH_SECONDS
from feedback.core.models import Response, ScheduledJob, Survey

from conftest import ADMIN_PASSWORD, PG_URL, _pg_schema_url, seed_minimal
from servers import ServerProcess

LIMIT = 5  # submissions a minute from one client to the rate-limited survey


@dataclass
class Server:
    """The running server: its port, database URL, survey ids and log file."""

    port: int
    url: str
    ids: dict[str, str]
    log: Path

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        """One request on a connection of its own."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = None
        sent = {"Connection": "close", **(headers or {})}
        if isinstance(body, dict) and "answers" in body:
            data, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif body is not None:
            data = body.encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=sent)
        answer = conn.getresponse()
        result = answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
        conn.close()
        return result[0], result[1], result[2].decode()

    def lines(self) -> list[dict[str, Any]]:
        """The server's JSON log lines so far (written in batches, up to
        LOG_BATCH_SECONDS late)."""
        time.sleep(LOG_BATCH_SECONDS * 2)
        out = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def worker_pids(self, route: str) -> set[int]:
        """The processes that answered requests to `route`."""
        return {
            e["pid"]
            for e in self.lines()
            if e["logger"] == "feedback.access" and e["route"] == route
        }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Two workers on a fresh schema with the minimal demo content."""
    if not PG_URL:
        pytest.skip("needs FEEDBACK_TEST_DATABASE_URL (CI sets it)")
    schema = f"w_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = _pg_schema_url(PG_URL, schema)
    folder = tmp_path_factory.mktemp("workers")
    try:
        from feedback.core.settings import Settings

        app = create_app(Settings(database_url=url, alert_check_interval=0))
        ids = seed_minimal(app)
        with Session(app.state.engine) as session:
            survey = session.get(Survey, ids["counter"])
            assert survey is not None
            survey.client_limit_per_minute = LIMIT
            session.commit()
        app.state.engine.dispose()
        process = ServerProcess(
            url,
            folder,
            workers=2,
            FEEDBACK_SECRET_KEY=None,  # the workers share the secret kept in the database
            FEEDBACK_DEMO=None,
            FEEDBACK_ALERT_CHECK_INTERVAL="1",  # the job scheduler then looks every second
            FEEDBACK_METRICS_DIR=str(folder / "metrics"),
        )
        try:
            process.start()
            yield Server(port=process.port, url=url, ids=ids, log=process.log_path)
        finally:
            process.stop()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _spread(server: Server, route: str, send: Any, times: int = 12) -> list[Any]:
    """Send `times` requests at once, again while only one worker has answered (bounded)."""
    results: list[Any] = []
    for _ in range(8):
        with ThreadPoolExecutor(max_workers=6) as pool:
            results += list(pool.map(lambda _i: send(), range(times)))
        if len(server.worker_pids(route)) >= 2:
            break
    return results


def test_idempotent_replays_across_workers(server: Server) -> None:
    survey = server.ids["page"]
    path = f"/api/v1/surveys/{survey}/responses"
    body = {"channel": "web", "language": "en", "answers": {"found": True}}
    key = {"Idempotency-Key": "same-key-everywhere"}
    results = _spread(server, "/api/v1/surveys/{survey}/responses",
                      lambda: server.request("POST", path, body, key))  # fmt: skip
    statuses = [status for status, _h, _b in results]
    assert statuses.count(201) == 1 and set(statuses) == {200, 201}
    assert len({json.loads(b)["id"] for _s, _h, b in results}) == 1
    assert len(server.worker_pids("/api/v1/surveys/{survey}/responses")) == 2
    engine = create_engine(server.url)
    with engine.connect() as conn:
        stored = conn.execute(
            select(func.count()).select_from(Response).where(col(Response.survey_id) == survey)
        ).scalar_one()
    engine.dispose()
    assert stored == 1


def test_one_login_works_on_both_workers(server: Server) -> None:
    status, headers, page = server.request("GET", "/login")
    cookie = headers["set-cookie"].split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert status == 200 and token
    form = f"username=admin&password={ADMIN_PASSWORD.replace(' ', '+')}&csrf_token={token[1]}"
    status, headers, _ = server.request("POST", "/login", form, {"Cookie": cookie})
    assert status == 303
    cookie = headers.get("set-cookie", cookie).split(";")[0]
    signed_in = {"Cookie": cookie}
    results = _spread(
        server, "/dashboard", lambda: server.request("GET", "/dashboard", None, signed_in)
    )
    assert {status for status, _h, _b in results} == {200}
    assert len(server.worker_pids("/dashboard")) == 2


def test_rate_limit_counted_once_across_workers(server: Server) -> None:
    survey = server.ids["counter"]
    path = f"/api/v1/surveys/{survey}/responses"
    for _attempt in range(3):
        minute = datetime.now(UTC).replace(second=0, microsecond=0)
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(
                pool.map(
                    lambda i: server.request(
                        "POST",
                        path,
                        {"channel": "phone", "language": "en", "answers": {"satisfaction": 4}},
                        {"Idempotency-Key": f"limit-{time.time_ns()}-{i}"},
                    ),
                    range(LIMIT + 4),
                )
            )
        if datetime.now(UTC).replace(second=0, microsecond=0) == minute:
            break  # all in one window; otherwise the count restarted midway: try again
    statuses = [status for status, _h, _b in results]
    assert statuses.count(201) == LIMIT, statuses
    assert statuses.count(429) == 4
    assert all(h.get("retry-after") for s, h, _b in results if s == 429)


def test_jobs_run_once_across_workers_and_metrics_add_up(server: Server) -> None:
    # The hourly job was due when both workers started, and they look every second.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        runs = [e for e in server.lines() if e["message"].startswith("job limits.forget_expired")]
        if runs:
            break
        time.sleep(0.5)
    time.sleep(2.5)  # both workers have looked again since
    runs = [e for e in server.lines() if e["message"].startswith("job limits.forget_expired")]
    assert len(runs) == 1
    engine = create_engine(server.url)
    with Session(engine) as session:
        job = session.get(ScheduledJob, "limits.forget_expired")
        assert job is not None and job.locked_by is None and job.last_result
        stored = session.execute(select(func.count()).select_from(Response)).scalar_one()
    engine.dispose()
    # Whichever worker answers the scrape, it counts the submissions both workers stored.
    totals = set()
    for _ in range(6):
        status, _h, page = server.request("GET", "/metrics")
        assert status == 200
        total = sum(
            s.value
            for family in text_string_to_metric_families(page)
            for s in family.samples
            if s.name == "feedback_submissions_total"
        )
        totals.add(total)
    assert totals == {stored}
    assert len(server.worker_pids("/metrics")) >= 1


def test_killed_server_keeps_every_acknowledged_answer(sqlite_url: str, tmp_path: Path) -> None:
    from feedback.core.settings import Settings

    app = create_app(Settings(database_url=sqlite_url, alert_check_interval=0))
    ids = seed_minimal(app)
    app.state.engine.dispose()
    process = ServerProcess(sqlite_url, tmp_path, FEEDBACK_SECRET_KEY=None, FEEDBACK_DEMO=None)
    server = Server(port=process.port, url=sqlite_url, ids=ids, log=process.log_path)
    acknowledged: list[str] = []
    try:
        process.start()
        path = f"/api/v1/surveys/{ids['page']}/responses"
        body = {"channel": "web", "language": "en", "answers": {"found": True}}

        def post(i: int) -> None:
            try:
                status, _h, text_ = server.request("POST", path, body, {"Idempotency-Key": f"k{i}"})
            except (OSError, http.client.HTTPException):
                return  # the server died before its whole answer: nothing was promised
            if status == 201:
                acknowledged.append(json.loads(text_)["id"])

        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(post, i) for i in range(60)]
            deadline = time.monotonic() + 60  # a server that died early fails, not hangs
            while len(acknowledged) < 20 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert len(acknowledged) >= 20, process.log()
            process.kill()  # SIGKILL: no shutdown, no flush, mid-stream
            for f in futures:
                f.result()
    finally:
        process.kill()
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        stored = {str(i) for i in conn.execute(select(col(Response.id))).scalars()}
    engine.dispose()
    assert set(acknowledged) <= stored

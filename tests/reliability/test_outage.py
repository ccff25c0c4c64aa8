"""Database outages (issue 7, item 3). PostgreSQL stopped and started during a load (a private
cluster of the test's own, never the shared server): 503 with Retry-After while it is down,
never a 500; the server recovers by itself and nothing acknowledged is lost. SQLite on a full
or read-only disk: 503 with Retry-After and a clear log line."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from feedback.app import create_app

from .conftest import (
    FULL,
    SURVEY,
    LoadResult,
    PrivateCluster,
    assert_stored_exactly_once,
    lift_limits,
    prepare,
    run_async,
    run_load,
)
from conftest import make_settings, seed_minimal

SUBMISSIONS = 5_000 if FULL else 300
API = f"/api/v1/surveys/{SURVEY}/responses"
ANSWERS: dict[str, Any] = {"trust": True, "comment": "x" * 900}
VALID: dict[str, Any] = {"channel": "web", "language": "en", "answers": ANSWERS}


def _wait_ready(url: str, patience: float = 60) -> None:
    """Poll /readyz until the server says the database answers (the deadline is a safety net)."""
    give_up = time.monotonic() + patience
    while httpx.get(url + "/readyz", timeout=10).status_code != 200:
        assert time.monotonic() < give_up, "the server did not recover by itself"
        time.sleep(0.2)


async def _load_through_outage(
    server: Any, cluster: PrivateCluster, keys: list[str], result: LoadResult
) -> tuple[dict[str, Any], float]:
    """Stop PostgreSQL once a third of the load is stored, probe the server, start it again."""
    load = asyncio.create_task(
        run_load(server.url, keys, connections=20, result=result, patience=120)
    )
    while not load.done() and len(result.acknowledged()) < len(keys) // 3:
        await asyncio.sleep(0.02)
    await asyncio.to_thread(cluster.stop, "fast")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        probes = {
            "readyz": await client.get("/readyz"),
            "post": await client.post(API, json=VALID),
            "form": await client.get(f"/s/{SURVEY}"),
        }
    await asyncio.sleep(1)  # the load keeps retrying against the stopped database
    await asyncio.to_thread(cluster.start)
    restarted = time.monotonic()
    await load
    return probes, restarted


def test_postgresql_stopped_and_started_during_load(
    private_pg: PrivateCluster, server_factory: Any
) -> None:
    prepare(private_pg.url)
    server = server_factory(private_pg.url)
    keys = [f"outage-{i:05d}" for i in range(SUBMISSIONS)]
    result = LoadResult()
    probes, restarted = run_async(_load_through_outage(server, private_pg, keys, result))

    for name, probe in probes.items():
        assert probe.status_code == 503, (name, probe.status_code, probe.text[:300])
        assert probe.headers.get("retry-after"), name
    assert probes["post"].json()["error"]["code"] == "unavailable"
    assert "text/html" in probes["form"].headers["content-type"]
    statuses = result.statuses()
    assert 500 not in statuses and set(statuses) <= {200, 201, 503, None}, statuses
    assert all(o.retry_after for o in result.all() if o.status == 503)
    assert statuses.get(503), "the load should have met the outage"

    _wait_ready(server.url)
    assert any(o.at > restarted and o.status == 201 for o in result.all()), "no recovery"
    acknowledged = result.acknowledged()
    assert set(acknowledged) == set(keys), "every client got through after the restart"
    assert_stored_exactly_once(private_pg.url, keys, acknowledged)
    log = server.log()
    assert "database unavailable" in log, "the outage is logged as such"
    assert "Traceback" not in log and "unexpected error" not in log, "an outage is no bug"


# ---- SQLite: full disk and read-only file, in-process with the log captured ----


def _post(client: TestClient, body: dict[str, Any]) -> Any:
    return client.post(API, content=json.dumps(body), headers={"content-type": "application/json"})


def test_sqlite_full_disk_answers_503_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'full.db'}"))
    seed_minimal(app)
    engine = app.state.engine
    lift_limits(engine)
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    room = {"pages": int(pages) + 40}

    @event.listens_for(engine, "connect")
    def _small_disk(dbapi_conn: Any, _record: Any) -> None:
        # What a full disk looks like to SQLite: no page can be added to the file.
        dbapi_conn.execute(f"PRAGMA max_page_count={room['pages']}")

    engine.dispose()
    caplog.set_level(logging.INFO, logger="feedback")
    stored = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        for i in range(400):
            answer = _post(client, {**VALID, "answers": {**ANSWERS, "comment": f"{i:04d}" * 225}})
            if answer.status_code == 503:
                break
            assert answer.status_code == 201, answer.text
            stored += 1
        assert answer.status_code == 503, "the small disk should have filled up"
        assert answer.headers["retry-after"]
        assert answer.json()["error"]["code"] == "unavailable"
        assert any(
            "database unavailable" in r.getMessage() and "full" in r.getMessage()
            for r in caplog.records
        ), [r.getMessage() for r in caplog.records][-5:]
        form = client.post(f"/s/{SURVEY}", data={"q_trust": "true", "q_comment": "z" * 900})
        assert form.status_code == 503 and "text/html" in form.headers["content-type"]

        room["pages"] += 4000  # space is freed: the same server takes answers again
        engine.dispose()
        assert _post(client, VALID).status_code == 201
    with engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM response").scalar()
    assert count == stored + 1, "every acknowledged answer is kept, nothing else"
    engine.dispose()


def test_sqlite_read_only_database_answers_503_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "ro.db"
    writable = create_app(make_settings(f"sqlite:///{path}"))
    seed_minimal(writable)
    writable.state.engine.dispose()
    # The same file opened read-only, as on a disk remounted read-only after an error.
    app = create_app(make_settings(f"sqlite:///file:{path}?mode=ro&uri=true"))
    caplog.set_level(logging.INFO, logger="feedback")
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = _post(client, VALID)
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"]
        form = client.post(f"/s/{SURVEY}", data={"q_trust": "true"})
        assert form.status_code == 503 and "text/html" in form.headers["content-type"]
        assert client.get(f"/s/{SURVEY}").status_code == 200, "reading still works"
    assert any(
        "database unavailable" in r.getMessage() and "readonly" in r.getMessage()
        for r in caplog.records
    ), [r.getMessage() for r in caplog.records][-5:]
    app.state.engine.dispose()

"""Crash (issue 7, item 2): the server process is killed with SIGKILL in the middle of a load,
then restarted on the same database. Every answer that got a 2xx is stored with the id it was
given, and the clients' retries of the rest (same keys) are stored exactly once. A clean stop
(SIGTERM) loses no log line."""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from typing import Any

from .conftest import (
    FULL,
    LoadResult,
    assert_stored_exactly_once,
    prepare,
    run_async,
    run_load,
    stored_state,
)

SUBMISSIONS = 20_000 if FULL else int(os.environ.get("FEEDBACK_RELIABILITY_CRASH", "600"))
CONNECTIONS = 100 if FULL else 50


async def _load_and_kill(server: Any, keys: list[str], result: LoadResult) -> None:
    """Run the load; SIGKILL the server once a third of the keys were acknowledged."""
    stop = asyncio.Event()
    load = asyncio.create_task(
        run_load(server.url, keys, connections=CONNECTIONS, result=result, stop=stop)
    )
    while not load.done() and len(result.acknowledged()) < len(keys) // 3:
        await asyncio.sleep(0.02)
    server.kill()
    stop.set()
    await load


def test_sigkill_mid_load_keeps_every_acknowledged_answer(
    database_url: str, server_factory: Any
) -> None:
    prepare(database_url)
    server = server_factory(database_url)
    keys = [f"crash-{i:06d}" for i in range(SUBMISSIONS)]
    first = LoadResult()
    run_async(_load_and_kill(server, keys, first))
    acknowledged = first.acknowledged()
    assert 0 < len(acknowledged) < len(keys), "the kill should land in the middle of the load"
    assert all(o.status is None or o.status < 500 for o in first.all()), first.statuses()

    # Before any restart: what was acknowledged is on disk, under the id the client was given.
    by_key, _, _ = stored_state(database_url)
    lost = {k: v for k, v in acknowledged.items() if str(by_key.get(k)) != v}
    assert not lost, f"{len(lost)} acknowledged answers missing after SIGKILL"

    # Restart on the same database and port; clients retry everything with the same keys.
    restarted = server_factory(database_url, port=server.port)
    retry = run_async(run_load(restarted.url, keys, connections=CONNECTIONS))
    assert set(retry.statuses()) <= {200, 201}, retry.statuses()
    for key, value in acknowledged.items():
        (outcome,) = retry.attempts[key]
        assert (outcome.status, outcome.id) == (200, value), f"{key}: {outcome}"
    assert_stored_exactly_once(database_url, keys, {**retry.acknowledged(), **acknowledged})


def test_a_server_stopped_by_sigterm_writes_its_last_request_lines(
    sqlite_url: str, server_factory: Any
) -> None:
    """Request lines wait to be written in batches; uvicorn ends a SIGTERM stop by raising the
    signal again, so only its last line, written at once, can take them out."""
    prepare(sqlite_url)
    server = server_factory(sqlite_url)
    for _ in range(3):
        urllib.request.urlopen(server.url + "/healthz", timeout=5).close()
    server.stop()  # at once: the request lines are still waiting
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    health = [e for e in lines if e["logger"] == "feedback.access" and e["route"] == "/healthz"]
    assert len(health) >= 4, server.log()[-2000:]
    assert lines[-1]["message"].startswith("Finished server process")

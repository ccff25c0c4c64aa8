"""Floods (issue 7, item 7): a thousand submissions a minute from one client are refused with
429 and Retry-After beyond the survey's per-client limit, while another client's answers go
through. Clients are told apart by address: uvicorn believes X-Forwarded-For from 127.0.0.1
(its default --forwarded-allow-ips), as behind a reverse proxy on the same host."""

from __future__ import annotations

import asyncio
from typing import Any

from .conftest import prepare, run_async, run_load, stored_state

FLOOD = 1_000
LIMIT = 30  # Survey.client_limit_per_minute's default
FLOODER = {"X-Forwarded-For": "203.0.113.7"}
NEIGHBOUR = {"X-Forwarded-For": "198.51.100.9"}


async def _flood_and_neighbour(url: str) -> tuple[Any, Any]:
    flood = run_load(url, [f"flood-{i}" for i in range(FLOOD)], connections=20, headers=FLOODER)
    calm = run_load(url, [f"calm-{i}" for i in range(20)], connections=2, headers=NEIGHBOUR)
    return await asyncio.gather(flood, calm)


def test_one_client_flooding_is_limited_while_others_get_through(
    database_url: str, server_factory: Any
) -> None:
    prepare(database_url, client_limit=None)
    server = server_factory(database_url)
    flood, calm = run_async(_flood_and_neighbour(server.url))

    statuses = flood.statuses()
    assert set(statuses) <= {201, 429}, statuses
    # The window may roll over once during the run, so at most two windows' worth get in.
    assert LIMIT <= statuses.get(201, 0) <= 2 * LIMIT, statuses
    refused = [o for o in flood.all() if o.status == 429]
    assert refused and all(o.retry_after and int(o.retry_after) > 0 for o in refused)
    assert calm.statuses() == {201: 20}, "the other client is not held back by the flood"

    _, count, daily = stored_state(database_url)
    assert count == daily == statuses[201] + 20, "exactly the accepted answers are stored"

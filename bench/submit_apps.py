"""The two endpoints bench/submit_speed.py measures the product against, in the same run.

`bare`: a Starlette route that reads the body and answers "ok", the baseline of the issue.

`floor`: the least a durable submission endpoint can do. A Starlette route reads the JSON
body and hands it to one writer thread, which stores every body waiting (up to 256) in one
transaction; the route answers 201 with the new id once that commit is on disk. The same
group commit and durability (SQLite in WAL mode with synchronous=FULL, or PostgreSQL) as
the product, and nothing else: no validation, scrubbing, rate limits, idempotency replays,
aggregates, metrics, logs or security headers. Its share of the bare endpoint's rate is the
ceiling for any submission path on this stack on this machine.

Both run under uvicorn as `feedback serve` runs: httptools, uvloop and TCP_NODELAY
(`NoDelayHttpTools`); `floor` needs FLOOR_DATABASE, a SQLite file path or a libpq URL.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import socket
import sqlite3
import threading
import traceback
from typing import Any

import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

TABLE = (
    "CREATE TABLE IF NOT EXISTS floor_submission (id {id} PRIMARY KEY, key TEXT UNIQUE, body TEXT)"
)
UNNEST = (
    "INSERT INTO floor_submission (key, body) "
    "SELECT * FROM unnest(%s::text[], %s::text[]) RETURNING id"
)
_waiting: queue.SimpleQueue[tuple[str | None, str, asyncio.Future[int]]] = queue.SimpleQueue()
_writer: threading.Thread | None = None


def create_table(target: str) -> None:
    """Make the floor's table before its workers start (they would race to make it)."""
    conn, mark = _connect(target)
    conn.execute(TABLE.format(id="BIGSERIAL" if mark == "%s" else "INTEGER"))
    conn.commit()
    conn.close()


def _connect(target: str) -> tuple[Any, str]:
    """A connection to FLOOR_DATABASE and its driver's parameter mark."""
    if target.startswith("postgresql://"):
        return psycopg.connect(target), "%s"
    lite = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    lite.execute("PRAGMA journal_mode=WAL")
    lite.execute("PRAGMA synchronous=FULL")  # as feedback/db.py: durable once committed
    return lite, "?"


def _write() -> None:
    try:
        _store_forever()
    except BaseException:  # noqa: BLE001  # waiting requests would hang: end the worker loudly
        traceback.print_exc()
        os._exit(1)


def _store_forever() -> None:
    conn, mark = _connect(os.environ["FLOOR_DATABASE"])
    insert = f"INSERT INTO floor_submission (key, body) VALUES ({mark}, {mark}) RETURNING id"
    while True:
        batch = [_waiting.get()]
        while len(batch) < 256:
            try:
                batch.append(_waiting.get_nowait())
            except queue.Empty:
                break
        rows = [(key, body) for key, body, _ in batch]
        if isinstance(conn, sqlite3.Connection):
            conn.execute("BEGIN")
            ids = [conn.execute(insert, row).fetchone()[0] for row in rows]
        else:  # one statement for the batch, the same text whatever its size
            keys, bodies = zip(*rows, strict=True)
            ids = sorted(row[0] for row in conn.execute(UNNEST, (list(keys), list(bodies))))
        conn.commit()
        loop = batch[0][2].get_loop()
        loop.call_soon_threadsafe(_settle, [future for *_, future in batch], ids)


def _settle(futures: list[asyncio.Future[int]], ids: list[int]) -> None:
    for future, id_ in zip(futures, ids, strict=True):
        future.set_result(id_)


async def post(request: Request) -> JSONResponse:
    """Store the body as it came, once it is valid JSON; answer with its id."""
    global _writer
    if _writer is None:  # started by the first request, so each uvicorn worker has its own
        _writer = threading.Thread(target=_write, daemon=True)
        _writer.start()
    body = json.loads(await request.body())
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    _waiting.put((request.headers.get("idempotency-key"), json.dumps(body), future))
    return JSONResponse({"id": await future}, status_code=201)


async def ok(request: Request) -> PlainTextResponse:
    """Read the body and answer "ok": what Starlette and uvicorn cost by themselves."""
    await request.body()
    return PlainTextResponse("ok", status_code=201)


PATH = "/api/v1/surveys/{survey}/responses"
floor = Starlette(routes=[Route(PATH, post, methods=["POST"])])
bare = Starlette(routes=[Route(PATH, ok, methods=["POST"])])


class NoDelayHttpTools(HttpToolsProtocol):
    """The same TCP_NODELAY as `feedback serve` sets, so every side is served alike."""

    def connection_made(self, transport: Any) -> None:  # noqa: D102
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

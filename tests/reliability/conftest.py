"""Real server processes (servers.ServerProcess) started by a fixture, a private PostgreSQL
cluster, and an async load client with N connections.

CI runs every suite at a reduced size; FEEDBACK_RELIABILITY_FULL=1 (or bench/reliability.py)
runs the full size of issue 7.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import random
import shutil
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from feedback.app import create_app
from feedback.core.db import make_engine, session_scope
from feedback.core.models import Response, ResponseDay, Survey

from conftest import make_settings, seed_minimal
from servers import ServerProcess, free_port

FULL = os.environ.get("FEEDBACK_RELIABILITY_FULL") == "1"
# The A-11 v2 survey of seed_minimal: one required yes/no, follow-up choices, a comment.
SURVEY = "a11v2xx234"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark this package's tests `reliability`, so `-m "not reliability"` skips them."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.reliability)


def prepare(database_url: str, client_limit: int | None = 10**9) -> dict[str, str]:
    """Create the schema and seed_minimal's surveys and users, as a deployment would.

    Every load client posts from 127.0.0.1, so the per-client limit is lifted unless a test
    (the flood test) asks for the survey's own (`client_limit=None`).
    """
    application = create_app(make_settings(database_url))
    try:
        ids = seed_minimal(application)
        if client_limit is not None:
            lift_limits(application.state.engine, client_limit)
        return ids
    finally:
        application.state.engine.dispose()


def lift_limits(engine: Any, client_limit: int = 10**9) -> None:
    """Raise every survey's per-client limit: load tests post from one address."""
    with session_scope(engine) as session:
        for survey in session.exec(select(Survey)):
            survey.client_limit_per_minute = client_limit


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Any]:
    """Start servers with `server_factory(url, port=None, **env)`; all are stopped at the end."""
    started: list[ServerProcess] = []

    def start(database_url: str, port: int | None = None, **env: str) -> ServerProcess:
        server = ServerProcess(database_url, tmp_path, port, **env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# ---- load client ----


def body_for(key: str) -> dict[str, Any]:
    """A valid A-11 v2 answer whose content follows from its key."""
    n = zlib.crc32(key.encode())
    trusted = n % 3 != 0
    answers: dict[str, Any] = {"trust": trusted}
    answers["went_well" if trusted else "went_badly"] = ["ease", "efficiency"][: n % 3]
    if n % 2:
        answers["comment"] = f"load test answer {key}"
    return {"channel": "web", "language": "fr" if n % 5 == 0 else "en", "answers": answers}


@dataclass
class Outcome:
    """What one attempt got: a status and response id, or a transport error."""

    key: str
    status: int | None
    id: str | None = None
    error: str | None = None
    retry_after: str | None = None
    at: float = field(default_factory=time.monotonic)  # when the answer (or error) came


@dataclass
class LoadResult:
    """Every attempt of a load run, by idempotency key."""

    attempts: dict[str, list[Outcome]] = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        self.attempts.setdefault(outcome.key, []).append(outcome)

    def all(self) -> list[Outcome]:
        return [o for outcomes in self.attempts.values() for o in outcomes]

    def acknowledged(self) -> dict[str, str]:
        """Key -> response id for every key that got a 2xx at least once."""
        found: dict[str, str] = {}
        for outcome in self.all():
            if outcome.status is not None and 200 <= outcome.status < 300 and outcome.id:
                found.setdefault(outcome.key, outcome.id)
        return found

    def statuses(self) -> dict[int | None, int]:
        counts: dict[int | None, int] = {}
        for outcome in self.all():
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return counts


async def run_load(
    base_url: str,
    jobs: Iterable[str],
    *,
    connections: int,
    survey: str = SURVEY,
    result: LoadResult | None = None,
    stop: asyncio.Event | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
    patience: float = 0,
) -> LoadResult:
    """POST one answer per job (an idempotency key; repeated keys are client retries) over
    `connections` concurrent connections. Transport errors are recorded, not raised.

    With `patience` > 0, a 503 or a transport error is retried with the same key every
    0.2 s, as the widget does, for at most `patience` seconds (a safety net)."""
    import httpx2 as httpx

    result = result or LoadResult()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    url = f"{base_url}/api/v1/surveys/{survey}/responses"

    async def worker(client: Any) -> None:
        while not queue.empty():
            if stop is not None and stop.is_set():
                return
            key = queue.get_nowait()
            give_up = time.monotonic() + patience
            while True:
                outcome = await attempt(client, key)
                result.add(outcome)
                unavailable = outcome.status in (None, 503)
                if not unavailable or time.monotonic() > give_up:
                    break
                await asyncio.sleep(0.2)

    async def attempt(client: Any, key: str) -> Outcome:
        try:
            answer = await client.post(
                url, json=body_for(key), headers={"Idempotency-Key": key, **(headers or {})}
            )
        except httpx.HTTPError as error:
            return Outcome(key, None, error=type(error).__name__)
        payload = (
            answer.json()
            if answer.headers.get("content-type", "").startswith("application/json")
            else {}
        )
        return Outcome(
            key,
            answer.status_code,
            id=payload.get("id"),
            retry_after=answer.headers.get("retry-after"),
        )

    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    return result


def run_async(coroutine: Any) -> Any:
    """asyncio.run in a thread of its own: once a test has used Playwright's sync API, the
    main thread has an event loop running and asyncio.run there refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def with_retries(keys: list[str], share: float, seed: int = 7) -> list[str]:
    """The keys, plus a share of them sent again (some concurrently with the first), shuffled."""
    rng = random.Random(seed)
    jobs = keys + rng.sample(keys, int(len(keys) * share))
    rng.shuffle(jobs)
    return jobs


def stored_state(database_url: str, survey: str = SURVEY) -> tuple[dict[str, int], int, int]:
    """(idempotency key -> response id, number of responses, sum of the daily counts)."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            rows = session.exec(
                select(Response.idempotency_key, Response.id).where(Response.survey_id == survey)
            ).all()
            daily = session.exec(
                select(func.coalesce(func.sum(ResponseDay.n), 0)).where(
                    ResponseDay.survey_id == survey
                )
            ).one()
        keys = {str(k): int(i or 0) for k, i in rows}
        return keys, len(rows), int(daily)
    finally:
        engine.dispose()


def assert_stored_exactly_once(
    database_url: str, keys: list[str], acknowledged: dict[str, str]
) -> None:
    """Every key stored once, every acknowledged id kept, daily counts exact."""
    by_key, count, daily = stored_state(database_url)
    assert count == len(by_key), "an idempotency key was stored twice"
    missing = set(keys) - set(by_key)
    assert not missing, f"{len(missing)} submissions lost, e.g. {sorted(missing)[:3]}"
    extra = set(by_key) - set(keys)
    assert not extra, f"unexpected responses stored: {sorted(extra)[:3]}"
    changed = {k: v for k, v in acknowledged.items() if str(by_key[k]) != v}
    assert not changed, f"acknowledged ids differ from what is stored: {list(changed.items())[:3]}"
    assert daily == count, f"daily counts say {daily}, responses table has {count}"


# ---- a private PostgreSQL cluster that tests may stop and start ----


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


class PrivateCluster:
    """initdb + pg_ctl in a temporary folder on a free port; never the shared server."""

    def __init__(self) -> None:
        bindir = _pg_bin()
        if bindir is None:
            pytest.skip("outage tests need PostgreSQL's initdb and pg_ctl (Debian postgresql)")
        self.bin = bindir
        self.root = Path(tempfile.mkdtemp(prefix="feedback-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as_owner = os.geteuid() == 0
        if self._as_owner:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_owner:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def init(self) -> PrivateCluster:
        done = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        if done.returncode != 0:
            pytest.skip(f"initdb failed, no private cluster: {done.stderr[-300:]}")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\nfsync = on\n"
                "max_connections = 60\nshared_buffers = 32MB\n"
            )
        return self.start()

    def start(self) -> PrivateCluster:
        done = self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "pg.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        assert done.returncode == 0, done.stderr + done.stdout
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_pg() -> Iterator[PrivateCluster]:
    """A PostgreSQL cluster of this test's own, which it may stop and start."""
    cluster = PrivateCluster().init()
    try:
        yield cluster
    finally:
        cluster.destroy()

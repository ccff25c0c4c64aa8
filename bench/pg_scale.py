"""The survey detail dashboard on ten million PostgreSQL responses.

Usage:
  python bench/pg_scale.py seed   [--url URL] [--responses 10000000]
  python bench/pg_scale.py render [--url URL] [--runs 20] [--compare URL ...]

`seed` creates the database named in --url if it does not exist (default feedback_bench on
the local server: never the test database), applies the migrations, adds the demo surveys and
seeds --responses demo responses through COPY (seed/copy.py), rebuilds the daily aggregates
and runs ANALYZE. It refuses a database that already holds responses.
`render` renders /dashboard/surveys/rnwcntr347 (the demo counter survey, default filters)
through the real application, signed in as an admin, --warmup times and then --runs times,
and prints the median, the spread and the row counts. With --compare, the other databases
(e.g. one seeded with 100,000 responses) are rendered alternately in the same run.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, text
from sqlalchemy.engine import make_url
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # seed/ is not installed

from starlette.testclient import TestClient  # noqa: E402

from feedback.app import create_app  # noqa: E402
from feedback.core import schema  # noqa: E402
from feedback.core.db import make_engine, session_scope  # noqa: E402
from feedback.core.models import Response, StaffUser  # noqa: E402
from feedback.core.settings import Settings  # noqa: E402
from feedback.staff import auth

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/feedback_bench"
COUNTER = "rnwcntr347"  # the demo's counter survey: eight channels, eight questions
PASSWORD = "benchmark password"


def client_for_url(url: str) -> tuple[TestClient, int]:
    """A client signed in as an admin on the database at url, and how many responses it holds."""
    app = create_app(Settings(database_url=url, secret_key="bench", alert_check_interval=0))
    with session_scope(app.state.engine) as session:
        if not session.exec(select(StaffUser).where(StaffUser.username == "bench")).first():
            auth.create_user(session, username="bench", password=PASSWORD, role="admin")
        held = session.execute(select(func.count()).select_from(Response)).scalar_one()
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    form = {"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)}
    signed_in = client.post("/login", data=form, follow_redirects=False)
    assert signed_in.status_code == 303, "could not sign in as bench"
    return client, held


def render(client: TestClient, url: str) -> tuple[float, float]:
    """Seconds for one full server-side render of url: wall time, and this process's CPU.

    The CPU time leaves out waits for other processes on a busy machine (and the database
    server's own work), so it shows what the page costs the application itself.
    """
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(url, follow_redirects=False)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert response.status_code == 200, response.status_code
    return seconds, cpu


def create_database(url: str) -> None:
    """CREATE DATABASE for the url's database if the server does not have it yet."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def seed(url: str, responses: int) -> None:
    """Create, migrate and fill the benchmark database; print what each step took."""
    from seed.copy import seed_by_copy
    from seed.demo import ensure_demo

    create_database(url)
    engine = make_engine(url)
    schema.upgrade(engine)
    with session_scope(engine) as session:
        held = session.execute(select(func.count()).select_from(Response)).scalar_one()
        if held:
            raise SystemExit(f"{url} already holds {held:,} responses; drop it first")
        ensure_demo(session, base_origin="http://127.0.0.1:8000")
    start = time.perf_counter()
    with session_scope(engine) as session:
        seed_by_copy(session, months=12, responses=responses)
    seeded = time.perf_counter() - start
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"seeded {responses:,} responses by COPY with aggregates in {seeded:.0f} s, "
          f"VACUUM ANALYZE done after {time.perf_counter() - start:.0f} s", flush=True)  # fmt: skip
    counts(engine)


def counts(engine: object) -> None:
    """Rows in the big tables and the database size."""
    with engine.connect() as conn:  # type: ignore[attr-defined]
        for table in ("response", "answer", "response_day", "answer_day", "answer_pair_day"):
            n = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            print(f"  {table:<16} {n:>12,} rows")
        size = conn.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
        print(f"  database size    {size.scalar_one():>12}")


def main() -> None:
    """Seed or render, as asked."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", choices=["seed", "render"])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--survey", default=COUNTER)
    parser.add_argument(
        "--compare", nargs="*", default=[], help="other databases to render alternately"
    )
    args = parser.parse_args()
    if make_url(args.url).database in ("test", "postgres"):
        raise SystemExit("use a database of its own for the benchmark, e.g. feedback_bench")
    if args.step == "seed":
        seed(args.url, args.responses)
        return
    counts(make_engine(args.url))
    url = f"/dashboard/surveys/{args.survey}"
    clients = {}
    for db_url in [args.url, *args.compare]:
        client, held = client_for_url(db_url)
        clients[held] = client
        for _ in range(args.warmup):
            render(client, url)
    times: dict[int, list[tuple[float, float]]] = {held: [] for held in clients}
    # Alternate the databases run by run, so that other load on the machine hits all alike.
    for _ in range(args.runs):
        for held, client in clients.items():
            times[held].append(render(client, url))
    for held, runs in times.items():
        wall = [w * 1000 for w, _cpu in runs]
        median, cpu = statistics.median(wall), statistics.median(c for _w, c in runs) * 1000
        print(f"survey detail on {held:>10,} PostgreSQL responses: median {median:6.1f} ms "
              f"(min {min(wall):.1f}, max {max(wall):.1f}, {args.runs} runs; "
              f"application CPU median {cpu:.1f} ms)")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

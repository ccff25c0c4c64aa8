"""Issue 7 at full size: load, crash and database outage against real server processes.

Usage: python bench/reliability.py [--submissions 20000] [--connections 100]
                                   [--only load|crash|outage] [--pg URL]

- load: `feedback serve` on a fresh SQLite file (and on PostgreSQL with --pg, a fresh schema),
  N submissions over C connections plus 20 % of them sent again with the same keys, in random
  order so some retries race their first try. Checks: no 5xx, one 201 per key, every key
  stored once under the id its client got, daily counts equal to the rows.
- crash: the same load, SIGKILL once a third is acknowledged, restart on the same file and
  port, every key sent again. Checks: every acknowledged answer was on disk before the restart,
  then every key is stored exactly once.
- outage: a private PostgreSQL cluster (initdb/pg_ctl in a temporary folder, never the shared
  server) stopped with `pg_ctl -m fast` once a third of N/4 submissions are stored and started
  again a second later; clients retry 503s with the same key. Checks: 503 with Retry-After
  while down, no 500, nothing acknowledged lost; prints how long until /readyz said ok again.

The helpers are the CI suites' (tests/reliability/conftest.py and tests/servers.py), at the
full size.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from reliability.conftest import (  # noqa: E402
    LoadResult,
    PrivateCluster,
    assert_stored_exactly_once,
    prepare,
    run_async,
    run_load,
    stored_state,
    with_retries,
)
from reliability.test_crash import _load_and_kill  # noqa: E402
from reliability.test_outage import _load_through_outage, _wait_ready  # noqa: E402

from servers import ServerProcess  # noqa: E402


def _row(name: str, database: str, result: LoadResult, seconds: float, extra: str = "") -> None:
    attempts = len(result.all())
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result.statuses().items(), key=str))
    rate = attempts / seconds if seconds else 0
    print(f"| {name} | {database} | {attempts} | {statuses} | {seconds:.1f} s "
          f"| {rate:.0f}/s | {extra} |", flush=True)  # fmt: skip


def bench_load(url: str, database: str, n: int, connections: int, folder: Path) -> None:
    prepare(url)
    server = ServerProcess(url, folder).start()
    try:
        keys = [f"load-{i:06d}" for i in range(n)]
        jobs = with_retries(keys, 0.2)
        started = time.monotonic()
        result = run_async(run_load(server.url, jobs, connections=connections))
        seconds = time.monotonic() - started
        assert set(result.statuses()) <= {200, 201}, result.statuses()
        assert_stored_exactly_once(url, keys, result.acknowledged())
        _row("load", database, result, seconds, "all stored once")
    finally:
        server.stop()


def bench_crash(url: str, database: str, n: int, connections: int, folder: Path) -> None:
    import reliability.test_crash as crash

    crash.CONNECTIONS = connections
    prepare(url)
    server = ServerProcess(url, folder).start()
    keys = [f"crash-{i:06d}" for i in range(n)]
    first = LoadResult()
    started = time.monotonic()
    run_async(_load_and_kill(server, keys, first))
    acknowledged = first.acknowledged()
    by_key, _, _ = stored_state(url)
    lost = [k for k, v in acknowledged.items() if str(by_key.get(k)) != v]
    assert not lost, f"{len(lost)} acknowledged answers lost"
    restarted = ServerProcess(url, folder, port=server.port).start()
    try:
        retry = run_async(run_load(restarted.url, keys, connections=connections))
        seconds = time.monotonic() - started
        assert_stored_exactly_once(url, keys, {**retry.acknowledged(), **acknowledged})
        first.attempts.update({f"retry:{k}": v for k, v in retry.attempts.items()})
        extra = f"{len(acknowledged)} acknowledged before the kill, all kept; retries stored once"
        _row("crash", database, first, seconds, extra)
    finally:
        restarted.stop()


def bench_outage(n: int, folder: Path) -> None:
    cluster = PrivateCluster().init()
    try:
        prepare(cluster.url)
        server = ServerProcess(cluster.url, folder).start()
        try:
            keys = [f"outage-{i:05d}" for i in range(n)]
            result = LoadResult()
            started = time.monotonic()
            probes, restarted = run_async(_load_through_outage(server, cluster, keys, result))
            _wait_ready(server.url)
            seconds = time.monotonic() - started
            assert all(
                p.status_code == 503 and p.headers.get("retry-after") for p in probes.values()
            )
            assert 500 not in result.statuses()
            assert_stored_exactly_once(cluster.url, keys, result.acknowledged())
            first = min(o.at for o in result.all() if o.at > restarted and o.status == 201)
            down = sum(1 for o in result.all() if o.status == 503)
            extra = (
                f"{down} answers 503 + Retry-After while down; first 201 {first - restarted:.2f} s "
                "after PostgreSQL was back; nothing lost"
            )
            _row("outage", "PostgreSQL (private)", result, seconds, extra)
        finally:
            server.stop()
    finally:
        cluster.destroy()


def _pg_schema(base: str) -> tuple[str, Any]:
    schema = f"rel_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return f"{base}{sep}options=-csearch_path%3D{schema}", drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--only", choices=["load", "crash", "outage"])
    parser.add_argument("--pg", help="also run load and crash on this PostgreSQL URL")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="feedback-reliability-"))
    print("| suite | database | requests | statuses | time | rate | result |")
    print("| --- | --- | --- | --- | --- | --- | --- |", flush=True)
    for name, bench in (("load", bench_load), ("crash", bench_crash)):
        if args.only in (None, name):
            sqlite = f"sqlite:///{folder / f'{name}.db'}"
            bench(sqlite, "SQLite", args.submissions, args.connections, folder)
            if args.pg:
                url, drop = _pg_schema(args.pg)
                try:
                    bench(url, "PostgreSQL", args.submissions, args.connections, folder)
                finally:
                    drop()
    if args.only in (None, "outage"):
        bench_outage(max(args.submissions // 4, 100), folder)
    print(f"\nServer logs: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

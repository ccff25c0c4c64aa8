"""Submissions per second against a bare Starlette endpoint, in the same run, with wrk.

Usage: python bench/submit_speed.py [--seconds 15] [--rounds 2] [--connections 50]
                                    [--pg URL] [--only sqlite|postgresql]

Two set-ups, each measured against its own baseline in the same run:
- SQLite: `feedback serve --workers 1` on a fresh SQLite file, against a bare Starlette app
  (one POST route that reads the body and answers "ok") under uvicorn with one worker, the
  same httptools protocol and uvloop event loop, and TCP_NODELAY;
- PostgreSQL: `feedback serve --workers 2` on a fresh database (default feedback_submit_bench
  on the local server, dropped and made again each run), against the bare app with two workers.

Each set-up also measures a third endpoint, the floor (bench/submit_apps.py): the same group
commit and durability with nothing else, no checks, limits, aggregates, metrics or logs. Its
ratio to the baseline is the most any submission path on this stack can reach here.

Load: Debian's wrk (C, event loop: one thread drives 50 connections with little CPU, so the
load generator is not what limits the rate), with bench/submit_wrk.lua posting the same
JSON body a widget sends (a trust answer, two reasons and a comment to scrub) with a unique
Idempotency-Key on every request. Rounds alternate baseline, floor and application so that load
from anything else on the machine hits both alike. For each run the script prints requests/s,
p50 and p99 latency (wrk's, measured from each request's send), the server workers' CPU
time per request (user + system, from /proc), non-2xx answers, and the server workers'
resident memory (VmRSS, and VmHWM: the peak) just after the run; then the ratio
application / baseline. At the end it counts the stored responses against the 201s
wrk saw: every acknowledged submission must be in the database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import submit_apps  # noqa: E402

from feedback.core import schema  # noqa: E402
from feedback.core.db import make_engine, session_scope  # noqa: E402
from feedback.core.models import Response, Service  # noqa: E402
from feedback.surveys import definitions as surveys  # noqa: E402

SURVEY = "bnchtrst23"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/feedback_submit_bench"
# The baseline and the floor: bench/submit_apps.py, served by uvicorn as `feedback serve` is.
UVICORN_RUN = (
    "import sys, uvicorn; uvicorn.run(f'submit_apps:{sys.argv[1]}', port=int(sys.argv[2]), "
    "workers=int(sys.argv[3]), http='submit_apps:NoDelayHttpTools', access_log=False, "
    "log_level='warning')"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def prepare(url: str) -> None:
    """A fresh schema with one live A-11 trust survey that any client may post to often."""
    engine = make_engine(url)
    schema.upgrade(engine)
    with session_scope(engine) as session:
        service = Service(id="bench", name={"en": "Bench", "fr": "Banc d'essai"})
        session.add(service)
        session.flush()
        survey = surveys.create_from_template(
            session,
            template_id="a11_v2",
            service=service,
            status="live",
            channels=["web"],
            survey_id=SURVEY,
        )
        # One load generator is one client: lift its per-minute limit out of the way (the
        # limit is still counted on every request, as in production).
        survey.client_limit_per_minute = 100_000_000
    engine.dispose()


def analyze(url: str) -> None:
    """PostgreSQL: statistics for the warmed-up tables, as autovacuum keeps them in service.

    A fresh database has none until autovacuum's first ANALYZE (within a minute of the first
    thousands of rows); a 15-second run would otherwise measure the planner's first minute.
    """
    if make_url(url).get_backend_name() != "postgresql":
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def fresh_pg(url: str) -> None:
    target = make_url(url)
    if target.database in ("test", "postgres", "feedback_bench"):
        raise SystemExit("the submission benchmark needs a database of its own")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def start_app(url: str, port: int, workers: int, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FEEDBACK_DATABASE_URL": url, "FEEDBACK_SECRET_KEY": "bench",
           "FEEDBACK_ALERT_CHECK_INTERVAL": "0", "FEEDBACK_METRICS_DIR": str(folder / "metrics"),
           "FEEDBACK_BASE_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    command = [sys.executable, "-m", "feedback", "serve", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    log = open(folder / f"app-{port}.log", "wb")  # noqa: SIM115  # kept open while it runs
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
    wait_up(f"http://127.0.0.1:{port}/healthz", proc)
    return proc


def start_other(name: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """bench/submit_apps.py's `bare` or `floor` app under uvicorn."""
    command = [sys.executable, "-c", UVICORN_RUN, name, str(port), str(workers)]
    proc = subprocess.Popen(command, cwd=HERE, env={**os.environ, **env}, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(1)  # let every worker finish starting
                return proc
        time.sleep(0.2)
    raise RuntimeError(f"{name} app did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def worker_pids(proc: subprocess.Popen[bytes], workers: int) -> list[int]:
    """The processes that serve requests: the server itself, or its worker children."""
    if workers == 1:
        return [proc.pid]
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == proc.pid and b"resource_tracker" not in cmd:
            pids.append(int(entry.name))
    return pids


def memory(pids: list[int]) -> str:
    """Each process's VmRSS / VmHWM in MB."""
    parts = []
    for pid in pids:
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        )
        rss, hwm = (int(status[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))
        parts.append(f"{rss:.0f}/{hwm:.0f}")
    return " ".join(parts)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def wrk(port: int, seconds: int, connections: int, tag: str) -> dict[str, Any]:
    """One wrk run; the Lua script's done() prints a JSON summary on its last line."""
    url = f"http://127.0.0.1:{port}/api/v1/surveys/{SURVEY}/responses"
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(HERE / "submit_wrk.lua"), url, "--", tag]  # fmt: skip
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def floor_target(url: str, folder: Path) -> str:
    """Where the floor app stores, its table made: a SQLite file, or the same PostgreSQL base."""
    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        where = str(folder / "floor.db")
    else:
        where = target.set(drivername="postgresql").render_as_string(hide_password=False)
    submit_apps.create_table(where)
    return where


def measure(label: str, url: str, workers: int, args: argparse.Namespace, folder: Path) -> None:
    """Baseline, floor and application alternately, then the stored count against the 201s."""
    prepare(url)
    ports = {name: free_port() for name in ("bare", "floor", "app")}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in ports}
    warm: dict[str, Any] = {"ok": 0}
    try:
        procs["bare"] = start_other("bare", ports["bare"], workers, {})
        floor_env = {"FLOOR_DATABASE": floor_target(url, folder)}
        procs["floor"] = start_other("floor", ports["floor"], workers, floor_env)
        procs["app"] = start_app(url, ports["app"], workers, folder)
        for name, port in ports.items():  # imports, caches, connection pools
            done = wrk(port, 3, 10, f"warm{label}")
            warm = done if name == "app" else warm
        analyze(url)
        for n in range(args.rounds):
            for name, proc in procs.items():
                pids = worker_pids(proc, workers)
                cpu = cpu_seconds(pids)
                r = wrk(ports[name], args.seconds, args.connections, f"{label}{n}{name}")
                r["cpu_ms"] = (cpu_seconds(pids) - cpu) * 1000 / max(1, r["requests"])
                r["memory"] = memory(pids)
                results[name].append(r)
                print(f"  {label:<10} {name:<5} round {n + 1}: {r['rps']:8.0f} req/s  "
                      f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
                      f"CPU {r['cpu_ms']:.2f} ms/req  "
                      f"non-2xx {r['non2xx']}  errors {r['errors']}  "
                      f"RSS/peak MB {r['memory']}", flush=True)  # fmt: skip
    finally:
        for proc in procs.values():
            stop(proc)
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(Response)).scalar_one()
    engine.dispose()
    acknowledged = warm["ok"] + sum(r["ok"] for r in results["app"])
    rps = {name: sum(r["rps"] for r in rs) / len(rs) for name, rs in results.items()}
    worst_p99 = {name: max(r["p99_ms"] for r in rs) for name, rs in results.items()}
    print(f"{label}: application {rps['app']:.0f} req/s, bare Starlette {rps['bare']:.0f} req/s, "
          f"ratio {rps['app'] / rps['bare']:.2f}; application p99 at most "
          f"{worst_p99['app']:.1f} ms; {stored:,} responses stored for {acknowledged:,} "
          f"acknowledged (warm-up included)", flush=True)  # fmt: skip
    print(f"{label}: floor (durable store, nothing else) {rps['floor']:.0f} req/s, ratio "
          f"{rps['floor'] / rps['bare']:.2f}, p99 at most {worst_p99['floor']:.1f} ms; "
          f"application / floor {rps['app'] / rps['floor']:.2f}", flush=True)  # fmt: skip


def sync_cost(folder: Path, commits: int = 400) -> None:
    """Milliseconds per one-row commit in WAL mode with synchronous NORMAL and FULL."""
    import sqlite3

    cost: dict[str, list[float]] = {}
    for mode in ("NORMAL", "FULL", "NORMAL", "FULL"):  # twice each, alternating
        path = folder / f"sync-{mode}.db"
        for old in folder.glob(f"sync-{mode}.db*"):
            old.unlink()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={mode}")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        start = time.perf_counter()
        for _ in range(commits):
            conn.execute("BEGIN")
            conn.execute("INSERT INTO t (v) VALUES (?)", ("x" * 200,))
            conn.execute("COMMIT")
        cost.setdefault(mode, []).append((time.perf_counter() - start) / commits * 1000)
        conn.close()
    parts = [f"synchronous={m} {min(v):.2f}-{max(v):.2f} ms" for m, v in cost.items()]
    print("SQLite one-row commit in WAL mode: " + ", ".join(parts), flush=True)


def main() -> None:
    """Run the SQLite and PostgreSQL comparisons."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--pg", default=PG_DEFAULT)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk (apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="submit-bench-"))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; logs in {folder}")
    if args.only != "postgresql":
        sync_cost(folder)
        measure("sqlite", f"sqlite:///{folder / 'bench.db'}", 1, args, folder)
    if args.only != "sqlite":
        fresh_pg(args.pg)
        measure("postgresql", args.pg, 2, args, folder)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

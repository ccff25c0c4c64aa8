"""Submissions per second against a bare Starlette endpoint, in the same run, with wrk.

Usage: python bench/submit_speed.py [--seconds 15] [--rounds 2] [--connections 50]
                                    [--pg URL] [--only sqlite|postgresql]

Two set-ups, each measured against its own baseline in the same run:
- SQLite: `feedback serve --workers 1` on a fresh SQLite file, against a bare Starlette app
  (one POST route that reads the body and answers "ok") under uvicorn with one worker and
  the same h11 protocol with TCP_NODELAY;
- PostgreSQL: `feedback serve --workers 2` on a fresh database (default feedback_submit_bench
  on the local server, dropped and made again each run), against the bare app with two workers.

Load: Debian's wrk (C, event loop: one thread drives 50 connections with little CPU, so the
load generator is not what limits the rate), with bench/submit_wrk.lua posting the same
JSON body a widget sends (a trust answer, two reasons and a comment to scrub) with a unique
Idempotency-Key on every request. Rounds alternate baseline and application so that load
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

from feedback import schema, surveys  # noqa: E402
from feedback.db import make_engine, session_scope  # noqa: E402
from feedback.models import Response, Service  # noqa: E402

SURVEY = "bnchtrst23"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/feedback_submit_bench"
BARE_APP = """
import socket

from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol
from starlette.responses import PlainTextResponse
from starlette.routing import Route

async def ok(request):
    await request.body()
    return PlainTextResponse("ok", status_code=201)

app = Starlette(routes=[Route("/api/v1/surveys/{survey}/responses", ok, methods=["POST"])])


class NoDelayH11(H11Protocol):
    # The same TCP_NODELAY as `feedback serve` sets, so both sides are served alike.
    def connection_made(self, transport):
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
"""
BARE_RUN = (
    "import sys, uvicorn; uvicorn.run('bare_app:app', port=int(sys.argv[1]), "
    "workers=int(sys.argv[2]), http='bare_app:NoDelayH11', access_log=False, log_level='warning')"
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


def start_bare(port: int, workers: int, folder: Path) -> subprocess.Popen[bytes]:
    (folder / "bare_app.py").write_text(BARE_APP)
    command = [sys.executable, "-c", BARE_RUN, str(port), str(workers)]
    proc = subprocess.Popen(command, cwd=folder, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(1)  # let every worker finish starting
                return proc
        time.sleep(0.2)
    raise RuntimeError("bare app did not start")


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


def measure(label: str, url: str, workers: int, args: argparse.Namespace, folder: Path) -> None:
    """Baseline and application alternately, then the stored count against the 201s."""
    prepare(url)
    app_port, bare_port = free_port(), free_port()
    app = start_app(url, app_port, workers, folder)
    bare = start_bare(bare_port, workers, folder)
    results: dict[str, list[dict[str, Any]]] = {"bare": [], "app": []}
    warm: dict[str, Any] = {"ok": 0}
    try:
        warm = wrk(app_port, 3, 10, f"warm{label}")  # imports, caches, connection pools
        wrk(bare_port, 3, 10, f"warm{label}")
        for n in range(args.rounds):
            for name, port, proc in (("bare", bare_port, bare), ("app", app_port, app)):
                pids = worker_pids(proc, workers)
                cpu = cpu_seconds(pids)
                r = wrk(port, args.seconds, args.connections, f"{label}{n}{name}")
                r["cpu_ms"] = (cpu_seconds(pids) - cpu) * 1000 / max(1, r["requests"])
                r["memory"] = memory(pids)
                results[name].append(r)
                print(f"  {label:<10} {name:<4} round {n + 1}: {r['rps']:8.0f} req/s  "
                      f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
                      f"CPU {r['cpu_ms']:.2f} ms/req  "
                      f"non-2xx {r['non2xx']}  errors {r['errors']}  "
                      f"RSS/peak MB {r['memory']}", flush=True)  # fmt: skip
    finally:
        stop(app)
        stop(bare)
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(Response)).scalar_one()
    engine.dispose()
    acknowledged = warm["ok"] + sum(r["ok"] for r in results["app"])
    bare_rps = sum(r["rps"] for r in results["bare"]) / len(results["bare"])
    app_rps = sum(r["rps"] for r in results["app"]) / len(results["app"])
    worst_p99 = max(r["p99_ms"] for r in results["app"])
    print(f"{label}: application {app_rps:.0f} req/s, bare Starlette {bare_rps:.0f} req/s, "
          f"ratio {app_rps / bare_rps:.2f}; application p99 at most {worst_p99:.1f} ms; "
          f"{stored:,} responses stored for {acknowledged:,} acknowledged (warm-up included)",
          flush=True)  # fmt: skip


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

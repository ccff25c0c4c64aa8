"""Peak memory of the HTTP export of 100,000 and 1,000,000 responses, per format.

Usage: python bench/export_memory.py [--sizes 100000 1000000] [--formats csv xlsx json]
                                     [--dir DIR]
For each size it builds (once, kept in DIR) an SQLite database whose only survey is the
demo counter survey (eight questions, comments included) with that many responses, using
the demo seeder. For each format it starts a real server (uvicorn, one process), signs in,
downloads GET /dashboard/exports/responses to nowhere while counting bytes, and reads the
server process's resident memory before the download (VmRSS) and its peak during it (VmHWM,
reset just before the download). Linux only.
Flat memory means the peak does not grow with the number of rows.
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

PASSWORD = "benchmark password"
COUNTER = "rnwcntr347"


def build(n: int, path: Path) -> None:
    """A database holding n responses to the demo counter survey only."""
    import seed.demo as demo
    from feedback.core import schema
    from feedback.core.db import make_engine, session_scope
    from feedback.staff import auth

    demo.SURVEYS = tuple(s for s in demo.SURVEYS if s.id == COUNTER)
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    with session_scope(engine) as session:
        demo.ensure_demo(session, base_origin="http://127.0.0.1")
        demo.seed_responses(session, months=12, responses=n)
        auth.create_user(session, username="bench", password=PASSWORD, role="admin")
    engine.dispose()


def serve(path: Path, port: int) -> None:
    """Serve the database on a port, in this process."""
    import uvicorn

    from feedback.app import create_app
    from feedback.core.settings import Settings

    settings = Settings(database_url=f"sqlite:///{path}", secret_key="bench",
                        alert_check_interval=0)  # fmt: skip
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                access_log=False)  # fmt: skip


def _memory(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    return {k: int(re.search(rf"{k}:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]
            for k in ("VmRSS", "VmHWM")}  # fmt: skip


def measure(path: Path, fmt: str) -> dict[str, float]:
    """Download one export from a fresh server; returns bytes, seconds and memory."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(path), str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            for _ in range(200):
                try:
                    page = client.get("/login")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token
            client.post("/login", data={"username": "bench", "password": PASSWORD,
                                        "csrf_token": token.group(1)})  # fmt: skip
            client.get("/dashboard/exports")  # warm: templates, queries, imports
            # Signing in hashes with argon2 (64 MiB): reset the peak so it counts the export only.
            Path(f"/proc/{server.pid}/clear_refs").write_text("5")
            before = _memory(server.pid)
            start = time.perf_counter()
            first = None
            size = 0
            url = f"/dashboard/exports/responses?survey={COUNTER}&format={fmt}"
            # Accept-Encoding identity: the bytes counted are the file's own.
            with client.stream("GET", url, headers={"Accept-Encoding": "identity"}) as r:
                assert r.status_code == 200, r.status_code
                for chunk in r.iter_raw():
                    first = first or time.perf_counter() - start
                    size += len(chunk)
            seconds = time.perf_counter() - start
            after = _memory(server.pid)
    finally:
        server.terminate()
        server.wait()
    return {"bytes": size, "seconds": seconds, "first": first or seconds,
            "rss_before": before["VmRSS"], "peak": after["VmHWM"]}  # fmt: skip


def main() -> None:
    """Build the databases, then measure each format at each size."""
    if sys.argv[1:2] == ["--build"]:
        build(int(sys.argv[2]), Path(sys.argv[3]))
        return
    if sys.argv[1:2] == ["--serve"]:
        serve(Path(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx", "json"])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/export-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"{'rows':>10} {'format':>6} {'MB out':>7} {'seconds':>8} {'first byte s':>12} "
          f"{'RSS before MB':>13} {'peak RSS MB':>11}")  # fmt: skip
    for n in args.sizes:
        path = args.dir / f"counter-{n}.db"
        if not path.exists():
            subprocess.run([sys.executable, __file__, "--build", str(n), str(path)], check=True)
        for fmt in args.formats:
            m = measure(path, fmt)
            print(f"{n:>10,} {fmt:>6} {m['bytes'] / 2**20:>7.1f} {m['seconds']:>8.1f} "
                  f"{m['first']:>12.2f} {m['rss_before']:>13.0f} {m['peak']:>11.0f}",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()

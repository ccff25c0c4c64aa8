"""How long `feedback seed --responses N` takes on a fresh SQLite file.

Usage: python bench/seed_speed.py [N ...] [--dir DIR] [--keep]
Runs the real command line in a child process per N (default 10000 and 1000000) and prints
the wall time, the rate, the peak memory of the child and the size of the database. With
--keep the databases stay in DIR (bench/dashboard_render.py reuses them).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def seed(n: int, folder: Path) -> dict[str, float]:
    """Seed a fresh database with n responses; returns what it cost."""
    path = folder / f"seed-{n}.db"
    for old in folder.glob(f"seed-{n}.db*"):
        old.unlink()
    command = [sys.executable, "-m", "feedback", "seed", "--responses", str(n),
               "--database-url", f"sqlite:///{path}"]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    return {"seconds": seconds, "peak_mb": peak_kb / 1024, "size_mb": path.stat().st_size / 2**20}


def main() -> None:
    """Seed each size and print one line per run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 1_000_000])
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="seed-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'responses':>10} {'seconds':>8} {'per second':>11} {'peak RSS MB':>12} {'db MB':>7}")
    for n in args.sizes:
        r = seed(n, folder)
        print(f"{n:>10,} {r['seconds']:>8.1f} {n / r['seconds']:>11,.0f} "
              f"{r['peak_mb']:>12.0f} {r['size_mb']:>7.0f}", flush=True)  # fmt: skip
        if not args.keep:
            for f in folder.glob(f"seed-{n}.db*"):
                f.unlink()
    if args.keep:
        print(f"databases kept in {folder}")


if __name__ == "__main__":
    main()

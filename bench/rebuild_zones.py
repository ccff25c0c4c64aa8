"""How long rebuilding the daily aggregates takes in UTC and in a zone with daylight saving.

Usage: python bench/rebuild_zones.py DATABASE_URL [--runs N] [--zone America/Toronto]
Seed the database first (`feedback seed --responses 1000000 --database-url URL`). Every service
is set to UTC, the aggregates rebuilt (best of N), then set to the zone and rebuilt again; the
ratio of the two is what the local-day expression costs (both run on the same machine, in
the same minute). The services are left in the zone.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import func, select, update

from feedback.core.db import make_engine, session_scope
from feedback.core.models import Response, Service
from feedback.insight import rollups


def rebuild_seconds(url: str, zone: str, runs: int) -> float:
    """Best wall time of `runs` full rebuilds with every service in `zone`."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        session.execute(update(Service).values(time_zone=zone))
    best = float("inf")
    for _ in range(runs):
        with session_scope(engine) as session:
            start = time.perf_counter()
            rollups.rebuild(session)
            best = min(best, time.perf_counter() - start)
    engine.dispose()
    return best


def main() -> None:
    """Print the rebuild time in UTC, in the zone, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--zone", default="America/Toronto")
    args = parser.parse_args()
    engine = make_engine(args.url)
    with session_scope(engine) as session:
        n = session.execute(select(func.count()).select_from(Response)).scalar_one()
    engine.dispose()
    utc = rebuild_seconds(args.url, "UTC", args.runs)
    local = rebuild_seconds(args.url, args.zone, args.runs)
    print(f"{n:,} responses: rebuild UTC {utc:.1f} s, {args.zone} {local:.1f} s, "
          f"ratio {local / utc:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()

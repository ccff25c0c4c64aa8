"""Server-side render time of the survey detail page at two data sizes (SQLite).

Usage: python bench/dashboard_render.py SMALL.db LARGE.db [--runs 20] [--survey ID]
Both databases come from `feedback seed --responses N` with the same seed (see
bench/seed_speed.py --keep). For each, the page is rendered through the real application
(Starlette's TestClient, signed in as an admin) a few times to warm up, then --runs times;
the two databases alternate run by run, and the script prints each median and the ratio
large / small. It does the same for the overview, for context.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import Response, StaffUser
from feedback.core.settings import Settings
from feedback.staff import auth

PASSWORD = "benchmark password"
COUNTER = "rnwcntr347"  # the demo's counter survey: eight channels, eight questions


def client_for(path: Path) -> tuple[TestClient, int]:
    """A signed-in client on the database, and how many responses it holds."""
    app = create_app(Settings(database_url=f"sqlite:///{path}", secret_key="bench",
                              alert_check_interval=0))  # fmt: skip
    with session_scope(app.state.engine) as session:
        if not session.exec(select(StaffUser).where(StaffUser.username == "bench")).first():
            auth.create_user(session, username="bench", password=PASSWORD, role="admin")
        count = session.execute(select(func.count()).select_from(Response)).scalar_one()
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    signed_in = client.post("/login", data={"username": "bench", "password": PASSWORD,
                                            "csrf_token": token.group(1)},
                            follow_redirects=False)  # fmt: skip
    # A wrong password would otherwise time the login page instead of the dashboard.
    assert signed_in.status_code == 303, "could not sign in as bench"
    return client, count


def render(client: TestClient, url: str) -> float:
    """Seconds for one full render of `url`."""
    start = time.perf_counter()
    response = client.get(url, follow_redirects=False)
    seconds = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    return seconds


def main() -> None:
    """Render each page on both databases and print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("small", type=Path)
    parser.add_argument("large", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--survey", default=COUNTER)
    args = parser.parse_args()
    pages = {"survey detail": f"/dashboard/surveys/{args.survey}", "overview": "/dashboard"}
    clients = {}
    for label, path in (("small", args.small), ("large", args.large)):
        clients[label], count = client_for(path)
        print(f"{label}: {path} holds {count:,} responses")
    for name, url in pages.items():
        times: dict[str, list[float]] = {"small": [], "large": []}
        for client in clients.values():
            for _ in range(args.warmup):
                render(client, url)
        # Alternate the two databases so that load from anything else hits both alike.
        for _ in range(args.runs):
            for label, client in clients.items():
                times[label].append(render(client, url))
        for label, t in times.items():
            median, low, high = statistics.median(t) * 1000, min(t) * 1000, max(t) * 1000
            print(f"  {name:<14} {label:<6} median {median:7.1f} ms "
                  f"(min {low:.1f}, max {high:.1f}, {args.runs} runs)")  # fmt: skip
        small, large = statistics.median(times["small"]), statistics.median(times["large"])
        print(f"{name}: {small * 1000:.1f} ms -> {large * 1000:.1f} ms, "
              f"ratio {large / small:.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()

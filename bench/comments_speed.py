"""Render time of the comments inbox, a survey's comments page and theme trends at two
data sizes (SQLite), with search and filters: the median of each, and the ratio.

Usage: python bench/comments_speed.py SMALL LARGE [--runs 15]
SMALL and LARGE are SQLite files or database URLs (PostgreSQL: postgresql+psycopg://...).
The SQLite ones come from `feedback seed --responses N` (10,000 and 1,000,000 here), the
PostgreSQL ones from `python bench/pg_scale.py seed --url URL --responses N`. Each
page is rendered through the real application (Starlette's TestClient, signed in as an
admin), warmed up, then --runs times, alternating the two databases run by run.
Results go in docs/benchmarks.md ("Comments").
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from pathlib import Path

from sqlalchemy import func, select
from starlette.testclient import TestClient

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import Comment, Response, StaffUser, Theme
from feedback.core.settings import Settings
from feedback.staff import auth

PASSWORD = "benchmark password"
COUNTER = "rnwcntr347"  # the demo's counter survey


def client_for(where: str) -> tuple[TestClient, int, int, int, str]:
    """A signed-in client; responses, comments, a theme id and the next-page link."""
    url = where if "://" in where else f"sqlite:///{Path(where)}"
    settings = Settings(database_url=url, secret_key="bench", alert_check_interval=0)
    app = create_app(settings)
    with session_scope(app.state.engine) as session:
        if not session.scalars(select(StaffUser).where(StaffUser.username == "bench")).first():
            auth.create_user(session, username="bench", password=PASSWORD, role="admin")
        responses = session.execute(select(func.count()).select_from(Response)).scalar_one()
        comments = session.execute(select(func.count()).select_from(Comment)).scalar_one()
        theme = session.scalars(select(Theme.id).where(Theme.key == "waiting_time")).one()
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    signed_in = client.post("/login", data={"username": "bench", "password": PASSWORD,
                                            "csrf_token": token.group(1)},
                            follow_redirects=False)  # fmt: skip
    assert signed_in.status_code == 303, "could not sign in as bench"
    page = client.get("/dashboard/comments").text
    after = re.search(r'href="([^"]*after=[^"]*)" rel="next"', page)
    return (
        client,
        responses,
        comments,
        theme,
        (after.group(1).replace("&amp;", "&") if after else ""),
    )


def render(client: TestClient, url: str) -> float:
    """Seconds for one full render of `url`."""
    start = time.perf_counter()
    response = client.get(url, follow_redirects=False)
    seconds = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return seconds


def main() -> None:
    """Render each page on both databases; print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("small")
    parser.add_argument("large")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    clients = {}
    for label, path in (("small", args.small), ("large", args.large)):
        clients[label] = client_for(path)
        _, responses, comments, _theme, _next = clients[label]
        print(f"{label}: {path} holds {responses:,} responses, {comments:,} comments")
    theme = clients["small"][3]
    assert theme == clients["large"][3]
    survey = f"/dashboard/surveys/{COUNTER}/comments"
    pages = {
        "inbox, newest": "/dashboard/comments",
        "inbox, page 2 (cursor)": None,
        "inbox, search 'wait'": "/dashboard/comments?q=wait",
        "inbox, search 'attente'": "/dashboard/comments?q=attente",
        "inbox, search 'agent helpful'": "/dashboard/comments?q=agent+helpful",
        "inbox, theme + last 90 days": f"/dashboard/comments?theme={theme}&dates=last90",
        "inbox, survey + French + low score": (
            f"/dashboard/comments?survey={COUNTER}&language=fr&score=low"
        ),
        "inbox, search a rare word": "/dashboard/comments?q=kiosk+screen",
        "survey comments page (90 days)": survey,
        "survey comments page, a year by month": f"{survey}?since=2025-12-08&until=2026-12-07",
        "theme trends, all services": "/dashboard/comments/trends",
        "theme trends, one survey, a year": (
            f"/dashboard/comments/trends?survey={COUNTER}&since=2025-12-08&until=2026-12-07"
        ),
    }
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs before the renders")
    print(f"{'page':40} {'small ms':>9} {'large ms':>9} {'ratio':>6}")
    for name, url in pages.items():
        times: dict[str, list[float]] = {"small": [], "large": []}
        urls = {k: (url or c[4]) for k, c in clients.items()}
        for label, c in clients.items():
            for _ in range(args.warmup):
                render(c[0], urls[label])
        for _ in range(args.runs):
            for label, c in clients.items():
                times[label].append(render(c[0], urls[label]))
        small, large = (statistics.median(times[k]) * 1000 for k in ("small", "large"))
        print(f"{name:40} {small:9.1f} {large:9.1f} {large / small:6.2f}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs after")


if __name__ == "__main__":
    main()

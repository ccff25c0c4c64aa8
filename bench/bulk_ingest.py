"""Bulk ingest speed: 10,000 items in 10 requests of 1,000, then the same items twice more.

Usage: python bench/bulk_ingest.py [--items 10000] [--pg URL]

Runs the app in-process (Starlette's TestClient, so HTTP parsing and JSON are included but
no network) on a fresh SQLite file and, with --pg, on a fresh schema of that PostgreSQL
database (dropped afterwards). Prints, for each database, the seconds and items per second
of the first pass (every item stored) and of each replay (nothing stored), and checks that
the database holds exactly one response per item.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from starlette.testclient import TestClient

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import Response, Service
from feedback.core.settings import Settings
from feedback.integrations import tokens
from feedback.staff import auth
from feedback.surveys import definitions as surveys


def make_items(survey: str, count: int) -> list[dict[str, Any]]:
    rng = random.Random(1)
    now = datetime.now(UTC)
    return [
        {
            "survey": survey,
            "idempotency_key": f"call-{i:06d}",
            "channel": rng.choice(["phone", "ivr", "in_person", "mail"]),
            "language": rng.choice(["en", "fr"]),
            "submitted_at": (now - timedelta(days=rng.randint(0, 90))).isoformat(),
            "answers": {
                "satisfaction": rng.randint(1, 5),
                "timeliness": rng.randint(1, 5),
                "courtesy": rng.randint(1, 5),
                **({"comment": "Long wait, helpful agent."} if rng.random() < 0.1 else {}),
            },
        }
        for i in range(count)
    ]


def run(url: str, count: int) -> None:
    app = create_app(Settings(database_url=url, secret_key="bench", alert_check_interval=0))
    with session_scope(app.state.engine) as session:
        service = Service(id="bench", name={"en": "Bench", "fr": "Banc"})
        session.add(service)
        session.flush()
        survey = surveys.create_from_template(
            session, template_id="service_counter", service=service, status="live"
        ).id
        auth.create_user(session, username="admin", password="x" * 12, role="admin")
        secret = tokens.create(session, name="bench", scopes=["ingest"], by="bench").secret
    items = make_items(survey, count)
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(app) as client:
        for label in ("first pass", "replay 1", "replay 2"):
            started = time.perf_counter()
            for start in range(0, count, 1000):
                answer = client.post(
                    "/api/v1/responses",
                    json={"items": items[start : start + 1000]},
                    headers=headers,
                )
                assert answer.status_code == 200, answer.text
            took = time.perf_counter() - started
            print(f"  {label}: {took:.1f} s, {count / took:,.0f} items/s")
    with session_scope(app.state.engine) as session:
        stored = session.execute(select(func.count()).select_from(Response)).scalar_one()
    print(f"  responses stored: {stored:,} (items: {count:,})")
    assert stored == count
    app.state.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--pg", help="PostgreSQL URL; a fresh schema is made and dropped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        run(f"sqlite:///{Path(folder) / 'bench.db'}", args.items)
    if args.pg:
        schema = f"bench_{secrets.token_hex(4)}"
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            sep = "&" if "?" in args.pg else "?"
            print("PostgreSQL")
            run(f"{args.pg}{sep}options=-csearch_path%3D{schema}", args.items)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

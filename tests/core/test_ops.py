"""Operations endpoints, and what people see when the database is away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from feedback.core.db import make_engine


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


def test_database_away_gives_503_with_retry_after_never_500(app: Any, tmp_path: Path) -> None:
    broken = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    working, app.state.engine = app.state.engine, broken
    try:
        with TestClient(app, raise_server_exceptions=False) as c:
            ready = c.get("/readyz")
            assert ready.status_code == 503 and ready.headers["retry-after"] == "5"
            page = c.get(f"/s/{app.state.ids['page']}?lang=fr")
            assert page.status_code == 503 and "Le service est occupé" in page.text
            api = c.post(
                f"/api/v1/surveys/{app.state.ids['page']}/responses",
                json={"channel": "web", "language": "en", "answers": {"found": True}},
            )
            assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable"
            assert api.headers["retry-after"] == "5"
    finally:
        app.state.engine = working
        broken.dispose()

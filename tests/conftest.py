"""Shared fixtures: a real database (SQLite file, and PostgreSQL when configured), the app,
a logged-in client, a live server in a thread, the system Chromium, and save_shot (the one
rule for screenshots: taken only when FEEDBACK_SCREENSHOTS is set)."""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import Service, Survey
from feedback.core.settings import Settings
from feedback.staff import auth
from feedback.surveys import definitions as surveys

from servers import free_port as _free_port  # the name the test files import from here

PG_URL = os.environ.get("FEEDBACK_TEST_DATABASE_URL")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
ADMIN_PASSWORD = "correct horse battery"


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: an SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'feedback.db'}"
        return
    if not PG_URL:
        pytest.skip(
            "PostgreSQL half: set FEEDBACK_TEST_DATABASE_URL (such as "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test; .ci/run sets it)"
        )
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(PG_URL, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An SQLite file for tests that only need the embedded database."""
    return f"sqlite:///{tmp_path / 'feedback.db'}"


def make_settings(url: str, **extra: Any) -> Settings:
    """Test settings: a fixed secret, demo mode on."""
    return Settings(database_url=url, secret_key="test-secret-key", demo=True, **extra)


@pytest.fixture
def app(database_url: str) -> Any:
    """The application on a fresh database, with demo content but no responses."""
    application = create_app(make_settings(database_url))
    seed_minimal(application)
    yield application
    application.state.engine.dispose()


def seed_minimal(application: Any, origins: list[str] | None = None) -> dict[str, str]:
    """One service, a page-feedback survey, an A-11 v2 survey, a counter survey, users."""
    with session_scope(application.state.engine) as session:
        service = Service(
            id="licences", name={"en": "Licence renewals", "fr": "Renouvellement de permis"}
        )
        other = Service(id="parks", name={"en": "Park passes", "fr": "Laissez-passer de parcs"})
        session.add_all([service, other])
        session.flush()
        ids = {
            "page": surveys.create_from_template(
                session,
                template_id="gc_page_feedback",
                service=service,
                status="live",
                channels=["web"],
                allowed_origins=origins or ["https://host.example"],
                survey_id="pagefbk234",
            ).id,
            "v2": surveys.create_from_template(
                session,
                template_id="a11_v2",
                service=service,
                status="live",
                survey_id="a11v2xx234",
            ).id,
            "counter": surveys.create_from_template(
                session,
                template_id="service_counter",
                service=other,
                status="live",
                survey_id="cntrxx2345",
            ).id,
            "draft": surveys.create_from_template(
                session, template_id="nps", service=service, status="draft", survey_id="drftxx2345"
            ).id,
            "closed": surveys.create_from_template(
                session, template_id="ces", service=service, status="closed", survey_id="clsdxx2345"
            ).id,
        }
        auth.create_user(session, username="admin", password=ADMIN_PASSWORD, role="admin")
        auth.create_user(
            session,
            username="manager",
            password=ADMIN_PASSWORD,
            role="manager",
            service_ids=["licences"],
        )
        auth.create_user(
            session,
            username="agent",
            password=ADMIN_PASSWORD,
            role="agent",
            service_ids=["licences"],
        )
    application.state.ids = ids
    return ids


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """An anonymous HTTP client."""
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def login(c: TestClient, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    """Sign in through the real login form, CSRF token included."""
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "login form has no CSRF token"
    response = c.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def staff(client: TestClient) -> TestClient:
    """A client signed in as admin."""
    login(client)
    return client


def survey_of(app: Any, key: str) -> Survey:
    """A survey created by seed_minimal."""
    with session_scope(app.state.engine) as session:
        found = session.get(Survey, app.state.ids[key])
        assert found is not None
        return found


# ---- live server and browser ----


class LiveServer:
    """Uvicorn serving an app in a background thread on a free port."""

    def __init__(self, application: Any, port: int) -> None:
        import uvicorn

        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(application, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


@pytest.fixture
def live_app(sqlite_url: str) -> Iterator[tuple[Any, LiveServer]]:
    """The app on an SQLite file, served over real HTTP; its own origin may embed the survey."""
    port = _free_port()
    settings = make_settings(sqlite_url, base_url=f"http://127.0.0.1:{port}")
    application = create_app(settings)
    seed_minimal(application, origins=[f"http://127.0.0.1:{port}"])
    with LiveServer(application, port) as server:
        yield application, server
    application.state.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The system Chromium through Playwright; skipped where either is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (Debian package chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.x A/AA rules) on the page, shadow roots included."""
    import axe_playwright_python

    source = Path(axe_playwright_python.__file__).parent / "axe.min.js"
    # Evaluated rather than added as a <script>, so the page's strict CSP does not block it.
    page.evaluate(source.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


# ---- screenshots ----

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def shots_folder() -> Path | None:
    """Where screenshots go: docs/screenshots/ when FEEDBACK_SCREENSHOTS=1, the folder it names
    otherwise, None when it is unset (or 0), so that a test run leaves the checkout clean."""
    value = os.environ.get("FEEDBACK_SCREENSHOTS", "").strip()
    if value in ("", "0"):
        return None
    folder = DOCS_SCREENSHOTS if value == "1" else Path(value)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_shot(target: Any, name: str, **options: Any) -> Path | None:
    """Screenshot a Playwright page or locator as `name` into shots_folder(), or take none.

    Options go to Playwright's screenshot() (such as full_page=True)."""
    folder = shots_folder()
    if folder is None:
        return None
    path = folder / name
    target.screenshot(path=str(path), **options)
    return path

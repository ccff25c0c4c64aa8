"""The `feedback` command line, on a real database."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.app import create_app
from feedback.cli import main
from feedback.core import schema
from feedback.core.db import make_engine, session_scope
from feedback.core.models import StaffUser
from feedback.core.settings import Settings

from conftest import seed_minimal


@pytest.fixture
def seeded(database_url: str) -> Any:
    """A database with the minimal surveys and three responses to the page survey."""
    app = create_app(Settings(database_url=database_url, secret_key="x"))
    ids = seed_minimal(app)
    with TestClient(app) as c:
        for found, comment in [(True, "=SUM(A1)"), (False, "Trop long"), (True, None)]:
            answers: dict[str, Any] = {"found": found}
            if comment:
                answers["comment"] = comment
            body = {"channel": "web", "language": "fr", "answers": answers}
            assert c.post(f"/api/v1/surveys/{ids['page']}/responses", json=body).status_code == 201
    app.state.engine.dispose()
    return database_url, ids


def test_db_upgrade_creates_the_schema_from_nothing(sqlite_url: str, capsys: Any) -> None:
    assert main(["db", "upgrade", "--database-url", sqlite_url]) == 0
    engine = make_engine(sqlite_url)
    assert {"survey", "question", "response", "answer", "staff_user"} <= set(
        inspect(engine).get_table_names()
    )
    assert schema.is_current(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert main(["db", "upgrade", "--database-url", sqlite_url]) == 0  # twice is harmless
    assert "up to date" in capsys.readouterr().out


def test_users_add_reads_the_password_from_stdin(sqlite_url: str, monkeypatch: Any) -> None:
    main(["db", "upgrade", "--database-url", sqlite_url])
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough secret\n"))
    assert (
        main(
            [
                "users",
                "add",
                "maria",
                "--role",
                "manager",
                "--service",
                "licences",
                "--database-url",
                sqlite_url,
            ]
        )
        == 0
    )
    with session_scope(make_engine(sqlite_url)) as session:
        user = session.exec(select(StaffUser)).one()
        assert (user.username, user.role, user.service_ids) == ("maria", "manager", ["licences"])
        assert "a long enough secret" not in user.password_hash
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["users", "add", "bob", "--role", "viewer", "--database-url", sqlite_url]) == 2


def test_surveys_list_json_and_allow_origin(seeded: Any, capsys: Any) -> None:
    url, ids = seeded
    assert main(["surveys", "list", "--json", "--database-url", url]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"]: r["status"] for r in rows}[ids["page"]] == "live"
    assert all({"id", "title", "status"} <= set(r) for r in rows)
    assert (
        main(
            [
                "surveys",
                "allow-origin",
                ids["page"],
                "https://WWW.Example.ca/",  # stored as browsers send it: lower case
                "--database-url",
                url,
            ]
        )
        == 0
    )
    assert main(["surveys", "allow-origin", ids["page"], "not a url", "--database-url", url]) == 2
    two = "https://a.ca https://b.ca"
    assert main(["surveys", "allow-origin", ids["page"], two, "--database-url", url]) == 2
    assert (
        main(["surveys", "allow-origin", ids["page"], "https://a.ca/x", "--database-url", url]) == 2
    )
    assert main(["surveys", "allow-origin", "nosuch", "https://a.ca", "--database-url", url]) == 2
    app = create_app(Settings(database_url=url, secret_key="x"))
    with TestClient(app) as c:
        r = c.get(f"/api/v1/surveys/{ids['page']}", headers={"Origin": "https://www.example.ca"})
        assert r.headers["access-control-allow-origin"] == "https://www.example.ca"
    app.state.engine.dispose()


def test_export_csv_and_json(seeded: Any, tmp_path: Path, capsys: Any) -> None:
    url, ids = seeded
    out = tmp_path / "out.csv"
    assert (
        main(["export", ids["page"], "--format", "csv", "-o", str(out), "--database-url", url]) == 0
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["found"] for r in rows] == ["yes", "no", "yes"]
    assert rows[0]["comment"] == "'=SUM(A1)"  # formula injection defused
    assert rows[1]["language"] == "fr"
    assert main(["export", ids["page"], "--format", "json", "--database-url", url]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [i["answers"]["found"] for i in items] == [True, False, True]
    assert all({"id", "submitted_at", "answers"} <= set(i) for i in items)
    assert main(["export", "nosuch", "--database-url", url]) == 2


def test_python_dash_m_runs_the_same_cli(sqlite_url: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "feedback", "db", "upgrade", "--database-url", sqlite_url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout

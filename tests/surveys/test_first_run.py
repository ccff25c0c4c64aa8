"""First run: an empty install leads its people from one step to the next (a service, a survey,
going live, the first answer), `feedback serve` says how to add the first admin, and a database
that cannot be used ends a command with one clear line, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from feedback.answers import intake, storing
from feedback.app import create_app
from feedback.cli import main
from feedback.cli import server as server_cli
from feedback.core.db import session_scope
from feedback.core.models import Response, Service
from feedback.core.settings import Settings
from feedback.staff import auth
from feedback.surveys import definitions as surveys

from conftest import ADMIN_PASSWORD, login, make_settings

PAGES = [
    "/dashboard",
    "/admin/surveys",
    "/dashboard/channels",
    "/dashboard/comments",
    "/dashboard/exports",
    "/dashboard/alerts",
]


@pytest.fixture
def empty(database_url: str) -> Any:
    """The app on an empty database with one admin and one manager, and nothing else."""
    app = create_app(Settings(database_url=database_url, secret_key="first-run-secret"))
    with session_scope(app.state.engine) as session:
        auth.create_user(session, username="admin", password=ADMIN_PASSWORD, role="admin")
        auth.create_user(
            session, username="manager", password=ADMIN_PASSWORD, role="manager",
            service_ids=["svc"],
        )  # fmt: skip
    yield app
    app.state.engine.dispose()


def step_of(html: str) -> tuple[str, str | None] | None:
    """The next step's heading and link, or None when the page shows none."""
    box = re.search(r'<div class="empty-state" id="next-step">(.*?)</div>', html, re.S)
    if box is None:
        return None
    heading = re.search(r"<h2>(.*?)</h2>", box.group(1))
    link = re.search(r'<a class="button" href="([^"?]+)', box.group(1))
    assert heading
    return heading.group(1), link.group(1) if link else None


def test_each_empty_page_says_what_to_do_next(empty: Any) -> None:
    with TestClient(empty) as admin, TestClient(empty) as manager:
        login(admin)
        login(manager, "manager")
        for path in [*PAGES, "/assist", "/admin/surveys/new"]:
            got = admin.get(path)
            assert got.status_code == 200, path
            assert step_of(got.text) == ("Add your first service", "/admin/services/new"), path
        french = admin.get("/dashboard?lang=fr").text
        assert step_of(french) == ("Ajoutez votre premier service", "/admin/services/new")
        assert "An administrator must add a service first." in manager.get("/dashboard").text

        with session_scope(empty.state.engine) as session:
            service = Service(id="svc", name={"en": "Svc", "fr": "Svc"})
            session.add(service)
        for path in PAGES:
            assert step_of(admin.get(path).text) == (
                "Create your first survey", "/admin/surveys/new",
            ), path  # fmt: skip
        assert step_of(admin.get("/admin/surveys/new").text) is None  # already there

        with session_scope(empty.state.engine) as session:
            draft = surveys.create_from_template(
                session, template_id="gc_page_feedback", service=session.get(Service, "svc"),
                survey_id="draft23456",
            )  # fmt: skip
        for path in PAGES:
            assert step_of(admin.get(path).text) == (
                "Put your survey live", "/admin/surveys/draft23456",
            ), path  # fmt: skip

        with session_scope(empty.state.engine) as session:
            live = session.get(type(draft), "draft23456")
            assert live is not None
            live.status = "live"
        share = ("No answers yet", "/admin/surveys/draft23456/share")
        for path in [*PAGES, "/dashboard/surveys/draft23456"]:
            assert step_of(admin.get(path).text) == share, path
            assert step_of(manager.get(path).text) == share, path
        assert step_of(admin.get("/assist").text) is None  # an agent can enter answers now

        # A test answer from a preview does not end the step; a real one does.
        answer(empty, test=True)
        assert step_of(admin.get("/dashboard").text) == share
        answer(empty, test=False)
        for path in [*PAGES, "/dashboard/surveys/draft23456"]:
            assert step_of(admin.get(path).text) is None, path


def answer(app: Any, *, test: bool) -> None:
    with session_scope(app.state.engine) as session:
        survey = surveys.get_survey(session, "draft23456")
        assert survey is not None
        stored = storing.submit(
            session,
            survey=survey,
            questions=surveys.questions_of(session, survey.id),
            submission=intake.Submission(channel="web", language="en", answers={"found": True}),
            lang="en",
        )
        row = session.get(Response, stored.id)
        assert row is not None
        row.test = test


def test_serve_prints_how_to_add_the_first_admin(
    tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    served: list[str] = []
    monkeypatch.setattr(server_cli, "serve", lambda *a, **k: served.append("yes") or 0)
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert main(["serve", "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert "No administrator yet" in out
    assert f"feedback users add NAME --role admin --database-url '{url}'" in out
    assert served == ["yes"]
    with session_scope(create_app(make_settings(url)).state.engine) as session:
        auth.create_user(session, username="first", password=ADMIN_PASSWORD, role="admin")
    assert main(["serve", "--database-url", url]) == 0
    assert "No administrator yet" not in capsys.readouterr().out


def run_cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK_")}
    return subprocess.run(
        [sys.executable, "-m", "feedback", *argv],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=5",
        "sqlite:////nonexistent-folder/sub/feedback.db",
    ],
)
@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["db", "upgrade"]])
def test_a_database_out_of_reach_gives_one_line(
    url: str, command: list[str], tmp_path: Path
) -> None:
    done = run_cli(*command, "--database-url", url, cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: cannot use the database ")
    assert "Traceback" not in done.stderr + done.stdout


def test_a_bad_setting_gives_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK_")}
    env["FEEDBACK_TIME_ZONE"] = "Toronto"
    done = subprocess.run(
        [sys.executable, "-m", "feedback", "services", "list"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: FEEDBACK_TIME_ZONE: Value error, 'Toronto' is not an IANA time zone "
        "(such as America/Toronto)"
    ]

"""Answers sent from the share page's live preview are test answers: a signed preview token that
only the signed-in share page hands out marks them. They change no dashboard figure and no
export row, are included in an export only when asked for, and are deleted in one action."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from starlette.testclient import TestClient

from feedback.answers import test_answers
from feedback.cli import main
from feedback.core.db import session_scope
from feedback.core.models import AuditEntry, Response

from conftest import login

WINDOW = "since=2020-01-01&until=2035-12-31"


def hidden(text: str) -> dict[str, str]:
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', text))


def preview_url(client: TestClient, survey: str) -> str:
    """The live preview's address, as the share page gives it to signed-in staff."""
    page = client.get(f"/admin/surveys/{survey}/share?lang=en").text
    found = re.search(r'<iframe src="([^"]+)"', page)
    assert found
    return unescape(found.group(1))


def figures(client: TestClient, survey: str) -> tuple[Any, str]:
    """The survey dashboard's JSON and the CSV export, both over a wide window."""
    board = client.get(f"/dashboard/surveys/{survey}?format=json&{WINDOW}")
    assert board.status_code == 200
    export = client.get(f"/dashboard/exports/responses?survey={survey}&format=csv")
    return board.json(), export.text


def stored(app: Any) -> list[Response]:
    with session_scope(app.state.engine) as session:
        return list(session.scalars(select(Response).order_by(Response.id)))


def answer(client: TestClient, url: str, found: str) -> Any:
    form = hidden(client.get(url).text)
    path = urlsplit(url).path
    return client.post(path + "?embed=1", data={**form, "q_found": found})


def test_a_preview_answer_changes_no_dashboard_figure_and_no_export_row(
    client: TestClient, app: Any
) -> None:
    survey = app.state.ids["page"]
    login(client)
    real = answer(client, f"/s/{survey}?lang=en", "true")
    assert real.status_code == 200
    board_before, export_before = figures(client, survey)
    url = preview_url(client, survey)
    assert test_answers.PARAM in parse_qs(urlsplit(url).query)
    page = client.get(url)
    assert "Answers sent here are test answers" in page.text
    sent = answer(client, url, "false")
    assert sent.status_code == 200
    assert [r.test for r in stored(app)] == [False, True]
    assert figures(client, survey) == (board_before, export_before)
    # Asked for, they come with a `test` column.
    included = client.get(
        f"/dashboard/exports/responses?survey={survey}&format=csv&include_tests=1"
    ).text
    rows = list(csv.DictReader(io.StringIO(included.lstrip("\ufeff"))))
    assert [(r["found"], r["test"]) for r in rows] == [("yes", "no"), ("no", "yes")]
    code = main(
        ["export", survey, "--include-tests", "--database-url", app.state.settings.database_url]
    )
    assert code == 0


def test_a_citizen_cannot_forge_or_reuse_a_preview_token(client: TestClient, app: Any) -> None:
    page_survey, other = app.state.ids["page"], app.state.ids["v2"]
    secret = app.state.secret
    forged = test_answers.make_token("not the secret", page_survey)
    elsewhere = test_answers.make_token(secret, other)
    for token in (forged, elsewhere, "x" * 500, ""):
        url = f"/s/{page_survey}?lang=en&{test_answers.PARAM}={token}"
        assert "Answers sent here are test answers" not in client.get(url).text
        form = hidden(client.get(f"/s/{page_survey}?lang=en").text)
        sent = client.post(
            f"/s/{page_survey}", data={**form, "q_found": "true", test_answers.PARAM: token}
        )
        assert sent.status_code == 200
    assert [r.test for r in stored(app)] == [False] * 4  # counted as the real answers they are
    token = test_answers.make_token(secret, page_survey)
    assert test_answers.read_token(secret, token, page_survey)
    assert not test_answers.read_token(secret, token, page_survey, max_age=-1)  # expired


def test_deleting_test_answers_is_one_audited_action(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    login(client)
    answer(client, f"/s/{survey}?lang=en", "true")
    url = preview_url(client, survey)
    for found in ("true", "false"):
        answer(client, url, found)
    share = client.get(f"/admin/surveys/{survey}/share?lang=fr").text
    assert "Supprimer 2 réponses d'essai" in unescape(share)
    token = re.search(r'name="csrf_token" value="([^"]+)"', share)
    assert token
    done = client.post(
        f"/admin/surveys/{survey}/tests/delete?lang=en",
        data={"csrf_token": token.group(1)},
        follow_redirects=True,
    )
    assert "The test answers were deleted." in done.text
    assert "test answers</button>" not in done.text  # none left to delete
    assert [r.test for r in stored(app)] == [False]
    with session_scope(app.state.engine) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "survey.delete_tests")
        ).one()
        assert entry.target == f"survey:{survey}" and entry.detail == {"deleted": 2}


def test_only_editors_may_delete_test_answers(client: TestClient, app: Any) -> None:
    survey = app.state.ids["counter"]  # another service than the manager's
    login(client, "manager")
    assert client.get(f"/admin/surveys/{survey}/share").status_code == 403
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/admin/surveys?lang=en").text
    )
    assert token
    sent = client.post(f"/admin/surveys/{survey}/tests/delete", data={"csrf_token": token.group(1)})
    assert sent.status_code == 403

"""Streamed exports (CSV, XLSX, JSON) and the A-11 quarterly summary, through real HTTP and
a real database, checked against what was stored."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.cli import main
from feedback.core.db import session_scope
from feedback.core.models import Answer, Question, Response
from feedback.insight import export
from feedback.insight.summaries import Quarter
from feedback.staff import auth
from feedback.surveys import definitions as surveys

from conftest import ADMIN_PASSWORD, axe_violations, login

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def post(client: TestClient, survey: str, channel: str, lang: str, answers: dict) -> int:
    body = {"channel": channel, "language": lang, "answers": answers}
    response = client.post(f"/api/v1/surveys/{survey}/responses", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def counter_answers(client: TestClient, app: Any) -> list[int]:
    survey = app.state.ids["counter"]
    return [
        post(client, survey, "phone", "fr", {"satisfaction": 2, "comment": '=HYPERLINK("x")'}),
        post(client, survey, "in_person", "en", {"satisfaction": 5, "other_channel": "web"}),
        post(client, survey, "in_person", "en", {"satisfaction": 4, "comment": "Rude words"}),
        post(client, survey, "phone", "en", {"satisfaction": 4, "timeliness": 1}),
    ]


def hide_comment(app: Any, response_id: int) -> None:
    with session_scope(app.state.engine) as session:
        answer = session.exec(
            select(Answer).where(Answer.response_id == response_id, Answer.text.is_not(None))  # type: ignore[union-attr]
        ).one()
        answer.hidden = True
        session.add(answer)


def read_xlsx(data: bytes) -> dict[str, list[list[str]]]:
    """Every sheet's cells as text, read straight from the workbook's XML."""
    book = zipfile.ZipFile(io.BytesIO(data))
    names = ElementTree.fromstring(book.read("xl/workbook.xml"))
    out: dict[str, list[list[str]]] = {}
    for i, sheet in enumerate(names.iterfind("x:sheets/x:sheet", NS), start=1):
        root = ElementTree.fromstring(book.read(f"xl/worksheets/sheet{i}.xml"))
        rows = []
        for row in root.iterfind("x:sheetData/x:row", NS):
            cells: dict[int, str] = {}
            for cell in row.iterfind("x:c", NS):
                text = cell.find("x:is/x:t", NS) if cell.get("t") == "inlineStr" else None
                value = cell.find("x:v", NS)
                letters = re.match(r"[A-Z]+", str(cell.get("r")))
                assert letters
                column = 0
                for ch in letters.group(0):  # A = 0, Z = 25, AA = 26...
                    column = column * 26 + ord(ch) - 64
                cells[column - 1] = (text if text is not None else value).text or ""  # type: ignore[union-attr]
            rows.append([cells.get(c, "") for c in range(max(cells, default=-1) + 1)])
        out[str(sheet.get("name"))] = rows
    return out


def test_csv_xlsx_and_json_match_the_database(staff: TestClient, app: Any) -> None:
    ids = counter_answers(staff, app)
    hide_comment(app, ids[2])  # moderated: kept in the database, never exported
    survey = app.state.ids["counter"]
    url = f"/dashboard/exports/responses?survey={survey}"

    got = staff.get(url + "&format=csv")
    assert got.status_code == 200
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.headers["content-disposition"].startswith(
        f'attachment; filename="responses-{survey}'
    )
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == ids
    assert [r["satisfaction"] for r in rows] == ["2", "5", "4", "4"]
    assert [r["channel"] for r in rows] == ["phone", "in_person", "in_person", "phone"]
    assert rows[0]["comment"] == '\'=HYPERLINK("x")'  # formula defused
    assert rows[2]["comment"] == ""  # hidden
    assert "Rude words" not in got.text
    assert rows[1]["other_channel"] == "web" and rows[3]["timeliness"] == "1"

    got = staff.get(url + "&format=json")
    items = json.loads(got.content)
    assert [int(i["id"]) for i in items] == ids
    assert items[0]["answers"] == {"satisfaction": 2, "comment": '=HYPERLINK("x")'}
    assert items[2]["answers"] == {"satisfaction": 4}  # hidden comment left out
    assert "Rude words" not in got.text

    got = staff.get(url + "&format=xlsx")
    assert got.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheets = read_xlsx(got.content)
    header, *body = sheets["Responses"]
    assert header[:8] == [
        "id",
        "submitted_at (UTC)",
        "submitted_local",
        "channel",
        "channel_mode",
        "language",
        "touchpoint",
        "assisted",
    ]
    column = {name: i for i, name in enumerate(header)}
    assert [int(r[0]) for r in body] == ids
    assert [r[column["satisfaction"]] for r in body] == ["2", "5", "4", "4"]
    assert body[1][column["other_channel"]] == "web" and body[3][column["timeliness"]] == "1"
    assert '\'=HYPERLINK("x")' in body[0]
    assert all("Rude words" not in cell for r in body for cell in r)
    wording = {r[0]: r for r in sheets["Questions"]}
    assert "dans quelle mesure avez-vous été satisfait" in wording["satisfaction"][4]  # French


def test_filters_narrow_the_export(staff: TestClient, app: Any) -> None:
    ids = counter_answers(staff, app)
    survey = app.state.ids["counter"]
    with session_scope(app.state.engine) as session:
        phoned = session.get(Response, ids[3])
        assert phoned is not None
        # The day it was stored on (its service counts UTC days), not the clock's: no midnight
        # falls between storing and asking.
        today = phoned.submitted_at.date().isoformat()
    got = staff.get(
        f"/dashboard/exports/responses?survey={survey}&format=csv&channel=phone&language=en"
        f"&since={today}&until={today}"
    )
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == [ids[3]]
    got = staff.get(f"/dashboard/exports/responses?survey={survey}&format=json&until=2020-01-01")
    assert json.loads(got.content) == []
    body = {"channel": "in_person", "language": "fr", "touchpoint": "office-12",
            "answers": {"satisfaction": 3}}  # fmt: skip
    at_office = staff.post(f"/api/v1/surveys/{survey}/responses", json=body).json()["id"]
    got = staff.get(
        f"/dashboard/exports/responses?survey={survey}&format=json&touchpoint=office-12"
    )
    assert [i["id"] for i in json.loads(got.content)] == [str(at_office)]


def test_paging_keeps_every_row_once_even_at_the_same_instant(app: Any) -> None:
    same = datetime(2026, 2, 3, 10, 0, tzinfo=UTC)
    with session_scope(app.state.engine) as session:
        for _ in range(7):
            session.add(
                Response(survey_id=app.state.ids["page"], channel="web", language="en",
                         submitted_at=same)
            )  # fmt: skip
    with session_scope(app.state.engine) as session:
        survey = surveys.get_survey(session, app.state.ids["page"])
        assert survey is not None
        rows = list(
            export.iter_rows(session, survey=survey, questions=[], batch=3)  # three pages
        )
    assert [r.id for r in rows] == sorted(r.id for r in rows) and len({r.id for r in rows}) == 7


def test_a_full_sheet_continues_on_the_next(app: Any, monkeypatch: Any) -> None:
    with session_scope(app.state.engine) as session:
        for _ in range(5):
            session.add(Response(survey_id=app.state.ids["page"], channel="web", language="fr"))
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 2)
    out = io.BytesIO()
    with session_scope(app.state.engine) as session:
        assert export.write_xlsx(session, survey_id=app.state.ids["page"], out=out) == 5
    sheets = read_xlsx(out.getvalue())
    assert [len(sheets[n]) for n in ("Responses", "Responses 2", "Responses 3")] == [3, 3, 2]


def test_bad_export_requests_get_a_clear_page(client: TestClient, app: Any) -> None:
    login(client, "manager")  # the licences service only
    survey = app.state.ids["v2"]
    bad = client.get(f"/dashboard/exports/responses?survey={survey}&format=pdf&since=hier&lang=fr")
    assert bad.status_code == 400
    text = unescape(bad.text)
    assert "Choisissez CSV, XLSX ou JSON." in text
    assert "« hier » n’est pas une date." in text or "« hier » n'est pas une date." in text
    missing = client.get("/dashboard/exports/responses?format=csv")
    assert missing.status_code == 400 and "Choose a survey to export." in missing.text
    other = app.state.ids["counter"]  # another service's survey
    assert client.get(f"/dashboard/exports/responses?survey={other}").status_code == 404
    assert client.get("/dashboard/exports/responses?survey=nosuchsurvey").status_code == 404
    assert client.get("/dashboard/exports?quarter=2026-Q9").status_code == 400
    client.cookies.clear()
    assert client.get("/dashboard/exports", follow_redirects=False).status_code == 303
    login(client, "agent")
    assert client.get(f"/dashboard/exports/responses?survey={survey}").status_code == 403


def test_viewers_may_export(client: TestClient, app: Any) -> None:
    with session_scope(app.state.engine) as session:
        auth.create_user(
            session, username="vera", password=ADMIN_PASSWORD, role="viewer",
            service_ids=["parks"],
        )  # fmt: skip
    login(client, "vera")
    got = client.get(f"/dashboard/exports/responses?survey={app.state.ids['counter']}")
    assert got.status_code == 200 and got.text.startswith("\ufeffid,submitted_at")


def test_a11_summary_counts_each_scale_point_per_channel(staff: TestClient, app: Any) -> None:
    counter_answers(staff, app)
    v2 = app.state.ids["v2"]
    post(staff, v2, "web", "en", {"trust": True, "went_well": ["ease", "efficiency"]})
    post(staff, v2, "web", "fr", {"trust": False, "went_badly": ["efficiency"]})
    post(staff, v2, "phone", "en", {"trust": True, "went_well": ["ease"]})
    with session_scope(app.state.engine) as session:
        # The quarter the answers were stored in, not the clock's (no quarter ends between).
        first = session.exec(select(Response.submitted_at).order_by(Response.id)).first()
        assert first is not None
    quarter = Quarter.of(first.date())
    got = staff.get(f"/dashboard/exports/a11.csv?quarter={quarter}")
    assert got.status_code == 200
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))

    def count(survey: str, channel: str, question: str, value: str) -> tuple[int, int]:
        [row] = [
            r for r in rows
            if (r["survey_id"], r["channel"], r["question"], r["value"])
            == (survey, channel, question, value)
        ]  # fmt: skip
        return int(row["respondents"]), int(row["count"])

    counter = app.state.ids["counter"]
    assert count(counter, "phone", "satisfaction", "2") == (2, 1)
    assert count(counter, "phone", "satisfaction", "4") == (2, 1)
    assert count(counter, "in_person", "satisfaction", "5") == (2, 1)
    assert count(counter, "in_person", "satisfaction", "1") == (2, 0)
    assert count(v2, "web", "trust", "1") == (2, 1)
    assert count(v2, "web", "trust", "0") == (2, 1)
    assert count(v2, "web", "went_well", "ease") == (2, 1)
    assert count(v2, "phone", "went_well", "ease") == (1, 1)
    assert count(v2, "web", "went_badly", "efficiency") == (2, 1)
    [label] = {r["label"] for r in rows if r["question"] == "trust" and r["value"] == "1"}
    assert label == "Agree"
    assert {r["quarter"] for r in rows} == {str(quarter)}

    page = staff.get(f"/dashboard/exports?quarter={quarter}&lang=fr")
    html = unescape(page.text)
    assert "Sommaire trimestriel (A-11)" in html
    table = html[html.index("dans quelle mesure avez-vous été satisfait du service") :]
    table = table[: table.index("</table>")]
    phone = re.search(r"Téléphone \(agent\)</th>(.*?)</tr>", table, re.S)
    assert phone is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', phone.group(1))
    assert cells == ["2", "0", "1", "0", "1", "0"]  # respondents, then points 1 to 5
    empty = staff.get("/dashboard/exports?quarter=2001-Q1")
    assert "No responses in 2001-Q1" in unescape(empty.text)


def test_cli_exports_xlsx(staff: TestClient, app: Any, tmp_path: Path) -> None:
    ids = counter_answers(staff, app)
    out = tmp_path / "out.xlsx"
    url = app.state.settings.database_url
    assert main(["export", app.state.ids["counter"], "--format", "xlsx", "-o", str(out),
                 "--database-url", url]) == 0  # fmt: skip
    body = read_xlsx(out.read_bytes())["Responses"][1:]
    assert [int(r[0]) for r in body] == ids


def test_the_questions_sheet_lists_every_current_question(app: Any) -> None:
    out = io.BytesIO()
    with session_scope(app.state.engine) as session:
        export.write_xlsx(session, survey_id=app.state.ids["v2"], out=out)
        keys = [q.key for q in session.exec(
            select(Question).where(Question.survey_id == app.state.ids["v2"])
        )]  # fmt: skip
    listed = [r[0] for r in read_xlsx(out.getvalue())["Questions"][1:]]
    assert sorted(listed) == sorted(keys)


@pytest.mark.browser
def test_exports_page_passes_axe_in_both_languages(live_app: Any, browser: Any) -> None:
    app, server = live_app
    page = browser.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("form button[type=submit]")
    for lang in ("en", "fr"):
        page.goto(f"{server.url}/dashboard/exports?lang={lang}")
        assert axe_violations(page) == []
        page.goto(f"{server.url}/dashboard/exports/responses?format=csv&since=x&lang={lang}")
        page.locator(".error-summary").wait_for()
        assert axe_violations(page) == []
    page.close()


def test_answers_to_a_replaced_question_version_keep_their_own_column(
    client: TestClient, app: Any
) -> None:
    survey = app.state.ids["counter"]
    before = post(client, survey, "phone", "en", {"satisfaction": 2})
    # The builder retires a question with answers when its scale changes; a new version
    # takes the key. Its answers must still be exported, apart from the new version's.
    with session_scope(app.state.engine) as session:
        old = session.exec(
            select(Question).where(Question.survey_id == survey, Question.key == "satisfaction")
        ).one()
        old.retired = True
        session.add(old)
        fields = old.model_dump(exclude={"id", "retired", "version"})
        session.add(Question(**fields, version=2, retired=False))
    after = post(client, survey, "phone", "en", {"satisfaction": 5})
    with session_scope(app.state.engine) as session:
        out = io.StringIO()
        export.write_text(session, survey_id=survey, out=out, format="csv")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    assert (rows[str(before)]["satisfaction.v1"], rows[str(before)]["satisfaction"]) == ("2", "")
    assert (rows[str(after)]["satisfaction.v1"], rows[str(after)]["satisfaction"]) == ("", "5")

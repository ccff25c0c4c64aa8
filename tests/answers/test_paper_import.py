"""CSV import of typed-in paper forms: typed values, per-row errors with line numbers,
idempotent per row, dry runs store nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from feedback.answers import paper_import
from feedback.cli import main
from feedback.core.db import session_scope
from feedback.core.models import Response

# The year of the last 2 April gone by: inside the 400 days a survey accepts before its creation.
TODAY = datetime.now(UTC).date()
SPRING = TODAY.year - (date(TODAY.year, 4, 3) > TODAY)
CSV = """\ufeffid,language,channel,touchpoint,submitted_at,trust,went_well,went_badly,comment
F-001,fr,,bureau-12,SPRING-03-31,oui,ease;employee,,Merci beaucoup
F-002,en,,,,no,,efficiency,Call me at 613-555-0199
F-003,en,,,2999-01-01,yes,,,
F-004,de,,,,yes,,,

F-005,en,web,,,maybe,,,
,en,,,SPRING-04-02T09:30:00-04:00,yes,effectiveness,,
""".replace("SPRING", str(SPRING))


def count(app: Any) -> int:
    with session_scope(app.state.engine) as session:
        return int(session.execute(select(func.count()).select_from(Response)).scalar_one())


def run(
    app: Any, text: str = CSV, name: str = "box-7.csv", dry: bool = False, survey: str = "v2"
) -> Any:
    with session_scope(app.state.engine) as session:
        return paper_import.import_csv(
            session, survey_id=app.state.ids[survey], text=text, file_name=name, dry_run=dry
        )


def test_rows_are_stored_or_refused_with_their_line(app: Any) -> None:
    dry = run(app, dry=True)
    assert (dry.created, dry.replayed) == (3, 0) and count(app) == 0
    report = run(app)
    assert (report.created, report.replayed) == (3, 0)
    assert [line for line, _problem in report.errors] == [4, 5, 7]
    assert "submitted_at" in report.errors[0][1]
    assert "language" in report.errors[1][1]
    assert "trust" in report.errors[2][1]  # "maybe" is not yes or no
    assert count(app) == 3
    again = run(app)
    assert (again.created, again.replayed, again.failed) == (0, 3, 3)
    renamed = run(app, name="/elsewhere/box-7.csv")  # the same file moved: still known
    assert renamed.created == 0
    assert count(app) == 3
    with session_scope(app.state.engine) as session:
        table: Any = Response.__table__  # type: ignore[attr-defined]
        wanted = [table.c.channel, table.c.assisted, table.c.touchpoint, table.c.submitted_at]
        rows = session.execute(select(*wanted).order_by(table.c.id)).all()
    assert [r[0] for r in rows] == ["mail", "mail", "mail"]
    assert all(r[1] for r in rows)  # paper forms are typed in by staff: assisted
    assert rows[0][2] == "bureau-12" and rows[0][3].isoformat().startswith(f"{SPRING}-03-31T12:00")
    assert rows[2][3].isoformat().startswith(f"{SPRING}-04-02T13:30")


NO_IDS = "language,trust,comment\nen,yes,First box\nfr,non,\n"


def test_another_file_with_the_same_name_is_imported(app: Any) -> None:
    assert run(app, text=NO_IDS, name="scan.csv").created == 2
    assert run(app, text=NO_IDS, name="scan.csv").replayed == 2  # the same file again
    other = NO_IDS.replace("First box", "Second box").replace("fr,non", "en,no")
    report = run(app, text=other, name="scan.csv")
    assert (report.created, report.replayed) == (2, 0)
    assert count(app) == 4


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_a_huge_number_is_an_error_on_its_line(app: Any) -> None:
    text = f"language,satisfaction\nen,{'9' * 5000}\nen,4\n"
    report = run(app, text=text, survey="counter")
    assert report.created == 1
    assert [line for line, _ in report.errors] == [2] and "satisfaction" in report.errors[0][1]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_wrong_columns_refuse_the_whole_file(app: Any) -> None:
    with pytest.raises(paper_import.ImportFailed, match="unknown columns: satisfaction"):
        run(app, text="language,satisfaction\nen,5\n")
    with pytest.raises(paper_import.ImportFailed, match="language"):
        run(app, text="trust\nyes\n")
    assert count(app) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: nothing new
def test_cli_import_reports_lines_and_exit_status(
    app: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(app.state.engine.url.render_as_string(hide_password=False))
    path = tmp_path / "forms.csv"
    path.write_text(CSV, encoding="utf-8")
    args = ["import", app.state.ids["v2"], str(path), "--database-url", url]
    assert main([*args, "--dry-run"]) == 1
    assert count(app) == 0
    assert main(args) == 1
    out = capsys.readouterr()
    assert "forms.csv:4:" in out.err and "3 stored, 0 already imported, 3 refused." in out.out
    good = tmp_path / "good.csv"
    good.write_text("language,trust\nen,yes\nfr,non\n", encoding="utf-8")
    assert main(["import", app.state.ids["v2"], str(good), "--database-url", url]) == 0
    assert count(app) == 5

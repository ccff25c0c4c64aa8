"""Aggregates count local days: the incremental path, the SQL rebuild, bulk counting and
removal all agree with a recount in Python from the raw rows, in the service's zone, and a
zone change rebuilds them exactly. Test answers are never counted."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session
from test_bulk_ingest import make_token
from test_rollups import snapshot

from feedback.answers import intake, storing
from feedback.core import local_time
from feedback.core.db import session_scope
from feedback.core.models import Answer, Response, ResponseDay, Service
from feedback.insight import rollups
from feedback.surveys import definitions as surveys

from conftest import login

TORONTO = "America/Toronto"


def set_zone(app: Any, service_id: str, zone: str) -> None:
    with session_scope(app.state.engine) as session:
        service = session.get(Service, service_id)
        assert service is not None
        service.time_zone = zone
        session.add(service)


def store(
    session: Session,
    survey_id: str,
    answers: dict[str, Any],
    at: datetime,
    *,
    channel: str = "in_person",
    test: bool = False,
) -> int:
    survey = surveys.get_survey(session, survey_id)
    assert survey is not None
    submission = intake.Submission(channel, "en", answers, test=test)
    return storing.submit(
        session,
        survey=survey,
        questions=surveys.questions_of(session, survey_id),
        submission=submission,
        lang="en",
        submitted_at=at,
    ).id


def spread(app: Any, n: int = 80, seed: int = 3) -> list[int]:
    """Counter answers near local and UTC midnights, across both daylight-saving changes."""
    rnd = random.Random(seed)
    counter = app.state.ids["counter"]
    edges = [datetime(2026, 3, 8, 6, 0), datetime(2026, 11, 1, 5, 0), datetime(2026, 12, 1, 3)]
    out = []
    with session_scope(app.state.engine) as session:
        for _ in range(n):
            edge = rnd.choice(edges).replace(tzinfo=UTC)
            at = edge + timedelta(minutes=rnd.randint(-300, 300))
            answers = {"satisfaction": rnd.randint(1, 5), "timeliness": rnd.randint(1, 5)}
            channel = rnd.choice(["in_person", "phone"])
            out.append(store(session, counter, answers, at, channel=channel))
    return out


def recount(session: Session, zone: str) -> Counter[tuple[Any, ...]]:
    """Responses per (survey, local day, channel) counted in Python from the raw rows."""
    rows = session.execute(
        select(Response.survey_id, Response.submitted_at, Response.channel).where(
            Response.test.is_(False)  # type: ignore[attr-defined]
        )
    )
    return Counter((s, local_time.local_day(at, zone), c) for s, at, c in rows)


def aggregate(session: Session) -> Counter[tuple[Any, ...]]:
    out: Counter[tuple[Any, ...]] = Counter()
    for row in session.execute(select(ResponseDay)).scalars():
        day = row.day if isinstance(row.day, date) else date.fromisoformat(str(row.day))
        out[(row.survey_id, day, row.channel)] += row.n
    return out


def test_a_toronto_night_counts_on_the_previous_day(app: Any) -> None:
    set_zone(app, "parks", TORONTO)
    at = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    with session_scope(app.state.engine) as session:
        store(session, app.state.ids["counter"], {"satisfaction": 5}, at)
    with session_scope(app.state.engine) as session:
        assert [r.day for r in session.execute(select(ResponseDay)).scalars()] == [
            date(2026, 11, 30)
        ]
        incremental = snapshot(session)
        rollups.rebuild(session)
        assert snapshot(session) == incremental


def test_a_zone_change_rebuilds_the_aggregates_exactly(app: Any) -> None:
    spread(app)
    with session_scope(app.state.engine) as session:
        utc_counts = aggregate(session)
        assert utc_counts == recount(session, "UTC")
    set_zone(app, "parks", TORONTO)
    with session_scope(app.state.engine) as session:
        rollups.rebuild_service(session, service_id="parks")
    with session_scope(app.state.engine) as session:
        after_change = snapshot(session)
        local_counts = aggregate(session)
        assert local_counts == recount(session, TORONTO)
        assert local_counts != utc_counts  # the answers near midnight moved day
        rollups.rebuild(session)  # a fresh rebuild of everything agrees
        assert snapshot(session) == after_change
    # New answers counted one by one land on the same local days as the rebuild put them.
    spread(app, n=40, seed=8)
    with session_scope(app.state.engine) as session:
        assert aggregate(session) == recount(session, TORONTO)
        incremental = snapshot(session)
        rollups.rebuild(session)
        assert snapshot(session) == incremental


def test_rebuilding_a_service_leaves_other_services_alone(app: Any) -> None:
    spread(app, n=20)
    at = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    with session_scope(app.state.engine) as session:
        store(session, app.state.ids["page"], {"found": True}, at, channel="web")
        before = {k: v for k, v in aggregate(session).items() if k[0] == app.state.ids["page"]}
    set_zone(app, "parks", TORONTO)
    with session_scope(app.state.engine) as session:
        rollups.rebuild_service(session, service_id="parks")
    with session_scope(app.state.engine) as session:
        after = {k: v for k, v in aggregate(session).items() if k[0] == app.state.ids["page"]}
    assert after == before == {(app.state.ids["page"], date(2026, 12, 1), "web"): 1}


def test_bulk_counting_and_removal_use_local_days(app: Any) -> None:
    set_zone(app, "parks", TORONTO)
    ids = spread(app, n=60, seed=4)
    with session_scope(app.state.engine) as session:
        expected = snapshot(session)
        rollups.remove_responses(session, ids)
        assert snapshot(session) == {name: set() for name in expected}
        rollups.add_responses(session, ids)
        assert snapshot(session) == expected
        doomed = random.Random(1).sample(ids, 25)
        rollups.delete_responses(session, doomed)
        assert aggregate(session) == recount(session, TORONTO)


def test_test_answers_are_never_counted(app: Any) -> None:
    set_zone(app, "parks", TORONTO)
    at = datetime(2026, 6, 1, 15, tzinfo=UTC)
    counter = app.state.ids["counter"]
    with session_scope(app.state.engine) as session:
        real = store(session, counter, {"satisfaction": 4, "timeliness": 2}, at)
        before = snapshot(session)
        fake = store(session, counter, {"satisfaction": 1, "timeliness": 1}, at, test=True)
    with session_scope(app.state.engine) as session:
        assert snapshot(session) == before
        stored = session.get(Response, fake)
        assert stored is not None and stored.test and session.get(Answer, real) is not None
        rollups.rebuild(session)
        assert snapshot(session) == before
        rollups.remove_responses(session, [fake])  # never counted: nothing to take back
        assert snapshot(session) == before


def test_offsets_name_each_daylight_saving_change() -> None:
    changes = local_time.offsets(
        TORONTO, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    )
    assert changes == [
        (None, -5 * 3600),
        (datetime(2026, 3, 8, 7, tzinfo=UTC), -4 * 3600),
        (datetime(2026, 11, 1, 6, tzinfo=UTC), -5 * 3600),
    ]
    assert local_time.offsets("UTC", datetime(2020, 1, 1), datetime(2030, 1, 1)) == [(None, 0)]


def test_the_toronto_night_on_the_dashboard_and_in_the_export(client: Any, app: Any) -> None:
    """03:30 UTC on 1 December is 22:30 on 30 November in Toronto: the dashboard's JSON and
    the export both put it there, and date filters are the service's local days."""
    set_zone(app, "licences", TORONTO)
    survey = app.state.ids["page"]
    at = datetime(2025, 12, 1, 3, 30, tzinfo=UTC)
    with session_scope(app.state.engine) as session:
        rid = store(session, survey, {"found": True}, at, channel="web")
    login(client)

    def board(day: str) -> Any:
        got = client.get(f"/dashboard/surveys/{survey}?format=json&since={day}&until={day}")
        assert got.status_code == 200
        return got.json()

    assert board("2025-11-30")["responses"] == {"web": 1}
    assert board("2025-11-30")["time_zone"] == TORONTO
    assert not board("2025-12-01")["responses"].get("web")

    def export(day: str) -> list[dict[str, str]]:
        got = client.get(
            f"/dashboard/exports/responses?survey={survey}&format=csv&since={day}&until={day}"
        )
        return list(csv.DictReader(io.StringIO(got.text.lstrip("\ufeff"))))

    (row,) = export("2025-11-30")
    assert int(row["id"]) == rid
    assert row["submitted_at"] == "2025-12-01T03:30:00+00:00"
    assert row["submitted_local"] == "2025-11-30T22:30:00-05:00"
    assert row["channel_mode"] == "self_service" and row["assisted"] == "no"
    assert export("2025-12-01") == []
    token = make_token(app, ["read"])
    api = client.get(
        f"/api/v1/surveys/{survey}/responses?since=2025-11-30&until=2025-11-30",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert [i["submitted_local"] for i in api["items"]] == ["2025-11-30T22:30:00-05:00"]

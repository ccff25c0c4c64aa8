"""The daily aggregates stay equal to a recount from the raw responses: when answers arrive
one by one, late (submitted in the past, in any time zone) or are deleted."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from feedback.answers import intake, storing
from feedback.core.db import session_scope
from feedback.core.models import AnswerDay, AnswerPairDay, Question, Response, ResponseDay
from feedback.insight import rollups
from feedback.surveys import definitions as surveys

TABLES = (ResponseDay, AnswerDay, AnswerPairDay)


def snapshot(session: Session) -> dict[str, set[tuple[Any, ...]]]:
    """Every aggregate row, as comparable tuples (days as dates)."""
    out = {}
    for table in TABLES:
        rows = set()
        for row in session.execute(select(table)).scalars():
            values = row.model_dump()
            values["day"] = (
                values["day"]
                if isinstance(values["day"], date)
                else date.fromisoformat(str(values["day"]))
            )
            rows.add(tuple(sorted(values.items())))
        out[table.__tablename__] = rows
    return out


def submit(
    session: Session,
    survey_id: str,
    answers: dict[str, Any],
    *,
    channel: str = "in_person",
    lang: str = "en",
    at: datetime | None = None,
    touchpoint: str | None = None,
) -> int:
    survey = surveys.get_survey(session, survey_id)
    assert survey is not None
    stored = storing.submit(
        session,
        survey=survey,
        questions=surveys.questions_of(session, survey_id),
        submission=intake.Submission(channel, lang, answers, touchpoint=touchpoint),
        lang=lang,
        submitted_at=at,
    )
    return stored.id


def counter_answers(rnd: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {
        key: rnd.randint(1, 5)
        for key in ("timeliness", "knowledge", "courtesy", "fairness", "outcome")
        if rnd.random() < 0.8
    }
    answers["satisfaction"] = rnd.randint(1, 5)  # required
    if rnd.random() < 0.3:
        answers["other_channel"] = rnd.choice(["no", "web", "phone"])
    if rnd.random() < 0.3:
        answers["comment"] = "Fine."
    return answers


def fill(app: Any, n: int = 60, seed: int = 7) -> list[int]:
    """Responses to three surveys, some late and in other time zones, one by one."""
    rnd = random.Random(seed)
    ids = app.state.ids
    now = datetime.now(UTC)
    zones = [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9, minutes=30))]
    out = []
    with session_scope(app.state.engine) as session:
        for i in range(n):
            late = rnd.random() < 0.5
            # Late answers near midnight in another zone test the UTC day.
            at = (now - timedelta(days=rnd.randint(1, 400), hours=rnd.random() * 24)).astimezone(
                rnd.choice(zones)
            )
            kind = i % 3
            if kind == 0:
                answers = counter_answers(rnd)
                out.append(
                    submit(
                        session,
                        ids["counter"],
                        answers,
                        channel=rnd.choice(["in_person", "phone"]),
                        lang=rnd.choice(["en", "fr"]),
                        at=at if late else None,
                        touchpoint=rnd.choice([None, "desk-1", "desk-2"]),
                    )
                )
            elif kind == 1:
                trust = rnd.random() < 0.6
                answers = {"trust": trust}
                answers["went_well" if trust else "went_badly"] = ["ease", "other"][
                    : rnd.randint(1, 2)
                ]
                out.append(submit(session, ids["v2"], answers, at=at if late else None))
            else:
                out.append(
                    submit(
                        session,
                        ids["page"],
                        {"found": rnd.random() < 0.4},
                        channel="web",
                        at=at if late else None,
                    )
                )
    return out


def test_incremental_counts_equal_a_recount(app: Any) -> None:
    fill(app)
    with session_scope(app.state.engine) as session:
        incremental = snapshot(session)
        rollups.rebuild(session)
        recount = snapshot(session)
    assert incremental == recount
    assert all(incremental.values())  # every table has rows, pairs included


def test_late_answer_lands_on_its_utc_day(app: Any) -> None:
    # 23:30 on 1 March in Toronto (UTC-5) is 04:30 on 2 March in UTC.
    at = datetime(2026, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    with session_scope(app.state.engine) as session:
        rid = submit(session, app.state.ids["counter"], {"satisfaction": 5, "timeliness": 4}, at=at)
    with session_scope(app.state.engine) as session:
        stored = session.get(Response, rid)
        assert stored is not None
        assert rollups.utc_day(stored.submitted_at) == date(2026, 3, 2)
        days = {
            (r.day if isinstance(r.day, date) else date.fromisoformat(str(r.day)))
            for r in session.execute(select(ResponseDay)).scalars()
        }
        assert days == {date(2026, 3, 2)}


def test_driver_pairs_cross_each_driver_with_the_overall_answer(app: Any) -> None:
    counter = app.state.ids["counter"]
    with session_scope(app.state.engine) as session:
        for timeliness, satisfaction in [(5, 5), (5, 5), (1, 2), (None, 3)]:
            answers: dict[str, Any] = {"courtesy": 3, "satisfaction": satisfaction}
            if timeliness is not None:
                answers["timeliness"] = timeliness
            submit(session, counter, answers)
    with session_scope(app.state.engine) as session:
        questions = {q.key: q.id for q in surveys.questions_of(session, counter)}
        rows = session.execute(select(AnswerPairDay)).scalars().all()
        pairs = {}
        for r in rows:
            assert r.outcome_id == questions["satisfaction"]
            key = (r.question_id, r.value, r.outcome_value)
            pairs[key] = pairs.get(key, 0) + r.n
    t, c = questions["timeliness"], questions["courtesy"]
    assert pairs == {
        (t, "5", "5"): 2,
        (t, "1", "2"): 1,
        (c, "3", "5"): 2,
        (c, "3", "2"): 1,
        (c, "3", "3"): 1,
    }


def test_driver_pairs_only_for_scale_drivers_and_a_scale_headline(app: Any) -> None:
    with session_scope(app.state.engine) as session:
        counter = surveys.questions_of(session, app.state.ids["counter"])
        by_key = {q.key: q.id for q in counter}
        pairs = rollups.driver_pairs(counter)
        assert {d for d, _ in pairs} == {
            by_key[k] for k in ("timeliness", "knowledge", "courtesy", "fairness", "outcome")
        }
        assert {o for _, o in pairs} == {by_key["satisfaction"]}
        # A yes/no headline (A-11 v2 trust) has no scale drivers to pair.
        assert rollups.driver_pairs(surveys.questions_of(session, app.state.ids["v2"])) == []


def test_deleting_responses_takes_back_exactly_their_counts(app: Any) -> None:
    ids = fill(app, n=45, seed=11)
    doomed = random.Random(3).sample(ids, 20)
    with session_scope(app.state.engine) as session:
        assert rollups.delete_responses(session, doomed) == 20
    with session_scope(app.state.engine) as session:
        after_delete = snapshot(session)
        remaining = session.execute(select(Response.id)).scalars().all()
        assert sorted(remaining) == sorted(set(ids) - set(doomed))
        rollups.rebuild(session)
        assert after_delete == snapshot(session)
        # No row is left at zero: emptied cells are gone, not kept as 0.
        for table in TABLES:
            assert all(r.n > 0 for r in session.execute(select(table)).scalars())


def test_deleting_everything_leaves_no_aggregates(app: Any) -> None:
    ids = fill(app, n=12, seed=5)
    with session_scope(app.state.engine) as session:
        rollups.delete_responses(session, ids)
    with session_scope(app.state.engine) as session:
        assert snapshot(session) == {t.__tablename__: set() for t in TABLES}


def test_rebuilding_one_survey_leaves_the_others(app: Any) -> None:
    fill(app, n=30, seed=9)
    with session_scope(app.state.engine) as session:
        before = snapshot(session)
        counter_questions = session.execute(
            select(Question.id).where(Question.survey_id == app.state.ids["counter"])
        ).scalars()
        wanted = set(counter_questions)
        # Damage the counter survey's aggregates only, then rebuild that survey.
        for row in session.execute(select(AnswerPairDay)).scalars():
            row.n += 5
        for row in session.execute(select(AnswerDay)).scalars():
            if row.question_id in wanted:
                row.n += 1
        session.flush()
        rollups.rebuild(session, survey_id=app.state.ids["counter"])
        assert snapshot(session) == before

"""Group commit: concurrent widget posts share commits and each still gets exactly its own answer.

Over real HTTP (uvicorn) on SQLite and PostgreSQL, and at the writer itself for what HTTP cannot
force into one batch (per-item limits and failures inside a single transaction).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import DataError, OperationalError
from sqlmodel import Session, func, select

from feedback.answers import group_commit, intake, storing
from feedback.core import limits
from feedback.core.db import session_scope
from feedback.core.models import Answer, AnswerDay, RateCounter, Response, ResponseDay, Survey
from feedback.insight import rollups
from feedback.surveys import definitions as surveys

from conftest import LiveServer, _free_port

POSTS = 120


def _post(base: str, survey_id: str, body: dict[str, Any], key: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} | ({"Idempotency-Key": key} if key else {})
    request = urllib.request.Request(
        f"{base}/api/v1/surveys/{survey_id}/responses",
        data=json.dumps(body).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _body(n: int) -> dict[str, Any]:
    answers = {"trust": n % 2 == 0, "went_well": ["ease"], "comment": f"note number {n}"}
    return {"channel": "web", "language": "en", "answers": answers}


def _concurrently(calls: list[Any]) -> list[tuple[int, Any]]:
    with ThreadPoolExecutor(max_workers=40) as pool:
        return list(pool.map(lambda call: call(), calls))


def _count(session: Session, model: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def _limit(app: Any, survey_id: str, per_minute: int) -> None:
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, survey_id)
        assert survey is not None
        survey.client_limit_per_minute = per_minute


def test_concurrent_posts_share_commits_and_each_gets_its_own_response(app: Any) -> None:
    survey_id = app.state.ids["v2"]
    _limit(app, survey_id, 10_000)  # one test client posts for many people here
    with LiveServer(app, _free_port()) as server:
        results = _concurrently(
            [lambda n=n: _post(server.url, survey_id, _body(n), f"key-{n}") for n in range(POSTS)]
        )
    assert [status for status, _ in results] == [201] * POSTS
    ids = [int(body["id"]) for _, body in results]
    assert len(set(ids)) == POSTS
    # Fewer commits than posts: requests that arrived together were stored together.
    assert app.state.writer.batches < POSTS
    with session_scope(app.state.engine) as session:
        comment = surveys.questions_of(session, survey_id)[-1]
        texts = dict(
            session.exec(
                select(Answer.response_id, Answer.text).where(Answer.question_id == comment.id)
            ).all()
        )
        # Each id the client was given is the row that holds what that client sent.
        assert all(texts[ids[n]] == f"note number {n}" for n in range(POSTS))
        keys = dict(session.exec(select(Response.id, Response.idempotency_key)).all())
        assert all(keys[ids[n]] == f"key-{n}" for n in range(POSTS))
        kept = {
            "days": list(session.exec(select(ResponseDay.n, ResponseDay.channel)).all()),
            "answers": sorted(session.exec(select(AnswerDay.value, AnswerDay.n)).all()),
        }
        rollups.rebuild(session, survey_id=survey_id)
    with session_scope(app.state.engine) as session:
        assert kept["days"] == [(POSTS, "web")]
        assert kept["answers"] == sorted(session.exec(select(AnswerDay.value, AnswerDay.n)).all())


def test_concurrent_replays_of_one_key_store_it_once(app: Any) -> None:
    survey_id = app.state.ids["v2"]
    with LiveServer(app, _free_port()) as server:
        results = _concurrently(
            [lambda: _post(server.url, survey_id, _body(1), "same-key") for _ in range(30)]
        )
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 29 + [201]
    assert len({body["id"] for _, body in results}) == 1
    with session_scope(app.state.engine) as session:
        assert _count(session, Response) == 1


def test_concurrent_posts_over_the_client_limit_are_refused_and_not_counted(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One moment, mid-minute: the 25 posts cannot straddle two windows of the limit.
    monkeypatch.setattr(limits, "now", lambda: datetime(2026, 11, 24, 12, 0, 30, tzinfo=UTC))
    survey_id = app.state.ids["v2"]
    _limit(app, survey_id, 5)
    with LiveServer(app, _free_port()) as server:
        results = _concurrently(
            [lambda n=n: _post(server.url, survey_id, _body(n), f"k{n}") for n in range(25)]
        )
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 5 + [429] * 20
    refused = [body for status, body in results if status == 429]
    assert {body["error"]["code"] for body in refused} == {"too_many"}
    with session_scope(app.state.engine) as session:
        assert _count(session, Response) == 5
        # Refused attempts were taken back: the counter holds only what was stored.
        counts = session.exec(
            select(RateCounter.count).where(RateCounter.bucket.contains(":"))
        ).all()
        assert max(counts) == 5


def _run(work: Any) -> Any:
    """Run a coroutine on an event loop of its own (the browser tests keep one in this thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def _pending(
    app: Any, n: int, *, checks: tuple[tuple[str, int], ...] = (), key: str | None = None
) -> intake.Pending:
    survey, questions = surveys.for_submission(app.state.engine, app.state.ids["v2"])
    body = _body(n)
    submission = intake.Submission("web", "en", body["answers"])
    return intake.prepare(survey, questions, submission, "en", idempotency_key=key, checks=checks)


def test_one_batch_counts_limits_in_order_and_takes_back_refused_hits(app: Any) -> None:
    writer = group_commit.GroupCommit(app.state.engine)
    items = [_pending(app, n, checks=(("submit:test:client", 3),)) for n in range(8)]

    async def post_all() -> list[Any]:
        return await asyncio.gather(*(writer.store(i) for i in items), return_exceptions=True)

    outcomes = _run(post_all())
    assert writer.batches <= 2  # all queued before the writer woke: one or two transactions
    stored = [o for o in outcomes if isinstance(o, intake.Stored)]
    refused = [o for o in outcomes if isinstance(o, intake.Rejected)]
    assert len(stored) == 3 and len(refused) == 5
    assert all(r.status == 429 and r.retry_after and r.retry_after > 0 for r in refused)
    assert [isinstance(o, intake.Stored) for o in outcomes] == [True] * 3 + [False] * 5
    with session_scope(app.state.engine) as session:
        assert session.exec(select(RateCounter.count)).all() == [3]


def test_an_item_that_fails_in_a_batch_fails_alone(app: Any) -> None:
    writer = group_commit.GroupCommit(app.state.engine)
    good = [_pending(app, n) for n in range(6)]
    survey, questions = surveys.for_submission(app.state.engine, app.state.ids["v2"])
    # A question that is not in the database: its answer row breaks a foreign key.
    ghost = questions[0].model_copy(update={"id": 987654})
    bad = intake.Pending(
        survey=good[0].survey,
        questions=good[0].questions,
        submission=good[0].submission,
        accepted=[(ghost, True)],
        removed=(),
        submitted_at=good[0].submitted_at,
        lang="en",
    )

    async def post_all() -> list[Any]:
        items = [*good[:3], bad, *good[3:]]
        return await asyncio.gather(*(writer.store(i) for i in items), return_exceptions=True)

    outcomes = _run(post_all())
    assert [type(o).__name__ for o in outcomes[:3] + outcomes[4:]] == ["Stored"] * 6
    assert isinstance(outcomes[3], Exception) and not isinstance(outcomes[3], intake.Stored)
    with session_scope(app.state.engine) as session:
        assert _count(session, Response) == 6
        assert session.exec(select(ResponseDay.n)).all() == [6]


def test_a_value_too_long_for_its_column_is_refused_never_cut_short(app: Any) -> None:
    """Past intake's checks (as a future path might be), the column still holds its limit."""
    writer = group_commit.GroupCommit(app.state.engine)
    good = [_pending(app, n) for n in range(3)]
    long = dataclasses.replace(
        good[0], submission=dataclasses.replace(good[0].submission, touchpoint="t" * 150)
    )

    async def post_all() -> list[Any]:
        items = [good[0], long, *good[1:]]
        return await asyncio.gather(*(writer.store(i) for i in items), return_exceptions=True)

    outcomes = _run(post_all())
    assert [type(o).__name__ for o in outcomes[:1] + outcomes[2:]] == ["Stored"] * 3
    with session_scope(app.state.engine) as session:
        touchpoints = session.exec(select(Response.touchpoint)).all()
    if app.state.engine.dialect.name == "postgresql":  # VARCHAR(100) is enforced
        assert isinstance(outcomes[1], DataError) and touchpoints == [None] * 3
    else:  # SQLite keeps text of any length: whole, then
        assert sorted(touchpoints, key=str) == [None, None, None, "t" * 150]


def test_columns_the_fast_inserts_leave_out_have_a_server_default_or_may_be_null(
    app: Any,
) -> None:
    """On PostgreSQL responses and answers are inserted without SQLAlchemy, whose Python-side
    defaults then never apply: a new column must default in the migrated database too."""
    found = inspect(app.state.engine)
    for table, given in ((storing._RESPONSES, storing._RESPONSE_VALUES),
                         (storing._ANSWERS, storing._ANSWER_VALUES)):  # fmt: skip
        for column in found.get_columns(table.name):
            if column["name"] in (*given, "id"):
                continue
            assert column["nullable"] or column["default"] is not None, (table.name, column)


@pytest.mark.parametrize("size", [1, 2, 37])
def test_batches_of_any_size_give_each_item_its_own_id(app: Any, size: int) -> None:
    writer = group_commit.GroupCommit(app.state.engine, max_batch=size)
    items = [_pending(app, n, key=f"id-{n}") for n in range(40)]

    async def post_all() -> list[Any]:
        return await asyncio.gather(*(writer.store(i) for i in items))

    outcomes = _run(post_all())
    with session_scope(app.state.engine) as session:
        keys = dict(session.exec(select(Response.id, Response.idempotency_key)).all())
    assert [keys[o.id] for o in outcomes] == [f"id-{n}" for n in range(40)]


def test_counting_and_taking_back_use_one_window_across_a_minute_boundary(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter([datetime(2026, 11, 24, 12, 0, 59, 999000, tzinfo=UTC)] * 1 + [
        datetime(2026, 11, 24, 12, 1, 0, 500000, tzinfo=UTC)] * 10)  # fmt: skip
    monkeypatch.setattr(limits, "now", lambda: next(ticks))
    items = [_pending(app, n, checks=(("submit:test:edge", 1),)) for n in range(3)]
    with session_scope(app.state.engine) as session:
        outcomes = storing.store_many(session, items)
    assert [type(o).__name__ for o in outcomes] == ["Stored", "Rejected", "Rejected"]
    with session_scope(app.state.engine) as session:
        # Both statements used the minute the batch was counted in: 1 there, nothing after.
        rows = session.exec(select(RateCounter.bucket, RateCounter.count)).all()
    assert [(bucket.rsplit("@", 1)[1], count) for bucket, count in rows] == [
        (str(int(datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp())), 1)
    ]


def test_a_writer_that_dies_answers_its_batch_and_the_next_post_is_stored(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = group_commit.GroupCommit(app.state.engine)
    real = storing.store_many

    def dies(session: Session, items: list[intake.Pending]) -> Any:
        monkeypatch.setattr(storing, "store_many", real)
        raise SystemExit("the writer thread is told to stop")

    monkeypatch.setattr(storing, "store_many", dies)

    async def post_twice() -> list[Any]:
        first = await asyncio.gather(writer.store(_pending(app, 1)), return_exceptions=True)
        second = await asyncio.wait_for(writer.store(_pending(app, 2)), timeout=10)
        return [*first, second]

    failed, stored = _run(post_twice())
    assert isinstance(failed, RuntimeError) and isinstance(stored, intake.Stored)
    with session_scope(app.state.engine) as session:
        assert _count(session, Response) == 1


def test_a_database_outage_fails_the_batch_once_not_item_by_item(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = group_commit.GroupCommit(app.state.engine)
    calls: list[int] = []

    def away(session: Session, items: list[intake.Pending]) -> Any:
        calls.append(len(items))
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(storing, "store_many", away)
    items = [_pending(app, n) for n in range(12)]

    async def post_all() -> list[Any]:
        return await asyncio.gather(*(writer.store(i) for i in items), return_exceptions=True)

    outcomes = _run(post_all())
    assert all(isinstance(o, OperationalError) for o in outcomes)
    assert sum(calls) == 12 and len(calls) <= 2  # each item tried once, in one or two batches

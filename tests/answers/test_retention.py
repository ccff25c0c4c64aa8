"""Retention: comments past their survey's period lose their text; scores and counts stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from feedback.answers import intake, retention, storing
from feedback.cli import main
from feedback.core import jobs
from feedback.core.db import session_scope
from feedback.core.models import (
    Answer,
    AnswerDay,
    AuditEntry,
    Response,
    ResponseDay,
    Survey,
    Webhook,
    WebhookDelivery,
)
from feedback.insight import rollups
from feedback.surveys import definitions as surveys

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SCORES = select(Answer.id).where(col(Answer.text).is_(None))


def add(app: Any, key: str, days_ago: int, comment: str, **answers: Any) -> int:
    """A response submitted `days_ago` days before NOW, as any channel stores it."""
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, app.state.ids[key])
        assert survey is not None
        stored = storing.submit(
            session,
            survey=survey,
            questions=surveys.questions_of(session, survey.id),
            submission=intake.Submission(
                channel="web", language="en", answers={**answers, "comment": comment}
            ),
            lang="en",
            submitted_at=NOW - timedelta(days=days_ago),
        )
        return stored.id


def texts(app: Any) -> list[str]:
    with session_scope(app.state.engine) as session:
        stmt = select(Answer.text).where(col(Answer.text).is_not(None)).order_by(col(Answer.id))
        return [t for t in session.exec(stmt) if t is not None]


def aggregates(session: Session) -> tuple[list[str], list[str]]:
    days = sorted(repr(r.model_dump()) for r in session.exec(select(ResponseDay)))
    answers = sorted(repr(r.model_dump()) for r in session.exec(select(AnswerDay)))
    return days, answers


def seed(app: Any) -> dict[str, int]:
    """Counter survey kept 183 days (default), page survey 30: old and recent on each."""
    with session_scope(app.state.engine) as session:
        page = session.get(Survey, app.state.ids["page"])
        assert page is not None
        page.retention_days = 30
    return {
        "counter_old": add(app, "counter", 200, "Old counter comment", satisfaction=2),
        "counter_new": add(app, "counter", 100, "Recent counter comment", satisfaction=5),
        "page_old": add(app, "page", 31, "Old page comment", found=False),
        "page_new": add(app, "page", 29, "Recent page comment", found=True),
    }


def test_purge_deletes_only_comments_past_the_period(app: Any) -> None:
    seed(app)
    with session_scope(app.state.engine) as session:
        before = aggregates(session)
        responses_before = len(list(session.exec(select(Response.id))))
        scores_before = len(list(session.exec(SCORES)))
    # A dry run counts and changes nothing.
    with session_scope(app.state.engine) as session:
        dry = retention.purge(session, now=NOW, dry_run=True)
    assert dry.comments == {app.state.ids["counter"]: 1, app.state.ids["page"]: 1}
    assert len(texts(app)) == 4
    with session_scope(app.state.engine) as session:
        done = retention.purge(session, now=NOW)
    assert done.comments == dry.comments and done.total == 2
    assert texts(app) == ["Recent counter comment", "Recent page comment"]
    with session_scope(app.state.engine) as session:
        # Scores, choices, responses and every daily count are untouched...
        assert aggregates(session) == before
        assert len(list(session.exec(select(Response.id)))) == responses_before
        assert len(list(session.exec(SCORES))) == scores_before
        # ...and rebuilding the counts from the rows left gives the same (text is never counted).
        rollups.rebuild(session)
    with session_scope(app.state.engine) as session:
        assert aggregates(session) == before
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "retention.purge"))
        assert entry.username == "system"
        assert entry.detail == {"deleted": dry.comments, "webhook_messages": 0}
    # Nothing more to do the second time.
    with session_scope(app.state.engine) as session:
        assert retention.purge(session, now=NOW).total == 0


def test_purge_deletes_webhook_messages_past_the_period_or_finished_long_ago(app: Any) -> None:
    with session_scope(app.state.engine) as session:
        for service in ("licences", "parks"):
            session.add(
                Webhook(service_id=service, url="https://h.example/", secret="s", created_by="t")
            )
    ids = seed(app)
    with session_scope(app.state.engine) as session:
        rows = list(session.exec(select(WebhookDelivery)))
        by_response = {int(r.payload["response"]["id"]): r for r in rows}
        assert len(rows) == 4 and set(by_response) == set(ids.values())
        for row in rows:
            row.created_at = NOW - timedelta(days=40)  # pending: kept while its response is
        # Finished messages go after 30 days whatever their survey's period.
        by_response[ids["counter_new"]].status = "sent"
        by_response[ids["page_new"]].status = "failed"
        by_response[ids["page_new"]].created_at = NOW - timedelta(days=29)
        keep = {by_response[ids["page_new"]].id}
    with session_scope(app.state.engine) as session:
        dry = retention.purge(session, now=NOW, dry_run=True)
    assert dry.deliveries == 3
    with session_scope(app.state.engine) as session:
        assert len(list(session.exec(select(WebhookDelivery)))) == 4
        done = retention.purge(session, now=NOW)
    assert done.deliveries == 3
    with session_scope(app.state.engine) as session:
        assert {r.id for r in session.exec(select(WebhookDelivery))} == keep
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "retention.purge"))
        assert (entry.detail or {})["webhook_messages"] == 3
    with session_scope(app.state.engine) as session:
        assert retention.purge(session, now=NOW).deliveries == 0


def test_cli_purge_dry_run_then_purge(app: Any, database_url: str, capsys: Any) -> None:
    # Backdated from the real clock, since the command purges as of now.
    with session_scope(app.state.engine) as session:
        old = session.get(Response, add(app, "counter", 0, "Too old", satisfaction=3))
        assert old is not None
        old.submitted_at = datetime.now(UTC) - timedelta(days=400)
    add(app, "counter", 0, "Today", satisfaction=4)
    counter = app.state.ids["counter"]
    assert main(["purge", "--dry-run", "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert f"{counter}: 1 comment would be deleted" in out
    assert "Total: 1 comment would be deleted." in out
    assert "Webhook messages: 0 would be deleted" in out
    assert sorted(texts(app)) == ["Today", "Too old"]
    assert main(["purge", "--database-url", database_url]) == 0
    assert "Total: 1 comment deleted." in capsys.readouterr().out
    assert texts(app) == ["Today"]
    with session_scope(app.state.engine) as session:
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "retention.purge"))
        assert entry.username == "cli"


def test_the_purge_job_runs_once_per_period_across_workers(app: Any) -> None:
    with session_scope(app.state.engine) as session:
        old = session.get(Response, add(app, "counter", 0, "Too old", satisfaction=3))
        assert old is not None
        old.submitted_at = datetime.now(UTC) - timedelta(days=400)
    job = jobs.Job("retention.purge", 86400, retention.run)
    assert jobs.run_if_due(app.state.engine, job) == (
        "1 comments deleted from 1 surveys, 0 webhook messages deleted"
    )
    # Another worker (or this one, a tick later) finds it already done for the day.
    assert jobs.run_if_due(app.state.engine, job) is None
    assert texts(app) == []


def test_server_schedules_the_purge_and_the_counter_cleanup() -> None:
    from feedback.app import background_jobs

    from conftest import make_settings

    names = {j.name: j.every for j in background_jobs(make_settings("sqlite://"))}
    assert names["retention.purge"] == 86400 and names["limits.forget_expired"] == 3600
    off = make_settings("sqlite://", retention_interval=0, alert_check_interval=0)
    assert "retention.purge" not in [j.name for j in background_jobs(off)]

"""Shared rate counters, daily salts, the audit log and database-held job schedules."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from feedback.core import jobs, limits, schema
from feedback.core.db import make_engine
from feedback.core.models import AppSecret, AuditEntry, RateCounter, ScheduledJob
from feedback.staff import audit

NOON = datetime(2026, 11, 23, 12, 0, 30, tzinfo=UTC)


def _engine(url: str) -> Engine:
    engine = make_engine(url)
    schema.upgrade(engine)
    return engine


def test_hits_are_counted_per_window_and_refused_past_the_limit(database_url: str) -> None:
    engine = _engine(database_url)
    verdicts = []
    for _ in range(4):
        with Session(engine) as session:
            verdicts.append(limits.hit(session, "k", limit=3, window=60, now=NOON))
            session.commit()
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 30  # the window ends at 12:01:00
    with Session(engine) as session:
        later = limits.hit(session, "k", limit=3, window=60, now=NOON + timedelta(seconds=30))
        assert later.allowed and later.count == 1  # a new window
        # A rolled-back hit is not counted.
        session.rollback()
        assert limits.peek(session, "k", window=60, now=NOON + timedelta(seconds=30)) == 0
    engine.dispose()


def test_concurrent_hits_are_all_counted(database_url: str) -> None:
    engine = _engine(database_url)

    def hit_many() -> None:
        for _ in range(25):
            with Session(engine) as session:
                limits.hit(session, "busy", limit=1000, window=3600, now=NOON)
                session.commit()

    threads = [threading.Thread(target=hit_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Session(engine) as session:
        assert limits.peek(session, "busy", window=3600, now=NOON) == 100
    engine.dispose()


def test_salts_change_daily_and_are_forgotten_after_two_days(database_url: str) -> None:
    engine = _engine(database_url)
    with Session(engine) as session:
        today = limits.client_key(session, "203.0.113.9", now=NOON)
        assert today == limits.client_key(session, "203.0.113.9", now=NOON)
        assert "203.0.113.9" not in today
        tomorrow = limits.client_key(session, "203.0.113.9", now=NOON + timedelta(days=1))
        assert tomorrow != today
        limits.hit(session, "old", limit=1, window=60, now=NOON)
        session.commit()
        limits.forget_expired(session, now=NOON + timedelta(days=2))
        session.commit()
        names = set(session.exec(select(AppSecret.name)))
        assert "ip_salt:2026-11-23" not in names and "ip_salt:2026-11-24" in names
        assert session.exec(select(RateCounter)).all() == []
    engine.dispose()


def test_a_job_runs_once_per_period_across_workers(database_url: str) -> None:
    engine = _engine(database_url)
    runs: list[int] = []
    job = jobs.Job(name="count", every=3600, run=lambda e: str(runs.append(1) or len(runs)))
    results = []

    def worker() -> None:
        results.append(jobs.run_if_due(engine, job))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(runs) == 1 and results.count("1") == 1
    assert jobs.run_if_due(engine, job) is None  # not due again for an hour
    with Session(engine) as session:
        row = session.get(ScheduledJob, "count")
        assert row is not None and row.locked_until is None and row.last_result == "1"
    engine.dispose()


def test_a_failing_job_is_released_and_logged(database_url: str) -> None:
    engine = _engine(database_url)

    def boom(e: Engine) -> str:
        raise RuntimeError("no")

    assert jobs.run_if_due(engine, jobs.Job(name="boom", every=1, run=boom)) == (
        "failed: RuntimeError"
    )
    with Session(engine) as session:
        row = session.get(ScheduledJob, "boom")
        assert row is not None and row.locked_until is None
    engine.dispose()


def test_audit_entries_are_kept_with_the_action(database_url: str) -> None:
    engine = _engine(database_url)
    with Session(engine) as session:
        audit.record(session, "cli", "survey.publish", "survey:abc", status="live")
        session.commit()
        audit.record(session, "cli", "survey.delete", "survey:abc")
        session.rollback()  # the action failed: no entry
        entries = audit.recent(session)
        assert [(e.action, e.detail) for e in entries] == [("survey.publish", {"status": "live"})]
        assert session.exec(select(AuditEntry)).one().username == "cli"
    engine.dispose()


def test_only_the_holder_releases_a_job(database_url: str) -> None:
    engine = _engine(database_url)
    job = jobs.Job(name="slow", every=60, run=lambda e: "done", lease=1)
    assert jobs.claim(engine, job, now=NOON)
    # The lease ran out and another worker took the job while this one was still busy.
    with Session(engine) as session:
        row = session.get(ScheduledJob, "slow")
        assert row is not None
        row.locked_by, row.locked_until = "other:1", NOON + timedelta(minutes=10)
        session.add(row)
        session.commit()
    jobs.finish(engine, job, "late", now=NOON + timedelta(seconds=5))
    with Session(engine) as session:
        row = session.get(ScheduledJob, "slow")
        assert row is not None and row.locked_by == "other:1" and row.last_result is None
    engine.dispose()

"""Periodic jobs (purge, webhook delivery, alerts) that run once per period across workers.

Each job's next run and its lease live in the `scheduled_job` table. A worker takes a job
by moving its lease forward in one conditional UPDATE; the others see the lease and skip.
A worker killed mid-job only delays the job until its lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col

from feedback.core.models import ScheduledJob

log = logging.getLogger("feedback.jobs")
WORKER = f"{socket.gethostname()}:{os.getpid()}"[:80]


@dataclass(frozen=True)
class Job:
    """A named task run every `every` seconds; `run` returns a short summary for the log."""

    name: str
    every: float
    run: Callable[[Engine], str]
    lease: float = 600.0  # longest the job may take before another worker may retry it


def claim(engine: Engine, job: Job, now: datetime | None = None) -> bool:
    """Take the job if it is due and nobody holds it; True when this worker now holds it."""
    now = now or datetime.now(UTC)
    with Session(engine) as session:
        if session.get(ScheduledJob, job.name) is None:
            session.add(ScheduledJob(name=job.name, next_run_at=now))
            try:
                session.commit()
            except Exception:
                session.rollback()  # another worker created it first
        taken = (
            session.connection()
            .execute(
                update(ScheduledJob)
                .where(col(ScheduledJob.name) == job.name, col(ScheduledJob.next_run_at) <= now)
                .where(
                    or_(
                        col(ScheduledJob.locked_until).is_(None),
                        col(ScheduledJob.locked_until) < now,
                    )
                )
                .values(locked_until=now + timedelta(seconds=job.lease), locked_by=WORKER)
            )
            .rowcount
        )
        session.commit()
    return bool(taken)


def finish(engine: Engine, job: Job, result: str, now: datetime | None = None) -> None:
    """Release the job and set its next run one period from now."""
    now = now or datetime.now(UTC)
    with Session(engine) as session:
        session.execute(
            update(ScheduledJob)
            # Only the holder releases: a job that outran its lease must not free the next run's.
            .where(col(ScheduledJob.name) == job.name, col(ScheduledJob.locked_by) == WORKER)
            .values(
                next_run_at=now + timedelta(seconds=job.every),
                locked_until=None,
                locked_by=None,
                last_result=result[:300],
            )
        )
        session.commit()


def run_if_due(engine: Engine, job: Job) -> str | None:
    """Run the job once if it is due and free; its summary, or None when skipped."""
    if not claim(engine, job):
        return None
    try:
        result = job.run(engine)
    except Exception as error:
        log.exception("job %s failed", job.name)
        result = f"failed: {type(error).__name__}"
    finish(engine, job, result)
    return result


async def schedule(engine: Engine, jobs: list[Job], tick: float = 30.0) -> None:
    """Look for due jobs every `tick` seconds for as long as the server runs."""
    while True:
        # Jitter, so workers started together do not all ask at once.
        await asyncio.sleep(tick * random.uniform(0.8, 1.2))
        for job in jobs:
            try:
                result = await asyncio.to_thread(run_if_due, engine, job)
            except Exception:
                log.exception("could not schedule job %s", job.name)  # e.g. database away
                continue
            if result:
                log.info("job %s: %s", job.name, result)

"""People offered a survey, counted per survey, channel, touchpoint and local day.

A count carries no cookie and no identifier. Public counts (the widget seen, the hosted
page shown, a kiosk session started) are bounded per client, a salted daily hash of the
address (core.limits), so a script cannot inflate them; counts beyond the bound are dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from feedback.answers import intake
from feedback.answers.privacy import scrub
from feedback.core import limits
from feedback.core.local_time import local_day
from feedback.core.models import OpportunityBatch, OpportunityDay, Service, Survey, utcnow
from feedback.core.settings import Settings

WINDOW = 3600  # seconds of the per-client bound
COUNT_MAX = 1_000_000  # largest count one integrator item may add


def clean_touchpoint(value: Any) -> str:
    """A touchpoint as the aggregates key it: text, trimmed, storable; "" when none."""
    text = value.strip()[: intake.TOUCHPOINT_MAX] if isinstance(value, str) else ""
    # People type touchpoints (an agent's note, a link's parameter): scrubbed like answers.
    return scrub(text).text if text and intake.storable(text) else ""


def _zone(session: Session, survey: Survey) -> str:
    service = session.get(Service, survey.service_id)
    return service.time_zone if service else "UTC"


def add(
    session: Session,
    *,
    survey: Survey,
    channel: str,
    touchpoint: str = "",
    n: int = 1,
    at: datetime | None = None,
    day: date | None = None,
) -> None:
    """Add `n` people offered the survey on its service's local day of `at` (or on `day`)."""
    if n <= 0:
        return
    day = day or local_day(at or utcnow(), _zone(session, survey))
    row = {"survey_id": survey.id, "day": day, "channel": channel, "touchpoint": touchpoint, "n": n}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(OpportunityDay).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=["survey_id", "day", "channel", "touchpoint"],
        set_={"n": col(OpportunityDay.n) + stmt.excluded.n},
    )
    session.execute(stmt)


def public_limit(settings: Settings, kiosk: bool) -> int:
    """Counts one client may add to one survey per hour (tablets at a counter share an address)."""
    base = settings.opportunity_limit_per_hour
    return max(base, settings.kiosk_limit_per_minute * 10) if kiosk else base


def add_public(
    session: Session,
    *,
    survey: Survey,
    channel: str,
    touchpoint: str,
    ip: str | None,
    settings: Settings,
    kiosk: bool = False,
) -> bool:
    """Count one person offered the survey by a public page; False when the client's bound is
    reached (nothing counted). The channel is the survey's own, else nothing is counted."""
    if channel not in survey.channels:
        return False
    client = limits.client_key(session, ip)
    key = f"opp:{'kiosk:' if kiosk else ''}{survey.id}:{client}"
    verdict = limits.hit(session, key, limit=public_limit(settings, kiosk), window=WINDOW)
    if not verdict.allowed:
        return False
    add(session, survey=survey, channel=channel, touchpoint=clean_touchpoint(touchpoint))
    return True


@dataclass(frozen=True)
class Batch:
    """One integrator count: people offered `survey` on `channel` on a local day."""

    survey: Survey
    channel: str
    touchpoint: str
    day: date
    count: int
    key: str


def body_hash(item: Any) -> str:
    """A stable hash of an item's JSON, so a key reused for other numbers is told apart."""
    text = json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def add_batch(session: Session, *, token_id: int, batch: Batch, digest: str) -> int:
    """Add an integrator's count once per key: 201 added, 200 replayed, 409 key reused."""
    found = session.get(OpportunityBatch, (token_id, batch.key))
    if found is not None:
        return 200 if found.body_hash == digest else 409
    session.add(OpportunityBatch(token_id=token_id, key=batch.key, body_hash=digest))
    session.flush()
    add(
        session,
        survey=batch.survey,
        channel=batch.channel,
        touchpoint=batch.touchpoint,
        n=batch.count,
        day=batch.day,
    )
    return 201


def totals(
    session: Session,
    *,
    survey_ids: Iterable[str],
    since: date,
    until: date,
    channels: Iterable[str] = (),
    touchpoint: str | None = None,
) -> list[tuple[str, date, str, int]]:
    """(survey, day, channel, people offered) per day in [since, until]: O(days) rows."""
    ids = list(survey_ids)
    if not ids:
        return []
    stmt = (
        select(
            col(OpportunityDay.survey_id),
            col(OpportunityDay.day),
            col(OpportunityDay.channel),
            func.sum(OpportunityDay.n),
        )
        .where(col(OpportunityDay.survey_id).in_(ids))
        .where(col(OpportunityDay.day) >= since, col(OpportunityDay.day) <= until)
        .group_by(
            col(OpportunityDay.survey_id), col(OpportunityDay.day), col(OpportunityDay.channel)
        )
    )
    wanted = list(channels)
    if wanted:
        stmt = stmt.where(col(OpportunityDay.channel).in_(wanted))
    if touchpoint is not None:
        stmt = stmt.where(col(OpportunityDay.touchpoint) == touchpoint)
    out = []
    for survey_id, day, channel, n in session.execute(stmt):
        day = date.fromisoformat(day) if isinstance(day, str) else day
        out.append((str(survey_id), day, str(channel), int(n)))
    return out


def forget_batches(session: Session, *, before: datetime) -> int:
    """Delete integrator keys older than `before` (a retry comes within days, not months)."""
    result = session.connection().execute(
        delete(OpportunityBatch).where(col(OpportunityBatch.created_at) < before)
    )
    return int(result.rowcount or 0)


def add_assisted(
    session: Session, *, survey: Survey, channel: str, touchpoint: str, submission_id: str
) -> bool:
    """An agent offered the survey (answered or declined): counted once per submission id."""
    once = limits.hit(session, f"offer:{survey.id}:{submission_id}"[:200], limit=1, window=86400)
    if not once.allowed or channel not in survey.channels:
        return False
    add(session, survey=survey, channel=channel, touchpoint=clean_touchpoint(touchpoint))
    return True

"""Rate limits shared by every process: fixed-window counters kept in the database.

Citizens are told apart only by a salted hash of their IP address. The salt is a random
value per UTC day, kept in the database so all workers agree, and deleted after two days,
so a hash cannot be linked to an address once its day is over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from feedback.models import AppSecret, RateCounter
from feedback.privacy import ip_hash, new_salt

_SALT_PREFIX = "ip_salt:"


@dataclass(frozen=True)
class Verdict:
    """Whether one more hit is allowed, and if not, in how many seconds to try again."""

    allowed: bool
    count: int
    retry_after: int


def hit(
    session: Session, key: str, *, limit: int, window: int, now: datetime | None = None
) -> Verdict:
    """Count one hit of `key` in the current `window`-second window; allowed up to `limit`.

    One upsert in the caller's transaction: if the caller rolls back, the hit is not counted.
    """
    now = now or datetime.now(UTC)
    start = int(now.timestamp()) // window * window
    bucket = f"{key}@{start}"[:200]
    expires = datetime.fromtimestamp(start + window, UTC)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(RateCounter).values(bucket=bucket, count=1, expires_at=expires)
    stmt = stmt.on_conflict_do_update(  # type: ignore[assignment]
        index_elements=["bucket"], set_={"count": col(RateCounter.count) + 1}
    ).returning(col(RateCounter.count))
    count = int(session.execute(stmt).scalar_one())
    retry = max(1, math.ceil((expires - now).total_seconds()))
    return Verdict(allowed=count <= limit, count=count, retry_after=0 if count <= limit else retry)


def peek(session: Session, key: str, *, window: int, now: datetime | None = None) -> int:
    """How many hits `key` has in the current window, without counting one."""
    now = now or datetime.now(UTC)
    start = int(now.timestamp()) // window * window
    found = session.execute(
        select(col(RateCounter.count)).where(col(RateCounter.bucket) == f"{key}@{start}"[:200])
    ).scalar_one_or_none()
    return int(found or 0)


def forget_expired(session: Session, now: datetime | None = None) -> int:
    """Delete counters whose window is over and salts older than yesterday; returns rows gone."""
    now = now or datetime.now(UTC)
    conn = session.connection()
    gone = conn.execute(delete(RateCounter).where(col(RateCounter.expires_at) < now)).rowcount
    keep = {_salt_name(now.date()), _salt_name(now.date() - timedelta(days=1))}
    stale = session.execute(
        select(col(AppSecret.name)).where(col(AppSecret.name).like(f"{_SALT_PREFIX}%"))
    ).scalars()
    old = [name for name in stale if name not in keep]
    if old:
        gone += conn.execute(delete(AppSecret).where(col(AppSecret.name).in_(old))).rowcount
    return int(gone or 0)


def _salt_name(day: date) -> str:
    return f"{_SALT_PREFIX}{day.isoformat()}"


def client_key(session: Session, ip: str | None, now: datetime | None = None) -> str:
    """The salted hash that stands for this IP address today (never the address itself)."""
    now = now or datetime.now(UTC)
    name = _salt_name(now.date())
    row = session.get(AppSecret, name)
    if row is None:
        # Created by whichever process needs it first; a concurrent insert wins, we re-read.
        value = new_salt().hex()
        dialect = session.get_bind().dialect.name
        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(AppSecret)
        session.execute(ins.values(name=name, value=value, created_at=now).on_conflict_do_nothing())
        row = session.get(AppSecret, name)
        assert row is not None
    return ip_hash(ip or "unknown", bytes.fromhex(row.value))

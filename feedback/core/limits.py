"""Rate limits shared by every process: fixed-window counters kept in the database.

Citizens are told apart only by a salted hash of their IP address. The salt is a random
value per UTC day, kept in the database so all workers agree, and deleted after two days,
so a hash cannot be linked to an address once its day is over.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from feedback.core.client_keys import ip_hash, new_salt
from feedback.core.models import AppSecret, RateCounter

_SALT_PREFIX = "ip_salt:"


@dataclass(frozen=True)
class Verdict:
    """Whether one more hit is allowed, and if not, in how many seconds to try again."""

    allowed: bool
    count: int
    retry_after: int


def now() -> datetime:
    """The time every window is taken from (one clock, which tests can set)."""
    return datetime.now(UTC)


def _window(at: datetime | None, window: int) -> tuple[datetime, int, datetime]:
    """The moment (`at`, else now), the start of its window in epoch seconds, and its end."""
    at = at or now()
    start = int(at.timestamp()) // window * window
    return at, start, datetime.fromtimestamp(start + window, UTC)


def _bucket(key: str, start: int) -> str:
    return f"{key}@{start}"[:200]


# Built once per dialect, so that SQLAlchemy's compiled cache serves every submission.
_COUNT: dict[str, Any] = {}
_REFUND = (
    update(RateCounter)
    .where(col(RateCounter.bucket) == bindparam("b"))
    .values(count=col(RateCounter.count) - bindparam("n"))
)


def _count_stmt(dialect: str) -> Any:
    stmt = _COUNT.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(RateCounter)
        stmt = stmt.on_conflict_do_update(
            index_elements=["bucket"], set_={"count": col(RateCounter.count) + stmt.excluded.count}
        ).returning(col(RateCounter.bucket), col(RateCounter.count))
        _COUNT[dialect] = stmt
    return stmt


def count_many(
    session: Session, hits: Mapping[str, int], *, window: int, now: datetime | None = None
) -> tuple[dict[str, int], int]:
    """Add `hits[key]` hits to each key's counter in the current window, in one statement.

    Returns each key's count after adding, and the seconds until the window ends. In the
    caller's transaction: if it rolls back, nothing was counted.
    """
    now, start, expires = _window(now, window)
    if not hits:
        return {}, 0
    # In key order: concurrent batches then lock shared counters in the same order (no deadlock).
    rows = [
        {"bucket": _bucket(key, start), "count": hits[key], "expires_at": expires}
        for key in sorted(hits)
    ]
    stmt = _count_stmt(session.get_bind().dialect.name)
    counts = {bucket: int(n) for bucket, n in session.execute(stmt, rows).all()}
    retry = max(1, math.ceil((expires - now).total_seconds()))
    return {key: counts[_bucket(key, start)] for key in hits}, retry


def refund(
    session: Session, hits: Mapping[str, int], *, window: int, now: datetime | None = None
) -> None:
    """Take back hits that were counted for attempts then refused (they must not count)."""
    _, start, _ = _window(now, window)
    rows = [{"b": _bucket(key, start), "n": n} for key, n in hits.items() if n]
    if rows:
        session.connection().execute(_REFUND, rows)


def hit(
    session: Session, key: str, *, limit: int, window: int, now: datetime | None = None
) -> Verdict:
    """Count one hit of `key` in the current `window`-second window; allowed up to `limit`.

    One upsert in the caller's transaction: if the caller rolls back, the hit is not counted.
    """
    counts, retry = count_many(session, {key: 1}, window=window, now=now)
    count = counts[key]
    return Verdict(allowed=count <= limit, count=count, retry_after=0 if count <= limit else retry)


def peek(session: Session, key: str, *, window: int, now: datetime | None = None) -> int:
    """How many hits `key` has in the current window, without counting one."""
    _, start, _ = _window(now, window)
    found = session.execute(
        select(col(RateCounter.count)).where(col(RateCounter.bucket) == _bucket(key, start))
    ).scalar_one_or_none()
    return int(found or 0)


def forget_expired(session: Session, now: datetime | None = None) -> int:
    """Delete counters whose window is over and salts older than yesterday; returns rows gone."""
    now = now or datetime.now(UTC)
    conn = session.connection()
    gone = conn.execute(delete(RateCounter).where(col(RateCounter.expires_at) < now)).rowcount
    keep = _salts_kept(now.date())
    stale = session.execute(
        select(col(AppSecret.name)).where(col(AppSecret.name).like(f"{_SALT_PREFIX}%"))
    ).scalars()
    old = [name for name in stale if name not in keep]
    if old:
        gone += conn.execute(delete(AppSecret).where(col(AppSecret.name).in_(old))).rowcount
    _forget_salts(keep)
    return int(gone or 0)


def _salt_name(day: date) -> str:
    return f"{_SALT_PREFIX}{day.isoformat()}"


# A day's salt never changes once stored, so each process keeps the ones it has read (a few
# bytes a day, by database address); they are deleted from the database, and so can no
# longer be read by anyone new, after two days, and forgotten here by forget_expired.
_salts: dict[tuple[str, str], bytes] = {}


def cached_client_key(engine: Engine, ip: str | None, now: datetime | None = None) -> str | None:
    """`client_key` without the database, once this process has read today's salt; else None."""
    salt = _salts.get((str(engine.url), _salt_name((now or datetime.now(UTC)).date())))
    return ip_hash(ip or "unknown", salt) if salt is not None else None


def client_key(session: Session, ip: str | None, now: datetime | None = None) -> str:
    """The salted hash that stands for this IP address today (never the address itself)."""
    now = now or datetime.now(UTC)
    cached = cached_client_key(session.get_bind().engine, ip, now)
    if cached is not None:
        return cached
    name = _salt_name(now.date())
    row = session.get(AppSecret, name)
    committed = row is not None  # what another transaction stored and committed
    if row is None:
        # Created by whichever process needs it first; a concurrent insert wins, we re-read.
        value = new_salt().hex()
        dialect = session.get_bind().dialect.name
        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(AppSecret)
        session.execute(ins.values(name=name, value=value, created_at=now).on_conflict_do_nothing())
        row = session.get(AppSecret, name)
        assert row is not None
    salt = bytes.fromhex(row.value)
    if committed:
        # Only a committed salt: one this transaction inserted may yet be rolled back, and a
        # salt no other worker can read would give one visitor a hash per worker.
        _keep_salt(str(session.get_bind().engine.url), now.date(), salt)
    return ip_hash(ip or "unknown", salt)


def _keep_salt(url: str, day: date, salt: bytes) -> None:
    """Cache a day's salt; forget cached ones older than yesterday (every worker does this,
    since forget_expired, which deletes them from the database, runs in only one)."""
    _forget_salts(_salts_kept(day))
    _salts[(url, _salt_name(day))] = salt


def _salts_kept(day: date) -> set[str]:
    """The salts still in use on `day`: its own and yesterday's."""
    return {_salt_name(day), _salt_name(day - timedelta(days=1))}


def _forget_salts(keep: set[str]) -> None:
    # A snapshot of the keys: the jobs thread and the event loop may both get here.
    for cached in [k for k in list(_salts) if k[1] not in keep]:
        _salts.pop(cached, None)

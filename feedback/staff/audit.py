"""The audit log of staff actions: who did what to which thing, and when."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from feedback.core.models import AuditEntry, StaffUser


def record(
    session: Session,
    who: StaffUser | str,
    action: str,
    target: str = "",
    **detail: Any,
) -> AuditEntry:
    """Add an entry in the caller's transaction, so it is kept exactly when the action is.

    `who` is the staff user, or a label such as "cli" or "token:ivr" for other actors.
    `detail` must hold no secret and no citizen's text.
    """
    user_id = who.id if isinstance(who, StaffUser) else None
    username = who.username if isinstance(who, StaffUser) else who
    entry = AuditEntry(
        user_id=user_id,
        username=username[:80],
        action=action[:60],
        target=target[:200],
        detail=detail or None,
    )
    session.add(entry)
    return entry


def recent(session: Session, *, before_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """Newest entries first, a page at a time (`before_id` is the last id of the previous page)."""
    stmt = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(col(AuditEntry.id) < before_id)
    return list(session.exec(stmt))

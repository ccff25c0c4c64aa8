"""Closing the loop on a comment: its status, who has it, notes, acknowledging an urgent one.

Every change is written to the audit log by the caller's route (who, what, which comment);
notes are kept with their author and time and never edited.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from feedback.comments import index
from feedback.core.models import Comment, CommentNote, StaffUser, utcnow
from feedback.core.models.comments import STATUSES
from feedback.insight import comments as insight_comments
from feedback.staff import auth

NOTE_MAX = 2000


def get(session: Session, user: StaffUser, answer_id: int) -> Comment | None:
    """The comment if this person may see it; else None (shown as not found)."""
    comment = session.get(Comment, answer_id)
    if comment is None or not auth.can_see_service(user, comment.service_id):
        return None
    return comment


def notes(session: Session, answer_id: int) -> list[CommentNote]:
    """A comment's notes, oldest first."""
    stmt = select(CommentNote).where(col(CommentNote.answer_id) == answer_id)
    return list(session.scalars(stmt.order_by(col(CommentNote.id))))


def assignees(session: Session, service_id: str) -> list[str]:
    """Who may take a comment of this service: active staff who can edit it."""
    return sorted(
        u.username
        for u in auth.list_users(session)
        if u.active and u.role in ("admin", "manager") and auth.can_see_service(u, service_id)
    )


def update(
    session: Session, comment: Comment, *, status: str, assignee: str | None
) -> dict[str, object]:
    """Set status and assignee; what changed (for the audit log)."""
    if status not in STATUSES:
        raise ValueError("status")
    if assignee and assignee not in assignees(session, comment.service_id):
        raise ValueError("assignee")
    changed: dict[str, object] = {}
    if status != comment.status:
        changed["status"] = [comment.status, status]
        comment.status = status
    if (assignee or None) != comment.assignee:
        changed["assignee"] = [comment.assignee, assignee or None]
        comment.assignee = assignee or None
    session.add(comment)
    session.flush()
    return changed


def add_note(session: Session, comment: Comment, *, author: str, text: str) -> CommentNote:
    """A new note on the comment."""
    note = CommentNote(answer_id=comment.answer_id, author=author, text=text.strip()[:NOTE_MAX])
    session.add(note)
    session.flush()
    return note


def acknowledge(session: Session, comment: Comment, *, by: str) -> bool:
    """Mark an urgent comment as seen by someone; False if it was not open."""
    if not comment.urgent or comment.acknowledged_at is not None:
        return False
    comment.acknowledged_by = by
    comment.acknowledged_at = utcnow()
    session.add(comment)
    session.flush()
    return True


def hide(session: Session, *, answer_id: int, by: str) -> bool:
    """Hide an abusive comment (kept for audit) and take it out of the inbox and counts."""
    index.forget(session, [answer_id])
    return insight_comments.hide(session, answer_id=answer_id, by=by)

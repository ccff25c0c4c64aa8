"""Comments as things to act on: their search terms, themes, follow-up and aggregates.

A Comment row sits beside each free-text Answer (same id) and copies what the inbox filters
and sorts by, so the inbox reads one table and one index whatever survey the comment came
from. Deleting the answer deletes its comment, themes and notes (ON DELETE CASCADE).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DateTime, Index, LargeBinary, Text, text
from sqlmodel import Field, SQLModel

from feedback.core.models.base import json_field, utc_column
from feedback.core.models.responses import Answer

STATUSES = ("new", "in_progress", "done", "no_action")
# SQLite keeps the full-text index in an FTS5 table the models do not describe (the
# migration makes it); schema comparisons leave these names alone.
SEARCH_TABLE = "comment_fts"
SEARCH_INDEX = "ix_comment_terms"  # PostgreSQL: GIN over to_tsvector('simple', terms)


class Comment(SQLModel, table=True):
    """A comment's inbox row: where it came from, its search terms, where its follow-up is."""

    __table_args__ = (
        Index("ix_comment_time", "submitted_at", "answer_id"),
        Index("ix_comment_survey_time", "survey_id", "submitted_at", "answer_id"),
        Index("ix_comment_service_time", "service_id", "submitted_at", "answer_id"),
        Index("ix_comment_urgent", "urgent", "acknowledged_at"),
        Index("ix_comment_unclassified", "classified_at"),
    )

    answer_id: int = Field(primary_key=True, foreign_key="answer.id", ondelete="CASCADE")
    response_id: int = Field(foreign_key="response.id", ondelete="CASCADE")
    survey_id: str = Field(foreign_key="survey.id", max_length=16)
    service_id: str = Field(foreign_key="service.id", max_length=40)
    submitted_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    channel: str = Field(max_length=20)
    language: str = Field(max_length=8)
    touchpoint: str | None = Field(default=None, max_length=100)
    # The same response's headline answer, as given and as a share of its scale (0-100), so
    # that surveys on different scales can be filtered and compared together.
    score: float | None = None
    score_pct: float | None = None
    # The scrubbed text folded to accent-free stems in English and French (see comments.text):
    # what the full-text index holds.
    terms: str = Field(default="", sa_type=Text, nullable=False)
    status: str = Field(default="new", max_length=12)
    assignee: str | None = Field(default=None, max_length=80)
    urgent: bool = False
    urgent_reason: str | None = Field(default=None, max_length=80)
    acknowledged_by: str | None = Field(default=None, max_length=80)
    acknowledged_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    notified_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    classified_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    reviewed: bool = False  # staff have confirmed its themes (training examples)


class Theme(SQLModel, table=True):
    """A topic comments are about; `key` marks the built-in ones."""

    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(default=None, max_length=40, unique=True)
    name: dict[str, str] = json_field()
    created_at: datetime = utc_column()


class CommentTheme(SQLModel, table=True):
    """A theme on a comment, suggested by the classifier or set by staff."""

    __tablename__ = "comment_theme"
    __table_args__ = (Index("ix_comment_theme_theme", "theme_id", "answer_id"),)

    answer_id: int = Field(primary_key=True, foreign_key="comment.answer_id", ondelete="CASCADE")
    theme_id: int = Field(primary_key=True, foreign_key="theme.id", ondelete="CASCADE")
    source: str = Field(default="staff", max_length=10)  # staff | suggested
    confidence: float | None = None


class CommentNote(SQLModel, table=True):
    """A staff note on a comment's follow-up."""

    __tablename__ = "comment_note"

    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="comment.answer_id", index=True, ondelete="CASCADE")
    author: str = Field(max_length=80)
    text: str = Field(sa_type=Text)
    created_at: datetime = utc_column()


class CommentTermDay(SQLModel, table=True):
    """How many comments used each term, per survey, local day, channel and language."""

    __tablename__ = "comment_term_day"

    survey_id: str = Field(foreign_key="survey.id", primary_key=True, max_length=16)
    day: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=20)
    language: str = Field(primary_key=True, max_length=8)
    term: str = Field(primary_key=True, max_length=60)
    n: int = 0


class CommentThemeDay(SQLModel, table=True):
    """Comments per survey, local day, channel, language and theme (0: all comments), with the
    count, sum and sum of squares of their headline score (0-100) for score comparisons."""

    __tablename__ = "comment_theme_day"

    survey_id: str = Field(foreign_key="survey.id", primary_key=True, max_length=16)
    day: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=20)
    language: str = Field(primary_key=True, max_length=8)
    theme_id: int = Field(primary_key=True)
    n: int = 0
    scored: int = 0
    score_sum: float = 0.0
    score_sq: float = 0.0


class CommentTermMonth(SQLModel, table=True):
    """CommentTermDay summed over each local month (`month` is its first day): a period of
    whole months reads one row per term and month instead of one per day."""

    __tablename__ = "comment_term_month"

    survey_id: str = Field(foreign_key="survey.id", primary_key=True, max_length=16)
    month: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=20)
    language: str = Field(primary_key=True, max_length=8)
    term: str = Field(primary_key=True, max_length=60)
    n: int = 0


class CommentThemeMonth(SQLModel, table=True):
    """CommentThemeDay summed over each local month (`month` is its first day)."""

    __tablename__ = "comment_theme_month"

    survey_id: str = Field(foreign_key="survey.id", primary_key=True, max_length=16)
    month: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=20)
    language: str = Field(primary_key=True, max_length=8)
    theme_id: int = Field(primary_key=True)
    n: int = 0
    scored: int = 0
    score_sum: float = 0.0
    score_sq: float = 0.0


class ThemeModel(SQLModel, table=True):
    """The theme classifier last trained, kept in the database so every worker shares it."""

    __tablename__ = "theme_model"

    id: int | None = Field(default=None, primary_key=True)
    trained_at: datetime = utc_column()
    examples: int = 0
    labels: str = Field(default="", sa_type=Text)  # theme ids it predicts, space separated
    content: bytes = Field(sa_type=LargeBinary, nullable=False)


class ChangeEventCitation(SQLModel, table=True):
    """A theme or comment a change event cites as what led to it."""

    __tablename__ = "change_event_citation"
    __table_args__ = (Index("ix_change_event_citation_event", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="change_event.id", ondelete="CASCADE")
    theme_id: int | None = Field(default=None, foreign_key="theme.id", ondelete="CASCADE")
    answer_id: int | None = Field(default=None, foreign_key="comment.answer_id", ondelete="CASCADE")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: leave out the full-text tables and index (made by hand, not modelled)."""
    if type_ == "index" and name == SEARCH_INDEX:
        return False
    table = getattr(obj, "table", None)
    owner = getattr(table, "name", None) if type_ != "table" else name
    return not (owner or "").startswith(SEARCH_TABLE)


# Hidden comments are few: a partial index finds them without reading every answer (the
# comments page shows how many a survey has; a scan took a second at a million responses).
Index(
    "ix_answer_hidden",
    Answer.__table__.c.hidden,  # type: ignore[attr-defined]
    sqlite_where=text("hidden = 1"),
    postgresql_where=text("hidden"),
)

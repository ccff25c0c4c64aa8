"""Comments to act on: inbox rows, full-text search, themes, follow-up, urgent contacts.

SQLite keeps the search index in an FTS5 table fed by triggers on `comment`; PostgreSQL in
a GIN index over the same terms. The terms are folded in Python (comments.text) so that
both databases match the same comments.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

# The built-in themes as this revision made them (a copy: later renames are data).
# fmt: off
BUILT_IN = (
    ("waiting_time", "Waiting time", "Temps d'attente"),
    ("opening_hours", "Opening hours", "Heures d'ouverture"),
    ("staff_courtesy", "Staff courtesy", "Courtoisie du personnel"),
    ("staff_knowledge", "Staff knowledge", "Connaissances du personnel"),
    ("finding_information", "Finding information online", "Trouver l'information en ligne"),
    ("online_forms", "Online forms and technical problems",
     "Formulaires en ligne et problèmes techniques"),
    ("documents", "Documents and proof", "Documents et preuves"),
    ("language_of_service", "Language of service", "Langue de service"),
    ("accessibility", "Accessibility", "Accessibilité"),
    ("fees", "Fees", "Frais"),
    ("outcome", "The decision or outcome", "La décision ou le résultat"),
    ("phone_access", "Reaching someone by phone", "Joindre quelqu'un par téléphone"),
)
# fmt: on

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)
_S = AutoString


def upgrade() -> None:
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("urgent_email", _S(length=254), nullable=True))
        batch.add_column(sa.Column("urgent_webhook_url", _S(length=500), nullable=True))
    op.create_table(
        "comment",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", _S(length=16), nullable=False),
        sa.Column("service_id", _S(length=40), nullable=False),
        sa.Column("submitted_at", _TZ, nullable=False),
        sa.Column("channel", _S(length=20), nullable=False),
        sa.Column("language", _S(length=8), nullable=False),
        sa.Column("touchpoint", _S(length=100), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("score_pct", sa.Float(), nullable=True),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("status", _S(length=12), nullable=False),
        sa.Column("assignee", _S(length=80), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("urgent_reason", _S(length=80), nullable=True),
        sa.Column("acknowledged_by", _S(length=80), nullable=True),
        sa.Column("acknowledged_at", _TZ, nullable=True),
        sa.Column("notified_at", _TZ, nullable=True),
        sa.Column("classified_at", _TZ, nullable=True),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["answer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["response_id"], ["response.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"]),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"]),
        sa.PrimaryKeyConstraint("answer_id"),
    )
    op.create_index("ix_comment_time", "comment", ["submitted_at", "answer_id"])
    op.create_index("ix_comment_survey_time", "comment", ["survey_id", "submitted_at", "answer_id"])
    op.create_index(
        "ix_comment_service_time", "comment", ["service_id", "submitted_at", "answer_id"]
    )
    op.create_index("ix_comment_urgent", "comment", ["urgent", "acknowledged_at"])
    op.create_index("ix_comment_unclassified", "comment", ["classified_at"])
    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", _S(length=40), nullable=True),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "comment_theme",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("source", _S(length=10), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["answer_id"], ["comment.answer_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("answer_id", "theme_id"),
    )
    op.create_index("ix_comment_theme_theme", "comment_theme", ["theme_id", "answer_id"])
    op.create_table(
        "comment_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("author", _S(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["comment.answer_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_comment_note_answer_id", "comment_note", ["answer_id"])
    op.create_table(
        "comment_term_day",
        sa.Column("survey_id", _S(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", _S(length=20), nullable=False),
        sa.Column("language", _S(length=8), nullable=False),
        sa.Column("term", _S(length=60), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"]),
        sa.PrimaryKeyConstraint("survey_id", "day", "channel", "language", "term"),
    )
    op.create_table(
        "comment_theme_day",
        sa.Column("survey_id", _S(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", _S(length=20), nullable=False),
        sa.Column("language", _S(length=8), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.Column("score_sq", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"]),
        sa.PrimaryKeyConstraint("survey_id", "day", "channel", "language", "theme_id"),
    )
    op.create_table(
        "theme_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trained_at", _TZ, nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("labels", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "change_event_citation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["change_event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["answer_id"], ["comment.answer_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_change_event_citation_event", "change_event_citation", ["event_id"])
    _search_index()
    op.create_index(
        "ix_answer_hidden",
        "answer",
        ["hidden"],
        sqlite_where=sa.text("hidden = 1"),
        postgresql_where=sa.text("hidden"),
    )
    theme = sa.table(
        "theme",
        sa.column("key", sa.String),
        sa.column("name", sa.JSON),
        sa.column("created_at", _TZ),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        theme,
        [{"key": k, "name": {"en": en, "fr": fr}, "created_at": now} for k, en, fr in BUILT_IN],
    )


def _search_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # External content: the index reads `comment.terms` and stores only its own lists;
        # the triggers keep it in step on every insert, change and delete (a cascade from a
        # retention purge included), as SQLite's FTS5 manual describes.
        op.execute(
            "CREATE VIRTUAL TABLE comment_fts USING fts5(terms, content='comment', "
            "content_rowid='answer_id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER comment_fts_insert AFTER INSERT ON comment BEGIN "
            "INSERT INTO comment_fts(rowid, terms) VALUES (new.answer_id, new.terms); END"
        )
        op.execute(
            "CREATE TRIGGER comment_fts_delete AFTER DELETE ON comment BEGIN "
            "INSERT INTO comment_fts(comment_fts, rowid, terms) "
            "VALUES ('delete', old.answer_id, old.terms); END"
        )
        op.execute(
            "CREATE TRIGGER comment_fts_update AFTER UPDATE OF terms ON comment BEGIN "
            "INSERT INTO comment_fts(comment_fts, rowid, terms) "
            "VALUES ('delete', old.answer_id, old.terms); "
            "INSERT INTO comment_fts(rowid, terms) VALUES (new.answer_id, new.terms); END"
        )
    else:
        op.execute(
            "CREATE INDEX ix_comment_terms ON comment USING gin (to_tsvector('simple', terms))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS comment_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS comment_fts")
    op.drop_index("ix_answer_hidden", table_name="answer")
    for table in (
        "change_event_citation",
        "theme_model",
        "comment_theme_day",
        "comment_term_day",
        "comment_note",
        "comment_theme",
        "theme",
        "comment",
    ):
        op.drop_table(table)
    with op.batch_alter_table("service") as batch:
        batch.drop_column("urgent_webhook_url")
        batch.drop_column("urgent_email")

"""Reach: people offered a survey, interactions served, and invitations after an interaction.

No table here holds an identifier of a person except `Invitation.email`/`phone`, which are
deleted as soon as the last message to them is sent; the frequency rule and opt-outs keep
only a keyed hash of the normalised address.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from feedback.core.models.base import utc_column


class OpportunityDay(SQLModel, table=True):
    """People offered a survey per survey, local day, channel and touchpoint (no identifier)."""

    __tablename__ = "opportunity_day"

    survey_id: str = Field(foreign_key="survey.id", primary_key=True, max_length=16)
    day: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=20)
    touchpoint: str = Field(default="", primary_key=True, max_length=100)
    n: int = 0


class OpportunityBatch(SQLModel, table=True):
    """An integrator's count already added, by its key, so a retry adds nothing."""

    __tablename__ = "opportunity_batch"

    token_id: int = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=128)
    body_hash: str = Field(max_length=64)
    created_at: datetime = utc_column(index=True)


class InteractionCount(SQLModel, table=True):
    """Interactions a service served on a channel from `start` to `end` (inclusive, local)."""

    __tablename__ = "interaction_count"

    service_id: str = Field(foreign_key="service.id", primary_key=True, max_length=40)
    channel: str = Field(primary_key=True, max_length=20)
    start: date = Field(primary_key=True)
    end: date
    n: int = 0
    updated_at: datetime = utc_column()


class InvitationRule(SQLModel, table=True):
    """How a survey invites people after an interaction (absent: the defaults)."""

    __tablename__ = "invitation_rule"

    survey_id: str = Field(foreign_key="survey.id", primary_key=True, max_length=16)
    sample_percent: int = 100
    delay_minutes: int = 0
    frequency_days: int = 90
    quiet_start: int | None = 21  # local hour quiet hours start; None: no quiet hours
    quiet_end: int | None = 8
    reminder_days: int = 3  # 0: no reminder
    updated_at: datetime = utc_column()


class Invitation(SQLModel, table=True):
    """One invitation to answer; the address is emptied once its last message is sent."""

    __table_args__ = (
        Index("ix_invitation_status_due", "status", "due_at"),
        Index("ix_invitation_contact", "contact_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: str = Field(foreign_key="survey.id", index=True, max_length=16)
    token: str = Field(unique=True, max_length=32)
    medium: str = Field(max_length=8)  # email | sms
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=20)
    # Keyed hash of the address: unsubscribe and text replies find the invitation by it.
    contact_hash: str | None = Field(default=None, max_length=64)
    channel: str = Field(max_length=20)
    touchpoint: str | None = Field(default=None, max_length=100)
    language: str = Field(max_length=8)
    ended_at: datetime = Field(sa_type=DateTime(timezone=True))
    due_at: datetime = Field(sa_type=DateTime(timezone=True))
    # waiting (to send) | sent (a reminder may follow) | done | stopped | failed
    status: str = Field(default="waiting", max_length=10)
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    remind_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    response_id: int | None = None
    created_at: datetime = utc_column()


class ContactMark(SQLModel, table=True):
    """Someone invited by a service lately (keyed hash), forgotten when the window ends."""

    __tablename__ = "contact_mark"

    service_id: str = Field(primary_key=True, max_length=40)
    contact_hash: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)


class ContactOptOut(SQLModel, table=True):
    """Someone who asked a service to send no more invitations (keyed hash only)."""

    __tablename__ = "contact_opt_out"

    service_id: str = Field(primary_key=True, max_length=40)
    contact_hash: str = Field(primary_key=True, max_length=64)
    created_at: datetime = utc_column()

"""Services, surveys and their questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary
from sqlmodel import Field, SQLModel

from feedback.core.models.base import json_field, utc_column


class Service(SQLModel, table=True):
    """A public service (a program or office) that surveys belong to."""

    id: str = Field(primary_key=True, max_length=40)
    name: dict[str, str] = json_field()
    # Opt-in: aggregate scores and the changes made are shown on a public scorecard.
    public_scorecard: bool = False
    # IANA zone: every day, week, month and quarter shown or counted is local to it.
    time_zone: str = Field(default="UTC", max_length=64)
    created_at: datetime = utc_column()
    # What citizens see of who is asking: a colour (#rrggbb, 4.5:1 on white), the service's
    # own address per language, and a version of its logo (None: no logo) for cache-busting.
    accent_colour: str | None = Field(default=None, max_length=7)
    site_url: dict[str, str] | None = json_field(nullable=True)
    logo_version: str | None = Field(default=None, max_length=16)
    # Who hears at once of an urgent comment (threat, self-harm, danger): an address and a
    # webhook (signed like alert webhooks). None: nobody but the inbox.
    urgent_email: str | None = Field(default=None, max_length=254)
    urgent_webhook_url: str | None = Field(default=None, max_length=500)


class ServiceLogo(SQLModel, table=True):
    """A service's logo, apart from the service so that reading a service never loads it."""

    service_id: str = Field(primary_key=True, foreign_key="service.id", max_length=40)
    content_type: str = Field(max_length=20)  # image/png | image/jpeg
    content: bytes = Field(sa_type=LargeBinary, nullable=False)
    width: int
    height: int
    updated_at: datetime = utc_column()


class Survey(SQLModel, table=True):
    """A survey: its public id, languages, channels, origins and lifecycle."""

    id: str = Field(primary_key=True, max_length=16)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=40)
    template: str | None = Field(default=None, max_length=40)
    title: dict[str, str] = json_field()
    languages: list[str] = json_field()
    channels: list[str] = json_field()
    allowed_origins: list[str] = json_field()
    status: str = Field(default="draft", max_length=10)  # draft | live | closed
    retention_days: int = Field(default=183)  # comments are deleted after this many days
    # Submissions one client (a salted IP hash) may make to this survey per minute.
    client_limit_per_minute: int = Field(default=30)
    created_at: datetime = utc_column()
    # Texts whose translation may be stale since the other language changed: a list of
    # {"part": "title" | "<key>.text" | "<key>.hint" | "<key>.option.<id>", "language": code}.
    needs_review: list[dict[str, str]] | None = json_field(nullable=True)


class Question(SQLModel, table=True):
    """One question of a survey. `key` is its public id in the API and the widget."""

    id: int | None = Field(default=None, primary_key=True)
    survey_id: str = Field(foreign_key="survey.id", index=True, max_length=16)
    key: str = Field(max_length=40)
    position: int
    kind: str = Field(max_length=10)
    driver: str | None = Field(default=None, max_length=40)
    required: bool = False
    text: dict[str, str] = json_field()
    hint: dict[str, str] | None = json_field(nullable=True)
    options: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    scale: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    show_if: dict[str, Any] | None = json_field(nullable=True)
    max_length: int | None = None
    # A question that has answers is retired rather than edited, so old answers keep meaning;
    # its replacement keeps the key and takes the next version.
    retired: bool = False
    version: int = Field(default=1)

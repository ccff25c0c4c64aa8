"""SQLModel tables, one module per concern. Text a person reads is stored per language as a JSON
mapping. Import tables from here; each module registers its own on SQLModel.metadata."""

from feedback.core.models.base import utcnow
from feedback.core.models.comments import (
    ChangeEventCitation,
    Comment,
    CommentNote,
    CommentTermDay,
    CommentTermMonth,
    CommentTheme,
    CommentThemeDay,
    CommentThemeMonth,
    Theme,
    ThemeModel,
)
from feedback.core.models.insight import AlertSignal, AlertSubscription, ChangeEvent
from feedback.core.models.integrations import ApiToken, Webhook, WebhookDelivery
from feedback.core.models.kiosks import KioskDevice
from feedback.core.models.operations import RateCounter, ScheduledJob
from feedback.core.models.reach import (
    ContactMark,
    ContactOptOut,
    InteractionCount,
    Invitation,
    InvitationRule,
    OpportunityBatch,
    OpportunityDay,
)
from feedback.core.models.responses import (
    Answer,
    AnswerDay,
    AnswerPairDay,
    Response,
    ResponseDay,
    ResponseFacts,
)
from feedback.core.models.staff import AppSecret, AuditEntry, StaffSession, StaffUser
from feedback.core.models.surveys import Question, Service, ServiceLogo, Survey

__all__ = [
    "AlertSignal",
    "AlertSubscription",
    "Answer",
    "AnswerDay",
    "AnswerPairDay",
    "ApiToken",
    "AppSecret",
    "AuditEntry",
    "ChangeEvent",
    "ContactMark",
    "ContactOptOut",
    "InteractionCount",
    "Invitation",
    "InvitationRule",
    "KioskDevice",
    "OpportunityBatch",
    "OpportunityDay",
    "ChangeEventCitation",
    "Comment",
    "CommentNote",
    "CommentTermDay",
    "CommentTermMonth",
    "CommentTheme",
    "CommentThemeDay",
    "CommentThemeMonth",
    "Question",
    "RateCounter",
    "Response",
    "ResponseDay",
    "ResponseFacts",
    "ScheduledJob",
    "Service",
    "ServiceLogo",
    "StaffSession",
    "StaffUser",
    "Survey",
    "Theme",
    "ThemeModel",
    "Webhook",
    "WebhookDelivery",
    "utcnow",
]

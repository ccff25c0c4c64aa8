"""The OpenAPI description of reach's paths: counts of people offered, interactions served,
invitations, and the widget's "seen" count. Merged into openapi.document."""

from __future__ import annotations

from typing import Any

from feedback.core.catalog import CHANNELS
from feedback.integrations.openapi_schemas import _LANGUAGE, _obj, _ref

_CHANNEL = {"type": "string", "enum": list(CHANNELS)}
_DAY = {"type": "string", "format": "date"}
_ITEMS_MAX = 1000


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _many(item: str) -> dict[str, Any]:
    return {
        "oneOf": [
            _ref(item),
            _obj(["items"], {"items": {"type": "array", "items": _ref(item), "minItems": 1,
                                       "maxItems": _ITEMS_MAX}}),
        ]
    }  # fmt: skip


SCHEMAS: dict[str, Any] = {
    "Opportunities": _obj(
        ["survey", "channel", "day", "count", "key"],
        {
            "survey": {"type": "string"},
            "channel": _CHANNEL,
            "touchpoint": {"type": ["string", "null"], "maxLength": 100},
            "day": _DAY,
            "count": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
            "key": {
                "type": "string",
                "minLength": 1,
                "maxLength": 128,
                "description": "Makes the count idempotent: the same key adds nothing.",
            },
        },
    ),  # fmt: skip
    "Interactions": _obj(
        ["service", "channel", "start", "end", "count"],
        {
            "service": {"type": "string"},
            "channel": _CHANNEL,
            "start": _DAY,
            "end": _DAY,
            "count": {"type": "integer", "minimum": 0},
        },
    ),  # fmt: skip
    "Invitation": _obj(
        ["survey", "channel", "language", "ended_at"],
        {
            "survey": {"type": "string"},
            "email": {"type": ["string", "null"], "format": "email"},
            "phone": {"type": ["string", "null"], "description": "A mobile number, E.164."},
            "channel": _CHANNEL,
            "touchpoint": {"type": ["string", "null"], "maxLength": 100},
            "language": _LANGUAGE,
            "ended_at": {
                "type": "string",
                "format": "date-time",
                "description": "When the interaction ended (within 30 days).",
            },
        },
    ),  # fmt: skip
    "ItemResults": _obj(
        ["results"],
        {
            "results": {
                "type": "array",
                "items": _obj(
                    ["index", "status"],
                    {
                        "index": {"type": "integer"},
                        "status": {"type": "integer"},
                        "outcome": {
                            "type": "string",
                            "enum": ["queued", "not_sampled", "recently_invited", "unsubscribed"],
                        },
                        "error": {"type": "object"},
                    },
                ),
            },
            "created": {"type": "integer"},
            "replayed": {"type": "integer"},
            "queued": {"type": "integer"},
            "not_invited": {"type": "integer"},
            "failed": {"type": "integer"},
        },
    ),  # fmt: skip
}


def paths(errors: Any, lang: dict[str, Any], survey: dict[str, Any]) -> dict[str, Any]:
    """The reach paths, with the main document's error responses and parameters."""

    def bulk(summary: str, scope: str, item: str, description: str) -> dict[str, Any]:
        return {
            "post": {
                "summary": summary, "description": description,
                "security": [{"bearer": [scope]}], "parameters": [lang],
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": _many(item)}}},
                "responses": {"200": _json(_ref("ItemResults"), "A result per item"),
                              **errors(400, 401, 403, 413, 415, 422)},
            }
        }  # fmt: skip

    return {
        "/api/v1/surveys/{survey}/seen": {
            "parameters": [survey],
            "post": {
                "summary": "The widget was seen: one person offered the survey (no identifier)",
                "description": "Form fields `channel` and `touchpoint`. Always 204, counted or "
                "not: each address counts a bounded number per hour.",
                "security": [],
                "responses": {"204": {"description": "Received"}, **errors(403, 404)},
            },
        },
        "/api/v1/opportunities": bulk(
            "People offered a survey (IVR, call centre), per local day; idempotent by key",
            "ingest",
            "Opportunities",
            "Each item adds its count once: the same key again is a replay (200), the same "
            "key with other numbers a 409.",
        ),
        "/api/v1/interactions": bulk(
            "Interactions a service served per channel and period (replaces the same period)",
            "ingest",
            "Interactions",
            "Used to weight scores to each channel's share.",
        ),
        "/api/v1/invitations": bulk(
            "Invite people after an interaction, by email or text message",
            "invite",
            "Invitation",
            "Each item is queued (202), or not invited (200 with the outcome: not_sampled, "
            "recently_invited, unsubscribed), or refused with the fields to fix.",
        ),
    }

"""The OpenAPI 3.1 document of every /api/v1 path, built from the shapes the code returns.

One source of truth: the vocabularies (channels, languages, question kinds) and limits come
from the modules that enforce them, and a test checks real answers of every operation
against these schemas and every /api/v1 route against the paths listed here.
"""

from __future__ import annotations

from typing import Any

from feedback.answers import bulk, intake
from feedback.core.catalog import CHANNELS, KINDS, LANGUAGES

VERSION = "1.0.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: list[str], props: dict[str, Any], *, closed: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": props}
    if closed:
        schema["additionalProperties"] = False
    return schema


_TEXT = {"type": "object", "additionalProperties": {"type": "string"}}
_OPTION = _obj(["id", "label"], {"id": {"type": "string"}, "label": _ref("Text")})
_VALUE = {
    "description": "yes_no: true/false; rating5 1..5, nps 0..10, ces7 1..7; choice: an option "
    "id; multi: a list of option ids; text: a string.",
    "oneOf": [
        {"type": "boolean"},
        {"type": "integer"},
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}},
        {"type": "null"},
    ],
}
_ANSWERS = {
    "type": "object",
    "description": "Answers keyed by question id.",
    "additionalProperties": _ref("AnswerValue"),
}
_CHANNEL = {"type": "string", "enum": list(CHANNELS)}
_LANGUAGE = {"type": "string", "enum": list(LANGUAGES)}
_TOUCHPOINT = {"type": ["string", "null"], "maxLength": intake.TOUCHPOINT_MAX}
_KEY = {"type": "string", "minLength": 1, "maxLength": intake.IDEMPOTENCY_KEY_MAX}
# The widget asks for a preview so people see what would be removed before it is stored.
_PREVIEW = {
    "type": "boolean",
    "default": False,
    "description": "If a comment holds personal information, store nothing and answer 422 "
    "personal_information with the scrubbed comments in `fields`; send them again to store.",
}

SCHEMAS: dict[str, Any] = {
    "Text": _TEXT | {"description": 'Text per language, such as {"en": ..., "fr": ...}.'},
    "Option": _OPTION,
    "AnswerValue": _VALUE,
    "Error": _obj(
        ["error"],
        {
            "error": _obj(
                ["code", "message"],
                {
                    "code": {"type": "string"},
                    "message": {"type": "string", "description": "In the request's language."},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    "removed": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "personal_information (a preview): the kinds found; "
                        "`fields` holds each comment as it would be stored.",
                    },
                },
            )
        },
    ),
    "Question": _obj(
        ["id", "kind", "required", "driver", "text", "options", "show_if"],
        {
            "id": {"type": "string"},
            "kind": {"type": "string", "enum": list(KINDS)},
            "required": {"type": "boolean"},
            "driver": {"type": ["string", "null"]},
            "text": _ref("Text"),
            "hint": {"oneOf": [_ref("Text"), {"type": "null"}]},
            "max_length": {"type": ["integer", "null"]},
            "options": {"type": "array", "items": _ref("Option")},
            "scale": {"type": "array", "items": _ref("Option")},
            "show_if": {
                "oneOf": [
                    {"type": "null"},
                    _obj(
                        ["question", "values"],
                        {"question": {"type": "string"}, "values": {"type": "array"}},
                    ),
                ]
            },
        },
    ),
    "SurveyDefinition": _obj(
        ["id", "languages", "title", "questions"],
        {
            "id": {"type": "string"},
            "languages": {"type": "array", "items": _LANGUAGE},
            "title": _ref("Text"),
            "channels": {"type": "array", "items": _CHANNEL},
            "questions": {"type": "array", "items": _ref("Question")},
        },
    ),
    "Submission": _obj(
        ["channel", "language", "answers"],
        {
            "channel": _CHANNEL,
            "language": _LANGUAGE,
            "touchpoint": _TOUCHPOINT,
            "answers": _ANSWERS,
            "partial": {"type": "boolean", "description": "More answers will follow (PATCH)."},
            "preview": _PREVIEW,
        },
        closed=False,
    ),
    "Amendment": _obj(
        ["answers", "amend_token"],
        {
            "answers": _ANSWERS,
            "amend_token": {"type": "string"},
            "language": _LANGUAGE,
            "partial": {"type": "boolean"},
            "preview": _PREVIEW,
        },
        closed=False,
    ),
    "Stored": _obj(
        ["id", "survey", "removed", "amend_token"],
        {
            "id": {"type": "string"},
            "survey": {"type": "string"},
            "removed": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Kinds of personal information removed from comments.",
            },
            "amend_token": {"type": "string", "description": "Lets PATCH add answers for 2 h."},
        },
    ),
    "BulkItem": _obj(
        ["survey", "idempotency_key", "channel", "language", "answers"],
        {
            "survey": {"type": "string"},
            "idempotency_key": _KEY
            | {"description": "Unique per survey: the same key again stores nothing new."},
            "channel": _CHANNEL,
            "language": _LANGUAGE,
            "touchpoint": _TOUCHPOINT,
            "submitted_at": {
                "type": "string",
                "format": "date-time",
                "description": "When the person answered (UTC if no offset); not in the future.",
            },
            "assisted": {
                "type": "boolean",
                "description": "A person helped; by default, true on assisted channels.",
            },
            "answers": _ANSWERS,
        },
        closed=False,
    ),
    "BulkRequest": _obj(
        ["items"],
        {
            "items": {
                "type": "array",
                "minItems": 1,
                "maxItems": bulk.MAX_ITEMS,
                "items": _ref("BulkItem"),
            }
        },
    ),
    "BulkResult": _obj(
        ["index", "status"],
        {
            "index": {"type": "integer", "minimum": 0},
            "status": {
                "type": "integer",
                "description": "201 stored, 200 already stored with this key, else an error.",
            },
            "id": {"type": "string"},
            "error": {"$ref": "#/components/schemas/Error/properties/error"},
        },
    ),
    "BulkResponse": _obj(
        ["results", "created", "replayed", "failed"],
        {
            "results": {"type": "array", "items": _ref("BulkResult")},
            "created": {"type": "integer"},
            "replayed": {"type": "integer"},
            "failed": {"type": "integer"},
        },
    ),
    "Response": _obj(
        [
            "id",
            "survey",
            "submitted_at",
            "channel",
            "language",
            "touchpoint",
            "assisted",
            "answers",
        ],
        {
            "id": {"type": "string"},
            "survey": {"type": "string"},
            "submitted_at": {"type": "string", "format": "date-time"},
            "channel": _CHANNEL,
            "language": _LANGUAGE,
            "touchpoint": _TOUCHPOINT,
            "assisted": {"type": "boolean"},
            "answers": _ANSWERS,
        },
    ),
    "ResponsePage": _obj(
        ["items", "next"],
        {
            "items": {"type": "array", "items": _ref("Response")},
            "next": {
                "type": ["string", "null"],
                "description": "Pass as `after` for the next page; null on the last page.",
            },
        },
    ),
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {
        400: "Not JSON, or a bad Idempotency-Key",
        401: "No valid API token",
        403: "Not allowed: origin, token scope or service",
        404: "No such survey",
        410: "The survey is closed",
        413: "Too large",
        415: "Not sent as application/json",
        422: "Invalid, with a message per field",
        429: "Too many submissions; see Retry-After",
    }
    return {str(s): _json(_ref("Error"), words[s]) for s in statuses}


_SURVEY = {"name": "survey", "in": "path", "required": True, "schema": {"type": "string"}}
_LANG = {
    "name": "lang",
    "in": "query",
    "required": False,
    "schema": _LANGUAGE,
    "description": "Language of messages (else Accept-Language).",
}
_PREFLIGHT = {
    "summary": "CORS preflight: may the host page's origin call this?",
    "security": [],
    "responses": {"204": {"description": "Allowed"}, **_errors(403)},
}


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/surveys/{survey}": {
            "parameters": [_SURVEY],
            "get": {
                "summary": "A survey's definition, as the widget draws it",
                "security": [],
                "parameters": [_LANG],
                "responses": {
                    "200": _json(_ref("SurveyDefinition"), "The survey"),
                    **_errors(403, 404, 410),
                },
            },
            "options": _PREFLIGHT,
        },
        "/api/v1/surveys/{survey}/responses": {
            "parameters": [_SURVEY],
            "post": {
                "summary": "Store one person's answers (widget, app)",
                "security": [],
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": _KEY,
                        "description": "The same key again returns 200 and the first id.",
                    },
                    _LANG,
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Submission")}},
                },
                "responses": {
                    "201": _json(_ref("Stored"), "Stored"),
                    "200": _json(_ref("Stored"), "Already stored with this key"),
                    **_errors(400, 403, 404, 410, 413, 415, 422, 429),
                },
            },
            "get": {
                "summary": "Read a survey's responses in time order, a page at a time",
                "security": [{"bearer": ["read"]}],
                "parameters": [
                    {"name": "after", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                    },
                    {
                        "name": "since",
                        "in": "query",
                        "schema": {"type": "string", "format": "date"},
                    },
                    {
                        "name": "until",
                        "in": "query",
                        "schema": {"type": "string", "format": "date"},
                    },
                    _LANG,
                ],
                "responses": {
                    "200": _json(_ref("ResponsePage"), "A page of responses"),
                    **_errors(401, 403, 404, 422),
                },
            },
            "options": _PREFLIGHT,
        },
        "/api/v1/surveys/{survey}/responses/{id}": {
            "parameters": [
                _SURVEY,
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "patch": {
                "summary": "Add follow-up answers to a response the first answer created",
                "security": [],
                "parameters": [_LANG],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Amendment")}},
                },
                "responses": {
                    "200": _json(_ref("Stored"), "Amended"),
                    **_errors(400, 403, 404, 410, 413, 415, 422),
                },
            },
            "options": _PREFLIGHT,
        },
        "/api/v1/responses": {
            "post": {
                "summary": "Bulk ingest: up to 1,000 responses from any system, one result each",
                "description": "Each item goes through the same checks as one answer. The "
                "request answers 200 with a status per item (201, 200 or an error); "
                "replaying an item with the same survey and key stores nothing new.",
                "security": [{"bearer": ["ingest"]}],
                "parameters": [_LANG],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("BulkRequest")}},
                },
                "responses": {
                    "200": _json(_ref("BulkResponse"), "A result per item"),
                    **_errors(400, 401, 403, 413, 415, 422),
                },
            },
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document")},
            }
        },
    }


def document(base_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document, with this server's URL."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Feedback collector API",
            "version": VERSION,
            "description": "Public survey endpoints (no login, CORS per survey) and token "
            "endpoints for integrators (Authorization: Bearer <token>). Errors share one "
            'shape: {"error": {"code", "message", "fields"?}}.',
        },
        "servers": [{"url": base_url}],
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token with the scope `ingest` or `read`, "
                    "created under /admin/tokens or with `feedback tokens add`.",
                }
            },
        },
    }

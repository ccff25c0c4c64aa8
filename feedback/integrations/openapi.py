"""The OpenAPI 3.1 document: every /api/v1 path, over the shapes in openapi_schemas.

One source of truth: the vocabularies (channels, languages, question kinds) and limits come
from the modules that enforce them, and a test checks real answers of every operation
against these schemas and every /api/v1 route against the paths listed here.
"""

from __future__ import annotations

from typing import Any

from feedback.integrations import openapi_reach
from feedback.integrations.openapi_schemas import _KEY, _LANGUAGE, SCHEMAS, _ref

VERSION = "1.0.0"


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
        422: "Invalid, with a message per field; or idempotency_mismatch: the key was "
        "already used with another body",
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
                        "description": "The same key with the same body again returns 200 "
                        "and the first id (no amend token); with another body, 422 "
                        "idempotency_mismatch.",
                    },
                    _LANG,
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Submission")}},
                },
                "responses": {
                    "201": _json(_ref("Stored"), "Stored"),
                    "200": _json(_ref("Stored"), "Already stored with this key and body"),
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
        "/api/v1/docs": {
            "get": {
                "summary": "This document as a readable web page (HTML), in English and French",
                "security": [],
                "parameters": [_LANG],
                "responses": {"200": {"description": "The API reference page (text/html)"}},
            }
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
        "paths": {**_paths(), **openapi_reach.paths(_errors, _LANG, _SURVEY)},
        "components": {
            "schemas": {**SCHEMAS, **openapi_reach.SCHEMAS},
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

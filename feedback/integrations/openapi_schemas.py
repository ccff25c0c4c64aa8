"""The API's JSON shapes (OpenAPI components), from the vocabularies and limits in force."""

from __future__ import annotations

from typing import Any

from feedback.answers import bulk, intake
from feedback.core.catalog import CHANNELS, KINDS, LANGUAGES


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
# The widget's strings: `language` is the language's own name, `of` goes between a step's
# number and the number of steps ("2 of 3").
_WIDGET_WORDS = (
    "language", "required", "next", "send", "of", "problem", "thanks",
    "tab", "close", "saved", "failed", "waiting",
)  # fmt: skip
_CHANNEL_MODE = {
    "type": "string",
    "enum": ["self_service", "assisted"],
    "description": "The channel's mode: whether the channel itself is served by a person.",
}
_ASSISTED = {
    "type": "boolean",
    "description": "A person entered these answers on someone's behalf (an agent, staff "
    "typing in a paper form).",
}
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
                    "link": {
                        **_obj(
                            ["href", "text"],
                            {"href": {"type": "string"}, "text": {"type": "string"}},
                        ),
                        "description": "origin_not_allowed on a survey's definition: the hosted "
                        "survey, for the widget to offer instead; `message` names the command "
                        "that allows the site.",
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
        ["id", "languages", "title", "service", "questions", "texts"],
        {
            "id": {"type": "string"},
            "languages": {"type": "array", "items": _LANGUAGE},
            "title": _ref("Text"),
            "channels": {"type": "array", "items": _CHANNEL},
            "service": {
                **_obj(["id", "name"], {"id": {"type": "string"}, "name": _ref("Text")}),
                "description": "Who is asking: the service's id and its name per language.",
            },
            "questions": {"type": "array", "items": _ref("Question")},
            "texts": {
                "type": "object",
                "propertyNames": _LANGUAGE,
                "additionalProperties": _ref("WidgetTexts"),
                "description": "The widget's own words in each of the survey's languages, from "
                "the hosted page's catalogue.",
            },
        },
    ),
    "WidgetTexts": _obj(
        [*_WIDGET_WORDS, "missing"],
        {
            **{key: {"type": "string"} for key in _WIDGET_WORDS},
            "missing": {
                **_obj(list(KINDS), {kind: {"type": "string"} for kind in KINDS}),
                "description": "By question kind: what goes before the text of a required "
                "question left empty (the hosted form's message).",
            },
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
        ["id", "survey", "removed"],
        {
            "id": {"type": "string"},
            "survey": {"type": "string"},
            "removed": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Kinds of personal information removed from comments.",
            },
            "amend_token": {
                "type": "string",
                "description": "Lets PATCH add answers for 2 h from the first store (a PATCH "
                "returns the same token; its window never grows). Never sent on a replay.",
            },
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
                "description": (
                    "A person entered these answers on someone's behalf (an agent, staff "
                    "typing in a paper form); false if not given. Not the channel's mode."
                ),
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
            "submitted_local",
            "channel",
            "channel_mode",
            "language",
            "touchpoint",
            "assisted",
            "answers",
        ],
        {
            "id": {"type": "string"},
            "survey": {"type": "string"},
            "submitted_at": {"type": "string", "format": "date-time", "description": "In UTC."},
            "submitted_local": {
                "type": "string",
                "format": "date-time",
                "description": "The same instant in the service's time zone, with its offset.",
            },
            "channel": _CHANNEL,
            "channel_mode": _CHANNEL_MODE,
            "language": _LANGUAGE,
            "touchpoint": _TOUCHPOINT,
            "assisted": _ASSISTED,
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

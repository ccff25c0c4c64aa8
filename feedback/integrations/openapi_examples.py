"""Example values for the API reference, built from the OpenAPI document's schemas: enums,
bounds and formats respected, with a few realistic values where a name alone would not read
like a real survey."""

from __future__ import annotations

from typing import Any

PREFIX = "#/components/schemas/"
# Example values that read like a real survey, keyed by property name.
_SAMPLES: dict[str, Any] = {
    "survey": "a11v2xx234",
    "id": "1042",
    "idempotency_key": "ivr-2026-12-01-0001",
    "touchpoint": "main-street-office",
    "submitted_at": "2026-12-01T14:30:00Z",
    "amend_token": "a11v2xx234.1042.aBcD…",
    "code": "invalid",
    "message": "Some answers need your attention.",
    "next": None,
    "driver": "satisfaction",
    "question": "trust",
}
# Where one property name means different things: (the schema or property holding it, name).
_IN_CONTEXT: dict[tuple[str, str], Any] = {
    ("SurveyDefinition", "id"): "a11v2xx234",
    ("Question", "id"): "satisfaction",
    ("Option", "id"): "very_satisfied",
    ("Option", "label"): {"en": "Very satisfied", "fr": "Très satisfait"},
    ("service", "id"): "licences",
    ("service", "name"): {"en": "Licence renewals", "fr": "Renouvellement de permis"},
    ("SurveyDefinition", "title"): {"en": "Your visit today", "fr": "Votre visite aujourd'hui"},
    ("Question", "hint"): None,
    ("Question", "kind"): "choice",
    ("Question", "required"): True,
    ("Question", "show_if"): None,
    ("Stored", "removed"): [],
    ("error", "removed"): None,
    ("error", "fields"): {"satisfaction": "Choose a number from 1 to 5."},
    ("BulkResult", "error"): None,
    ("BulkResponse", "replayed"): 0,
    ("BulkResponse", "failed"): 0,
}
_ANSWERS_SAMPLE = {"satisfaction": 5, "ease": 4, "comment": "Quick and friendly."}
_TEXT_SAMPLE = {"en": "How satisfied were you?", "fr": "Dans quelle mesure étiez-vous satisfait?"}


def ref_name(schema: dict[str, Any]) -> str | None:
    """The name of the document's schema that `schema` points to, if it is a reference."""
    ref = schema.get("$ref", "")
    return ref[len(PREFIX) :].split("/")[0] if ref.startswith(PREFIX) else None


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if not ref.startswith("#/"):
        return schema
    found: Any = doc
    for part in ref[2:].split("/"):
        found = found[part]
    return dict(found)


def example(
    doc: dict[str, Any],
    schema: dict[str, Any],
    name: str = "",
    depth: int = 0,
    parent: str = "",
) -> Any:
    """A plausible value for a schema: enums, formats and bounds respected."""
    ref = ref_name(schema)
    if (parent, name) in _IN_CONTEXT:
        return _IN_CONTEXT[(parent, name)]
    if ref == "Text":
        return _TEXT_SAMPLE
    if ref == "AnswerValue":
        return 5
    schema = _resolve(doc, schema)
    if depth > 6:
        return None
    if name in _SAMPLES and "enum" not in schema:
        return _SAMPLES[name]
    if "enum" in schema:
        return schema["enum"][0]
    if "oneOf" in schema:
        first: dict[str, Any] = next((s for s in schema["oneOf"] if s.get("type") != "null"), {})
        return example(doc, first, name, depth + 1, parent)
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and ref_name(extra) == "AnswerValue":
            return _ANSWERS_SAMPLE
        props = schema.get("properties", {})
        owner = ref or name
        found = {key: example(doc, sub, key, depth + 1, owner) for key, sub in props.items()}
        # An optional property that only appears in other cases (an error beside a success).
        required = set(schema.get("required", []))
        return {k: v for k, v in found.items() if v is not None or k in required}
    if kind == "array":
        items = schema.get("items", {})
        if "enum" in items:
            return items["enum"][:2]
        return [example(doc, items, name, depth + 1, parent)]
    if kind == "integer":
        return int(schema.get("minimum", 201 if name == "status" else 1))
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-12-01"
    if schema.get("format") == "date-time":
        return "2026-12-01T14:30:00Z"
    return name or "text"

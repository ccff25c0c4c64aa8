"""The readable API reference (/api/v1/docs), derived from the OpenAPI document.

Nothing here is written twice: every path, method, parameter, schema and status comes from
`openapi.document()`, so the reference cannot drift from the document the tests check.
Examples are built from the schemas (`openapi_examples`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from feedback.integrations import openapi
from feedback.integrations.openapi_examples import PREFIX, example, ref_name

METHODS = ("get", "post", "put", "patch", "delete", "options")


@dataclass(frozen=True)
class Field:
    """One property of a schema, or one parameter of an operation."""

    name: str
    where: str  # "path", "query", "header", or "" for a body property
    type: str
    ref: str | None  # the schema it points to, for a link
    required: bool
    description: str


@dataclass(frozen=True)
class Schema:
    """A named shape: its fields and an example."""

    name: str
    description: str
    fields: list[Field]
    example: str


@dataclass(frozen=True)
class Reply:
    """One documented status of an operation."""

    status: str
    description: str
    ref: str | None
    example: str


@dataclass
class Operation:
    """One method on one path, ready to render."""

    method: str
    path: str
    anchor: str
    summary: str
    description: str
    auth: str  # "none" or the token scopes needed, such as "ingest"
    parameters: list[Field] = field(default_factory=list)
    body_ref: str | None = None
    body_example: str = ""
    replies: list[Reply] = field(default_factory=list)


@dataclass(frozen=True)
class Reference:
    """The whole reference: API title, version, description, operations and schemas."""

    title: str
    version: str
    description: str
    server: str
    operations: list[Operation]
    schemas: list[Schema]


def type_of(schema: dict[str, Any]) -> str:
    """A short type label, such as "string (date-time)", "array of Option" or "1..1000"."""
    name = ref_name(schema)
    if name:
        return name
    if "oneOf" in schema:
        return " or ".join(type_of(s) for s in schema["oneOf"])
    kind = schema.get("type", "any")
    label = " or ".join(kind) if isinstance(kind, list) else str(kind)
    if kind == "array":
        label = f"array of {type_of(schema.get('items', {}))}"
    elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        label = f"object of {type_of(schema['additionalProperties'])}"
    if "enum" in schema:
        label += ": " + ", ".join(str(v) for v in schema["enum"])
    if "format" in schema:
        label += f" ({schema['format']})"
    bounds = [
        f"{word} {schema[key]}"
        for key, word in (
            ("minimum", "min"),
            ("maximum", "max"),
            ("minLength", "min length"),
            ("maxLength", "max length"),
            ("maxItems", "max items"),
        )
        if key in schema
    ]
    return label + (f", {', '.join(bounds)}" if bounds else "")


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _fields(schema: dict[str, Any], where: str = "") -> list[Field]:
    required = set(schema.get("required", []))
    return [
        Field(
            name=key,
            where=where,
            type=type_of(sub),
            ref=ref_name(sub) or ref_name(sub.get("items", {})),
            required=key in required,
            description=str(sub.get("description", "")),
        )
        for key, sub in schema.get("properties", {}).items()
    ]


def _parameter(raw: dict[str, Any]) -> Field:
    schema = raw.get("schema", {})
    return Field(
        name=raw["name"],
        where=raw["in"],
        type=type_of(schema),
        ref=ref_name(schema),
        required=bool(raw.get("required")),
        description=str(raw.get("description", "")),
    )


def _auth(operation: dict[str, Any]) -> str:
    needs = operation.get("security")
    if not needs:
        return "none"
    return ", ".join(scope for item in needs for scopes in item.values() for scope in scopes)


def _operation(doc: dict[str, Any], path: str, method: str, item: dict[str, Any]) -> Operation:
    raw = item[method]
    params = [_parameter(p) for p in [*item.get("parameters", []), *raw.get("parameters", [])]]
    body = raw.get("requestBody", {}).get("content", {}).get("application/json", {})
    body_schema = body.get("schema")
    replies = []
    for status, reply in sorted(raw.get("responses", {}).items()):
        schema = reply.get("content", {}).get("application/json", {}).get("schema")
        replies.append(
            Reply(
                status=status,
                description=str(reply.get("description", "")),
                ref=ref_name(schema) if schema else None,
                example=_pretty(example(doc, schema)) if schema and status < "300" else "",
            )
        )
    slug = path.strip("/").replace("/", "-").replace("{", "").replace("}", "")
    return Operation(
        method=method.upper(),
        path=path,
        anchor=f"{method}-{slug}",
        summary=str(raw.get("summary", "")),
        description=str(raw.get("description", "")),
        auth=_auth(raw),
        parameters=params,
        body_ref=ref_name(body_schema) if body_schema else None,
        body_example=_pretty(example(doc, body_schema)) if body_schema else "",
        replies=replies,
    )


def reference(base_url: str) -> Reference:
    """The reference of this server's API, from its OpenAPI document."""
    doc = openapi.document(base_url)
    operations = [
        _operation(doc, path, method, item)
        for path, item in doc["paths"].items()
        for method in METHODS
        if method in item
    ]
    schemas = [
        Schema(
            name=name,
            description=str(schema.get("description", "")),
            fields=_fields(schema),
            example=_pretty(example(doc, {"$ref": PREFIX + name})),
        )
        for name, schema in doc["components"]["schemas"].items()
    ]
    return Reference(
        title=doc["info"]["title"],
        version=doc["info"]["version"],
        description=doc["info"]["description"],
        server=doc["servers"][0]["url"],
        operations=operations,
        schemas=schemas,
    )

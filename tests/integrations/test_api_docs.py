"""The API reference page (/api/v1/docs): made from the OpenAPI document, no script."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from starlette.testclient import TestClient

from feedback.integrations import openapi, openapi_reference


def test_every_operation_and_schema_of_the_document_is_on_the_page(client: TestClient) -> None:
    page = client.get("/api/v1/docs?lang=en")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script" not in page.text and "style=" not in page.text
    text = html.unescape(page.text)
    doc = openapi.document("http://127.0.0.1:8000")
    for path, item in doc["paths"].items():
        for method in openapi_reference.METHODS:
            if method in item:
                assert f"{method.upper()}</span> <code>{path}</code>" in text, (method, path)
                for status in item[method]["responses"]:
                    assert f'<th scope="row">{status}</th>' in text
    for name in doc["components"]["schemas"]:
        assert f'id="schema-{name}"' in text
    # Every link inside the page lands on an anchor that exists.
    anchors = set(re.findall(r'id="([^"]+)"', page.text))
    for target in re.findall(r'href="#([^"]+)"', page.text):
        assert target in anchors, target


def test_examples_are_valid_json_and_follow_the_vocabularies() -> None:
    ref = openapi_reference.reference("https://feedback.example.ca")
    doc = openapi.document("https://feedback.example.ca")
    submission = next(
        op
        for op in ref.operations
        if op.method == "POST" and op.path.endswith("/responses") and op.body_ref == "Submission"
    )
    body: dict[str, Any] = json.loads(submission.body_example)
    assert (
        body["channel"]
        in doc["components"]["schemas"]["Submission"]["properties"]["channel"]["enum"]
    )
    assert body["language"] in ("en", "fr")
    for schema in ref.schemas:
        json.loads(schema.example)
    bulk = next(s for s in ref.schemas if s.name == "BulkRequest")
    assert json.loads(bulk.example)["items"][0]["submitted_at"].endswith("Z")


def test_the_introduction_is_in_french_and_the_reference_marked_english(
    client: TestClient,
) -> None:
    page = client.get("/api/v1/docs?lang=fr")
    assert '<html lang="fr">' in page.text
    assert "Comment utiliser l'API" in html.unescape(page.text)
    assert '<div lang="en" class="api-reference">' in page.text
    english = client.get("/api/v1/docs", headers={"accept-language": "en"})
    assert '<div class="api-reference">' in english.text
    assert 'lang="fr"' in english.text  # the language toggle names French in French

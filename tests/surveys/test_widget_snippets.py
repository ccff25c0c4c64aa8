"""What a publisher pastes (snippets.py) and the iframe mode's pages and headers, over real
HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from feedback.core.models import Survey
from feedback.surveys import snippets

BASE = "https://feedback.example.ca"


def test_snippets_for_each_mode() -> None:
    inline = snippets.snippet(BASE, "abc234", mode="inline", lang="fr", touchpoint='/a"b')
    assert inline.startswith(f'<script async src="{BASE}/embed.js" data-survey="abc234"')
    assert 'data-touchpoint="/a&quot;b"' in inline  # attribute values are escaped
    assert "<noscript><a href=" in inline and "lang=fr&amp;channel=web" in inline
    assert "Répondez à notre court sondage" in inline
    button = snippets.snippet(BASE, "abc234", mode="button")
    assert 'data-mode="button"' in button and "<noscript>" in button
    trigger = snippets.snippet(BASE, "abc234", mode="trigger", lang="en")
    assert trigger.startswith(f'<a id="feedback-button" href="{BASE}/s/abc234?lang=en')
    assert 'data-trigger="#feedback-button"' in trigger
    frame = snippets.snippet(BASE, "abc234", mode="iframe", lang="fr", channel="mobile_app")
    assert f'src="{BASE}/s/abc234?lang=fr&amp;channel=mobile_app&amp;embed=1"' in frame
    assert 'title="Répondez à notre court sondage"' in frame
    assert frame.endswith(f'<script async src="{BASE}/embed.js"></script>')
    assert snippets.hosted_url(BASE + "/", "abc234") == f"{BASE}/s/abc234"
    kiosk = snippets.hosted_url(BASE, "abc234", touchpoint="Desk 1", kiosk=True)
    assert kiosk == f"{BASE}/k/abc234?touchpoint=Desk+1"


def test_frame_ancestors_lists_only_well_formed_allowed_origins() -> None:
    survey = Survey(
        id="abc234",
        service_id="s",
        title={},
        languages=["en"],
        channels=["web"],
        allowed_origins=[
            "https://www.example.ca",
            "http://localhost:8080",
            "https://x; script-src *",
        ],
    )
    policy = snippets.frame_headers(survey)["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.example.ca http://localhost:8080" in policy
    assert "script-src *" not in policy and "frame-ancestors 'none'" not in policy
    assert "script-src 'self'" in policy  # the rest of the strict policy is unchanged


def test_iframe_mode_pages_and_headers(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    framed = client.get(f"/s/{survey}?embed=1&lang=fr&channel=web")
    assert framed.status_code == 200
    policy = framed.headers["content-security-policy"]
    assert "frame-ancestors 'self' https://host.example" in policy
    assert "unsafe-inline" not in policy and "set-cookie" not in framed.headers
    assert 'class="site-header"' not in framed.text and "/static/frame.js" in framed.text
    assert f'action="/s/{survey}?embed=1"' in framed.text
    # Not framed: no site may frame the ordinary page.
    plain = client.get(f"/s/{survey}")
    assert "frame-ancestors 'none'" in plain.headers["content-security-policy"]
    # A post from the frame answers inside the frame: errors, then the thank-you.
    token = re.search(r'name="submission_id" value="([^"]+)"', framed.text)
    assert token
    form = {"lang": "fr", "channel": "web", "touchpoint": "", "submission_id": token.group(1)}
    errors = client.post(f"/s/{survey}?embed=1", data=form)
    assert (
        errors.status_code == 422
        and "frame-ancestors 'self'" in errors.headers["content-security-policy"]
    )
    assert 'class="site-header"' not in errors.text and "Choisissez une réponse" in errors.text
    thanks = client.post(f"/s/{survey}?embed=1", data={**form, "q_found": "true"})
    assert thanks.status_code == 200 and "Merci. Vos commentaires ont été envoyés." in thanks.text
    assert (
        "frame-ancestors 'self' https://host.example" in thanks.headers["content-security-policy"]
    )
    assert 'class="site-header"' not in thanks.text


def test_demo_page_shows_each_mode(client: TestClient) -> None:
    for mode, marker in [
        ("inline", "<noscript>"),
        ("button", 'data-mode="button"'),
        ("trigger", 'id="feedback-button"'),
        ("iframe", "embed=1"),
        ("nonsense", "<noscript>"),
    ]:
        page = client.get(f"/demo?mode={mode}&lang=en")
        assert page.status_code == 200 and marker in page.text, mode

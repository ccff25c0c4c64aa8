"""What the widget sends about its host page, in Chromium: the channel, touchpoint and
language it needs, never the page's other data- attributes on its script tag."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from test_widget_browser import clean, context, host_html, hosts, page, serve_host, server, tag

pytestmark = pytest.mark.browser
FIXTURES = (clean, context, hosts, page, server)
PRIVATE = "jane.doe@example.org"


@pytest.mark.parametrize("allowed", [True, False])
def test_only_the_attributes_it_needs_leave_the_page(server: Any, page: Any, allowed: bool) -> None:
    app, live = server
    survey = app.state.ids["page"]
    sent: list[tuple[str, str]] = []
    page.on(
        "request",
        lambda r: r.url.startswith(live.url + "/api/") and sent.append((r.url, r.post_data or "")),
    )
    # Attributes a page may put on its tags for its own scripts (analytics, consent tools).
    body = '<div id="box"></div>' + tag(
        live, survey, target="#box", touchpoint="/renew", user=PRIVATE, cookieconsent="ignore"
    )
    serve_host(page, app.state.host if allowed else app.state.evil, host_html(body))
    page.locator("#box .w" if allowed else "#box a").first.wait_for()
    if allowed:  # the reach beacon goes once the widget is seen
        page.wait_for_function("() => performance.getEntriesByType('resource')"
                               ".some(e => e.name.endsWith('/seen'))")  # fmt: skip
    [definition] = [u for u, _ in sent if urlsplit(u).path == f"/api/v1/surveys/{survey}"]
    assert parse_qs(urlsplit(definition).query) == {"lang": ["en"], "touchpoint": ["/renew"]}
    assert all(PRIVATE not in u + b and "cookieconsent" not in u + b for u, b in sent)

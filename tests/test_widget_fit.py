"""The widget fits its host page: first focus on the first question."""

from __future__ import annotations

from typing import Any

import pytest
from test_widget_browser import (
    DEEP_ACTIVE,
    clean,
    context,
    host_html,
    hosts,
    page,
    serve_host,
    server,
    tag,
)

pytestmark = pytest.mark.browser
# The browser tests' live servers, host pages and clean-up, shared by this module.
FIXTURES = (clean, context, hosts, page, server)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_first_focus_in_the_dialog_is_the_first_question(server: Any, page: Any, lang: str) -> None:
    app, live = server
    serve_host(
        page,
        app.state.host,
        host_html(tag(live, app.state.ids["v2"], mode="button"), lang=lang),
    )
    tab = page.get_by_role("button", name="Feedback" if lang == "en" else "Rétroaction")
    tab.click()
    page.get_by_role("dialog").wait_for()
    active = page.evaluate(DEEP_ACTIVE)
    assert active["inDialog"] and active["type"] == "radio"
    first = page.locator("dialog input").first
    assert first.evaluate("e => e === e.getRootNode().activeElement")

"""The widget fits its host page: first focus on the first question."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_widget_browser import (
    DEEP_ACTIVE,
    axe_violations,
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


@pytest.fixture
def dark_system(browser: Any) -> Iterator[Any]:
    """A page in a browser whose system setting is dark."""
    ctx = browser.new_context(color_scheme="dark")
    yield ctx.new_page()
    ctx.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_light_page_keeps_the_widget_light_under_a_dark_system(
    server: Any, dark_system: Any, lang: str
) -> None:
    app, live = server
    body = tag(live, app.state.ids["page"], mode="button") + tag(live, app.state.ids["page"])
    serve_host(dark_system, app.state.host, host_html(body, lang=lang))
    assert dark_system.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    widget = dark_system.locator(".w").first
    widget.wait_for()
    look = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).colorScheme]"
    assert widget.evaluate(look) == ["rgb(255, 255, 255)", "normal"]
    # The native controls are drawn light too (no dark radio on a white box).
    radio = dark_system.locator(".w input").first
    assert radio.evaluate("e => getComputedStyle(e).colorScheme") == "normal"
    assert axe_violations(dark_system) == []


def test_a_dark_page_sets_the_widget_colours_itself(server: Any, dark_system: Any) -> None:
    app, live = server
    head = (
        "<style>@media (prefers-color-scheme: dark) { :root { background: #111; color: #eee;"
        " --fb-accent: #9cc2ff; --fb-bg: #1c1e21; --fb-fg: #eee } }</style>"
    )
    serve_host(
        dark_system,
        app.state.host,
        host_html(tag(live, app.state.ids["page"]), head=head),
    )
    widget = dark_system.locator(".w")
    widget.wait_for()
    assert widget.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(28, 30, 33)"
    assert axe_violations(dark_system) == []


DARK = ["rgb(34, 34, 34)", "rgb(255, 255, 255)"]  # background, text


@pytest.mark.parametrize(
    ("head", "dark"),
    [
        ('<meta name="color-scheme" content="light dark">', True),
        ("<style>:root { color-scheme: light dark }</style>", True),
        ('<meta name="color-scheme" content="dark">', True),
        ('<meta name="color-scheme" content="only light">', False),
        ("<style>:root { color-scheme: light }</style>", False),
    ],
)
def test_dark_only_where_the_page_supports_dark(
    server: Any, dark_system: Any, head: str, dark: bool
) -> None:
    app, live = server
    body = tag(live, app.state.ids["page"])
    serve_host(dark_system, app.state.host, host_html(body, head=head))
    widget = dark_system.locator(".w")
    widget.wait_for()
    look = widget.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]")
    assert look == (DARK if dark else ["rgb(255, 255, 255)", "rgb(34, 34, 34)"])
    assert axe_violations(dark_system) == []


@pytest.mark.parametrize(
    ("content", "background"),
    [("light dark", "rgb(255, 255, 255)"), ("dark", "rgb(34, 34, 34)")],
)
def test_under_a_light_system_only_a_dark_only_page_makes_it_dark(
    server: Any, page: Any, content: str, background: str
) -> None:
    app, live = server
    head = f'<meta name="color-scheme" content="{content}">'
    serve_host(page, app.state.host, host_html(tag(live, app.state.ids["page"]), head=head))
    widget = page.locator(".w")
    widget.wait_for()
    assert widget.evaluate("e => getComputedStyle(e).backgroundColor") == background

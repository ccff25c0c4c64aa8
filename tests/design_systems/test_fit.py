"""The widget fits pages of GOV.UK Frontend, USWDS, Bootstrap 5 and the GC Design System: the
tab yields to the page's own modal dialog (neither drawn above it nor clickable through its
backdrop, never moved up over the navigation), never covers the control that has focus at
375 px, and the widget stays light on these light pages when the visitor's system is dark,
in the page's own font, inline and in the dialog.

Covered, for each system: the host modal open with a light system setting at desktop width
and with a dark one at 375 px; a keyboard walk through the whole page at 375 px; a dark
system setting at desktop width, inline and in the dialog; the font, inline and in the
dialog."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import INSTALLED, NOT_INSTALLED, Stack
from .hosts import SYSTEMS, WORDS
from .probes import DEEP_ACTIVE, LOOK, SETTLE, TAB_ON_TOP, first_family, luminance, overlap

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not INSTALLED, reason=NOT_INSTALLED)]

OPENER = "[data-open-host-modal], [data-open-modal], [data-bs-toggle=modal]"


def open_page(page: Any, stack: Stack, system: str, mode: str) -> Any:
    """The host page with the widget in `mode`, settled; the tab or the first radio."""
    page.goto(stack.url(system, mode))
    widget = page.get_by_role(
        *(("button",) if mode == "button" else ("radio",)),
        name="Feedback" if mode == "button" else "Yes",
    )
    widget.wait_for()
    page.evaluate(SETTLE)
    return widget


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize(("scheme", "width"), [("light", "desktop"), ("dark", "phone")])
def test_tab_yields_to_the_host_modal(
    stack: Stack, pages: dict[tuple[str, str], Any], system: str, scheme: str, width: str
) -> None:
    page = pages[(scheme, width)]
    # Held by its element: with the modal open, the page behind it leaves the accessibility tree.
    tab = open_page(page, stack, system, "button").element_handle()
    seen = tab.bounding_box()
    page.locator(OPENER).first.click()
    page.get_by_role("heading", name="What you need to renew").wait_for()
    # Moving through the modal (focus inside it) must not bring the tab up over it either.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.evaluate(SETTLE)
    assert tab.evaluate(TAB_ON_TOP) in ("hidden", "under"), "the tab is drawn above the modal"
    box = tab.bounding_box()
    if box and tab.is_visible():
        middle = box["y"] + box["height"] / 2
        assert middle > page.viewport_size["height"] / 2, "the tab moved up over the navigation"
    # A click where the tab was, on the modal's backdrop, does not open the survey.
    page.mouse.click(seen["x"] + seen["width"] / 2, seen["y"] + seen["height"] / 2)
    page.evaluate(SETTLE)
    assert not page.get_by_role("radio", name="Yes").is_visible()


@pytest.mark.parametrize("system", SYSTEMS)
def test_tab_never_covers_the_focused_control_on_a_phone(
    stack: Stack, pages: dict[tuple[str, str], Any], system: str
) -> None:
    page = pages[("light", "phone")]
    tab = open_page(page, stack, system, "button")
    page.evaluate("document.activeElement?.blur(); scrollTo({top: 0, behavior: 'instant'})")
    covered, reached = [], []
    for _ in range(120):
        page.keyboard.press("Tab")
        active = page.evaluate(DEEP_ACTIVE)
        if not active or active["inWidget"]:
            break
        reached.append(active["text"])
        if overlap(active["rect"], tab.bounding_box() if tab.is_visible() else None):
            covered.append(active["text"] or active["tag"])
    assert "Continue" in reached and "Privacy" in reached
    assert covered == [], f"the tab covers these focused controls: {covered}"


def assert_light(look: dict[str, str]) -> None:
    """A light widget: a light background, dark text, light native controls."""
    assert look["bg"] and luminance(look["bg"]) > 0.8, look
    assert luminance(look["fg"]) < 0.1, look
    assert "dark" not in look["scheme"], look


@pytest.mark.parametrize("system", SYSTEMS)
def test_light_page_keeps_the_widget_light_under_a_dark_system(
    stack: Stack, pages: dict[tuple[str, str], Any], system: str
) -> None:
    page = pages[("dark", "desktop")]
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    radio = open_page(page, stack, system, "inline")
    assert_light(radio.evaluate(LOOK))
    tab = open_page(page, stack, system, "button")
    tab.click()
    radio = page.get_by_role("radio", name="Yes")
    radio.wait_for()
    assert_light(radio.evaluate(LOOK))


# The font the page's text is drawn in: a paragraph of its content (a GC Design System paragraph
# draws its text in its shadow root's <p>).
TEXT_FONT = """e => getComputedStyle(e.shadowRoot?.querySelector('p') || e).fontFamily"""


@pytest.mark.parametrize("system", SYSTEMS)
def test_widget_takes_the_host_font(
    stack: Stack, pages: dict[tuple[str, str], Any], system: str
) -> None:
    page = pages[("light", "desktop")]
    radio = open_page(page, stack, system, "inline")
    text = first_family(page.get_by_text(WORDS["en"]["body"]).evaluate(TEXT_FONT))
    assert first_family(radio.evaluate(LOOK)["font"]) == text
    # The dialog too, drawn at the end of the page's <body>.
    open_page(page, stack, system, "button").click()
    radio = page.get_by_role("radio", name="Yes")
    radio.wait_for()
    assert first_family(radio.evaluate(LOOK)["font"]) == text

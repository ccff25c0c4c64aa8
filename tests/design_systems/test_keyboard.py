"""The widget on pages of GOV.UK Frontend, USWDS, Bootstrap 5 and the GC Design System (their
published CSS and JavaScript, a strict CSP, the host on its own origin), inline and as a tab,
answered and sent by keyboard alone (Tab, Space, Enter, typing): the host's layout does not
move, focus goes where it should, axe-core finds nothing, and exactly one response is stored.

Covered, for each system: inline with a light system setting at desktop width and with a dark
one at 375 px; the tab with a dark system setting at desktop width and a light one at 375 px."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import INSTALLED, NOT_INSTALLED, Stack
from .hosts import SYSTEMS
from .probes import BOXES, DEEP_ACTIVE, SETTLE, tab_until, wait_for
from conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not INSTALLED, reason=NOT_INSTALLED)]

COMMENT = "Clear page"


BARE: dict[tuple[str, str], dict[str, Any]] = {}  # the boxes without the widget, by page and width


def without_widget(page: Any, stack: Stack, system: str) -> dict[str, Any]:
    """The host page's boxes without the widget (measured once per system and window size)."""
    key = (system, str(page.viewport_size))
    if key not in BARE:
        BARE[key] = load(page, stack, system, "none")
    return BARE[key]


def load(page: Any, stack: Stack, system: str, mode: str) -> dict[str, Any]:
    """Open the host page with the widget in `mode` ("none": without it), settled; its boxes."""
    page.goto(stack.url(system, mode))
    if mode == "inline":
        page.get_by_role("radio", name="Yes").wait_for()
    elif mode == "button":
        page.get_by_role("button", name="Feedback").wait_for()
    page.evaluate(SETTLE)
    return dict(page.evaluate(BOXES))


def widget_csp_reports(page: Any, stack: Stack) -> list[dict[str, str]]:
    """The page's CSP reports that concern the widget (the host's own CSS names web fonts on
    a CDN that the policy blocks; those are not ours)."""
    reports: list[dict[str, str]] = page.evaluate("window.__cspViolations")
    return [r for r in reports if stack.api in (r["source"] or "") + (r["blocked"] or "")]


def moved_boxes(without: dict[str, Any], with_widget: dict[str, Any]) -> dict[str, Any]:
    """Host boxes that are not where they were without the widget. Below the inline widget's
    container, boxes may all move down by one same amount (the widget's height), and what holds
    the container may grow by it; nothing else may change, across or down."""
    before, after = without["container"], with_widget["container"]
    # By the move of the first box below it (an empty container's margins collapse with its
    # neighbours', so its own growth can differ from what follows by a margin).
    below = [
        k
        for k, b in without.items()
        if k not in ("width", "container") and b[3] and not b[4] and b[1] >= before[1] + before[3]
    ]
    first = min(below, key=lambda k: without[k][1], default=None)
    grown = with_widget[first][1] - without[first][1] if first else after[3] - before[3]
    moved = {}
    for key, box in without.items():
        if key == "width":
            expected = box
        elif key == "container":  # only its place across may not change
            expected = [box[0], *after[1:2], box[2], *after[3:]]
        elif box[4]:  # the container and what holds it grow by the widget's height
            expected = [*box[:3], round(box[3] + grown, 1), 1]
        elif box[3] and box[1] >= before[1] + before[3]:
            expected = [box[0], round(box[1] + grown, 1), *box[2:]]
        else:
            expected = box
        if with_widget.get(key) != expected:
            moved[key] = (expected, with_widget.get(key))
    return moved


def answer_by_keyboard(page: Any) -> None:
    """On a radio of the first question: Space, then Next, a comment and Send, by keys only."""
    page.keyboard.press("Space")
    page.get_by_role("status").get_by_text("Answer saved.").wait_for()
    tab_until(page, lambda a: a["inWidget"] and a["text"] == "Next")
    page.keyboard.press("Enter")
    tab_until(page, lambda a: a["inWidget"] and a["tag"] == "TEXTAREA")
    page.keyboard.type(COMMENT)
    tab_until(page, lambda a: a["inWidget"] and a["text"] == "Send")
    page.keyboard.press("Enter")
    page.get_by_text("Thank you. Your feedback was sent.").wait_for()


def assert_stored_once(stack: Stack) -> None:
    """Exactly one response, holding both answers (the first amended, never duplicated)."""
    want = [{"found": True, "comment": COMMENT}]
    assert wait_for(lambda: stack.stored() == want) or stack.stored() == want, stack.stored()


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize(("scheme", "width"), [("light", "desktop"), ("dark", "phone")])
def test_inline_by_keyboard(
    stack: Stack, pages: dict[tuple[str, str], Any], system: str, scheme: str, width: str
) -> None:
    page = pages[(scheme, width)]
    without = without_widget(page, stack, system)
    with_widget = load(page, stack, system, "inline")
    assert moved_boxes(without, with_widget) == {}
    assert axe_violations(page) == []
    # From the top of the page, through the host's own links and form, into the widget.
    page.evaluate("document.activeElement?.blur(); scrollTo({top: 0, behavior: 'instant'})")
    first = tab_until(page, lambda a: a["inWidget"] and a["type"] == "radio")
    assert first["text"] == ""  # a radio, not the language switch
    answer_by_keyboard(page)
    assert_stored_once(stack)
    assert widget_csp_reports(page, stack) == []


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize(("scheme", "width"), [("dark", "desktop"), ("light", "phone")])
def test_tab_and_dialog_by_keyboard(
    stack: Stack, pages: dict[tuple[str, str], Any], system: str, scheme: str, width: str
) -> None:
    page = pages[(scheme, width)]
    without = without_widget(page, stack, system)
    with_widget = load(page, stack, system, "button")
    assert moved_boxes(without, with_widget) == {}
    page.evaluate("document.activeElement?.blur(); scrollTo({top: 0, behavior: 'instant'})")
    tab = page.get_by_role("button", name="Feedback")
    # Shift+Tab from the top of the page: the tab is the page's last control.
    tab_until(page, lambda a: a["inWidget"] and a["text"] == "Feedback", key="Shift+Tab")
    page.keyboard.press("Enter")
    page.get_by_role("radio", name="Yes").wait_for()
    # First focus: the first question's first choice, inside the dialog.
    active = page.evaluate(DEEP_ACTIVE)
    assert active["inWidget"] and active["inDialog"] and active["type"] == "radio"
    assert page.get_by_role("radio", name="Yes").evaluate(
        "e => e === e.getRootNode().activeElement"
    )
    assert axe_violations(page) == []
    answer_by_keyboard(page)
    assert_stored_once(stack)
    page.keyboard.press("Escape")
    page.get_by_text("Thank you. Your feedback was sent.").wait_for(state="hidden")
    # Focus is back on the tab that opened the dialog.
    assert tab.evaluate(
        "e => e.getRootNode().activeElement === e"
        " && document.activeElement === e.getRootNode().host"
    )
    assert widget_csp_reports(page, stack) == []

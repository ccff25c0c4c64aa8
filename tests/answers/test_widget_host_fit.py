"""The widget on the host's terms, in Chromium: errors that clear once answered (in the hosted
page's words), a link and a console line where the site is not allowed, the page's type and
colour scheme, large controls, a tab that yields to host modals and to what a phone user
touches, and an inline widget that fits the space its container reserves."""

from __future__ import annotations

from typing import Any

import pytest
from test_widget_browser import (
    ACCENT,
    axe_violations,
    clean,
    context,
    host_html,
    hosts,
    page,
    serve_host,
    server,
    stored,
    tag,
    wait_for,
)

from feedback.answers.answer_checks import missing_message
from feedback.core.db import session_scope
from feedback.core.i18n import gettext_for
from feedback.surveys import definitions as surveys

pytestmark = pytest.mark.browser
# The browser tests' live servers, host pages and clean-up, shared by this module.
FIXTURES = (clean, context, hosts, page, server)
SAY = {
    "en": {"next": "Next", "send": "Send", "saved": "Answer saved.", "tab": "Feedback"},
    "fr": {
        "next": "Suivant",
        "send": "Envoyer",
        "saved": "Réponse enregistrée.",
        "tab": "Rétroaction",
    },
}


def hosted_words(app: Any, survey: str, lang: str) -> dict[str, str]:
    """What the hosted page says for each required question left empty."""
    with session_scope(app.state.engine) as session:
        questions = surveys.questions_of(session, survey)
        _ = gettext_for(lang).gettext
        return {q.key: missing_message(q, lang, _) for q in questions if q.required}


def overlap(a: dict[str, float] | None, b: dict[str, float] | None) -> bool:
    if a is None or b is None:  # a hidden tab covers nothing
        return False
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_error_clears_once_answered_in_the_hosted_pages_words(
    server: Any, page: Any, lang: str
) -> None:
    app, live = server
    survey = app.state.ids["page"]
    serve_host(page, app.state.host, host_html(tag(live, survey), lang=lang))
    page.get_by_role("button", name=SAY[lang]["next"]).click()
    summary = page.locator(".sum")
    summary.wait_for()
    words = hosted_words(app, survey, lang)
    assert summary.locator("li").all_inner_texts() == [words["found"]]
    assert page.locator(".er").inner_text() == words["found"]
    page.get_by_role("radio").first.check()
    page.get_by_role("status").get_by_text(SAY[lang]["saved"]).wait_for()
    # No red "There is a problem" beside "Answer saved.": the summary, the message and the
    # invalid state are gone at once.
    assert summary.is_hidden() and page.locator(".er, .bad, [aria-invalid]").count() == 0
    assert wait_for(lambda: stored(app, survey))[0]["answers"] == {"found": True}
    assert axe_violations(page) == []


def test_in_the_one_form_layout_the_error_goes_with_its_answer(server: Any, page: Any) -> None:
    app, live = server
    survey = app.state.ids["counter"]  # a longer survey: one form, sent at the end
    serve_host(page, app.state.host, host_html(tag(live, survey)))
    page.get_by_role("button", name="Send").click()
    summary = page.locator(".sum")
    summary.wait_for()
    words = hosted_words(app, survey, "en")
    assert summary.locator("li").all_inner_texts() == list(words.values())
    page.locator(".bad input").first.check()
    assert summary.is_hidden() and page.locator(".er, .bad, [aria-invalid]").count() == 0
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Thank you. Your feedback was sent.").wait_for()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_not_allowed_here_a_link_for_the_person_a_console_line_for_the_publisher(
    server: Any, page: Any, lang: str
) -> None:
    app, live = server
    survey = app.state.ids["page"]
    lines: list[str] = []
    page.on("console", lambda m: lines.append(m.text))
    body = '<div id="box"></div>' + tag(live, survey, target="#box", touchpoint="/renew")
    serve_host(page, app.state.evil, host_html(body, lang=lang))
    link = page.locator("#box a")
    link.wait_for()
    text = {"en": "Answer our short survey", "fr": "Répondez à notre court sondage"}[lang]
    assert link.inner_text() == text
    href = link.get_attribute("href")
    assert href == f"{live.url}/s/{survey}?lang={lang}&touchpoint=%2Frenew"
    command = f"feedback surveys allow-origin {survey} {app.state.evil}"
    [line] = [line for line in lines if "allow-origin" in line]
    assert command in line
    assert page.locator("*").evaluate_all("es => es.filter(e => e.shadowRoot).length") == 0
    link.click()  # the person can still answer, on the hosted page
    page.get_by_role("radio").first.wait_for()
    assert axe_violations(page) == []


def test_the_widget_takes_the_pages_type_unless_told_not_to(server: Any, page: Any) -> None:
    app, live = server
    head = "<style>body { font: 19px/1.3 Georgia, serif } :root { --fb-control: 40px }</style>"
    body = (
        '<div id="a"></div><div id="b"></div>'
        + tag(live, app.state.ids["page"], target="#a")
        + tag(live, app.state.ids["page"], target="#b", font="own")
    )
    serve_host(page, app.state.host, host_html(body, head=head))
    look = "e => [getComputedStyle(e).fontFamily, getComputedStyle(e).fontSize]"
    page.locator("#a .w").wait_for()
    assert page.locator("#a .w").evaluate(look) == ["Georgia, serif", "19px"]
    assert page.locator("#b .w").evaluate(look) == ["system-ui", "16px"]
    # GOV.UK-sized radios: 40px, as the page asked.
    radio = page.locator("#a input").first.bounding_box()
    assert radio is not None and (radio["width"], radio["height"]) == (40, 40)
    assert axe_violations(page) == []


LIGHT_DARK = '<meta name="color-scheme" content="light dark">'


def test_on_a_page_that_sets_type_by_class_it_takes_a_paragraphs(server: Any, page: Any) -> None:
    """GOV.UK Frontend styles text by class (.govuk-body), never the <body>: the widget takes
    the font family of a paragraph of the main content, not the browser's default serif (its
    size stays the inherited one)."""
    app, live = server
    head = "<style>.body { font: 19px/1.3 Georgia, serif }</style>"
    body = '<p class="body">Some text.</p><div id="a"></div>' + tag(
        live, app.state.ids["page"], target="#a"
    )
    serve_host(page, app.state.host, host_html(body, head=head))
    widget = page.locator("#a .w")
    widget.wait_for()
    look = "e => [getComputedStyle(e).fontFamily, getComputedStyle(e).fontSize]"
    assert widget.evaluate(look) == ["Georgia, serif", "16px"]
    assert page.locator("h1").evaluate("e => getComputedStyle(e).fontFamily") != "Georgia, serif"


@pytest.mark.parametrize(
    ("head", "root", "script", "background"),
    [
        (LIGHT_DARK, 'data-theme="light"', "", "rgb(255, 255, 255)"),  # the page's own toggle
        (LIGHT_DARK, "", "light", "rgb(255, 255, 255)"),
        ("", 'data-theme="dark"', "", "rgb(34, 34, 34)"),
        ("", "", "dark", "rgb(34, 34, 34)"),
    ],
)
def test_data_theme_of_the_page_or_the_script_wins_over_the_system(
    server: Any, browser: Any, head: str, root: str, script: str, background: str
) -> None:
    app, live = server
    ctx = browser.new_context(color_scheme="dark")
    try:
        dark = ctx.new_page()
        attrs = {"theme": script} if script else {}
        html = host_html(tag(live, app.state.ids["page"], **attrs), head=head)
        serve_host(dark, app.state.host, html.replace("<html ", f"<html {root} ", 1))
        widget = dark.locator(".w")
        widget.wait_for()
        assert widget.evaluate("e => getComputedStyle(e).backgroundColor") == background
        assert axe_violations(dark) == []
    finally:
        ctx.close()


MODALS = """
<button id="nav">Menu</button>
<dialog id="native"><button id="shut">Close</button></dialog>
<div id="lib" class="modal" tabindex="-1" hidden><button id="lib-close">Close</button></div>
<div id="gone" aria-modal="true" style="display:none">a closed modal a library keeps</div>
<button id="open-native">Open dialog</button><button id="open-lib">Open modal</button>
<script>
const native = document.getElementById('native');
document.getElementById('open-native').onclick = () => native.showModal();
document.getElementById('shut').onclick = () => native.close();
const lib = document.getElementById('lib'), opener = document.getElementById('open-lib');
opener.onclick = () => { lib.hidden = false; lib.classList.add('show');
  lib.setAttribute('aria-modal', 'true'); document.getElementById('lib-close').focus(); };
document.getElementById('lib-close').onclick = () => { lib.hidden = true;
  lib.classList.remove('show'); lib.removeAttribute('aria-modal'); opener.focus(); };
</script>
"""


def test_the_tab_yields_to_the_pages_modal_dialogs(server: Any, page: Any) -> None:
    """A <dialog> shown modally and a library modal (aria-modal, as Bootstrap and USWDS set
    while open): the tab is hidden, not moved over the navigation, and comes back after."""
    app, live = server
    page.set_viewport_size({"width": 1024, "height": 700})
    body = MODALS + tag(live, app.state.ids["page"], mode="button")
    serve_host(page, app.state.host, host_html(body))
    tab = page.get_by_role("button", name="Feedback")
    tab.wait_for()
    assert tab.evaluate("e => getComputedStyle(e).zIndex") == "999"
    home = tab.bounding_box()
    assert home is not None and home["y"] > 600  # bottom right
    for opener, closer in (("#open-native", "#shut"), ("#open-lib", "#lib-close")):
        page.locator(opener).click()
        tab.wait_for(state="hidden")
        # Nothing of ours under the pointer where the tab was: a click there is the page's.
        ours = f"() => !!document.elementFromPoint({home['x'] + 5}, {home['y'] + 5}).shadowRoot"
        assert page.evaluate(ours) is False
        page.locator(closer).click()
        tab.wait_for()
        assert tab.bounding_box() == home
    tab.click()
    page.get_by_role("dialog").wait_for()


def test_on_a_phone_the_tab_is_an_edge_handle_that_never_covers_what_is_touched(
    server: Any, page: Any
) -> None:
    app, live = server
    page.set_viewport_size({"width": 375, "height": 667})
    head = (
        "<style>#go{position:fixed;left:0;right:0;bottom:0;height:48px}"
        "#edge{position:fixed;right:0;top:0;bottom:0;width:120px}</style>"
    )
    body = (
        '<button id="go">Continue</button><a id="foot" href="#f">Footer link</a>'
        + tag(live, app.state.ids["page"], mode="button")
        + '<button id="edge">Menu</button>'
    )
    serve_host(page, app.state.host, host_html(body, head=head))
    tab = page.get_by_role("button", name="Feedback")
    tab.wait_for()
    handle = tab.bounding_box()
    assert handle is not None and handle["width"] < 48 and handle["x"] + handle["width"] == 375
    # Clear of a full-width "Continue" button at the bottom, before anything is touched.
    assert not overlap(handle, page.locator("#go").bounding_box())
    page.locator("#go").focus()
    assert not overlap(tab.bounding_box(), page.locator("#go").bounding_box())
    # A control under the handle, tapped where it shows: the handle gets out of the way.
    page.mouse.click(260, 100)
    assert not overlap(page.locator(".tab").bounding_box(), page.locator("#edge").bounding_box())
    page.locator("#foot").focus()  # elsewhere: the handle is back
    tab.wait_for()
    assert tab.bounding_box() == handle
    tab.click()
    page.get_by_role("dialog").wait_for()
    assert axe_violations(page) == []


def test_the_inline_widget_fits_the_space_its_container_reserves(server: Any, page: Any) -> None:
    app, live = server
    body = '<div id="fb" style="min-height:18em"></div><p id="after">After</p>' + tag(
        live, app.state.ids["page"], target="#fb"
    )
    serve_host(page, app.state.host, host_html(body))
    page.locator("#fb .w").wait_for()
    widget = page.locator("#fb .w").bounding_box()
    container = page.locator("#fb").bounding_box()
    assert widget is not None and container is not None
    # The container keeps the height it had before the widget came: nothing below it moved.
    assert container["height"] == 18 * 16 and widget["height"] <= container["height"]
    assert page.locator("#fb .b").evaluate("e => getComputedStyle(e).backgroundColor") == ACCENT


def test_a_tab_that_moved_aside_still_opens_on_click(server: Any, page: Any) -> None:
    """Clicks are watched too (for links and buttons some browsers do not focus): a click on
    the tab itself, wherever it stands, opens the dialog."""
    app, live = server
    page.set_viewport_size({"width": 800, "height": 600})
    head = "<style>#corner{position:fixed;right:0;bottom:0;padding:10px 40px}</style>"
    body = '<button id="corner">Corner</button>' + tag(live, app.state.ids["page"], mode="button")
    serve_host(page, app.state.host, host_html(body, head=head))
    tab = page.get_by_role("button", name="Feedback")
    tab.wait_for()
    corner = page.locator("#corner").bounding_box()
    assert corner is not None
    # A click where the button shows beside the tab, as a tap would: the tab moves to the left.
    page.mouse.click(corner["x"] + corner["width"] - 4, corner["y"] + 4)
    box = tab.bounding_box()
    assert box is not None and box["x"] < 100
    assert not overlap(box, page.locator("#corner").bounding_box())
    tab.click()
    page.get_by_role("dialog").wait_for()

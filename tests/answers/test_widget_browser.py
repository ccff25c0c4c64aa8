"""The widget on host pages built to be hostile, in the system Chromium: a strict CSP that
allows our origin in script-src and connect-src only, an aggressive CSS reset with !important,
several widgets side by side, the dialog by keyboard alone, a trigger, a right-to-left page,
the iframe mode, a network cut mid-submission and a server down at load. Each answer reaches
the database exactly once."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from feedback.answers import amend
from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import Answer, AnswerDay, AnswerPairDay, Response, ResponseDay, Survey
from feedback.surveys import definitions as surveys
from feedback.surveys import snippets

from conftest import LiveServer, _free_port, axe_violations, make_settings, seed_minimal

pytestmark = pytest.mark.browser

# Host pages come from a second server: another origin (localhost, not 127.0.0.1) on the
# loopback address, as Chromium lets loopback pages call loopback servers only.
PAGES: dict[str, tuple[str, dict[str, str]]] = {}
EMBED_JS = Path(__file__).resolve().parents[2] / "feedback" / "static" / "embed.js"
ACCENT = "rgb(29, 78, 137)"

DEEP_ACTIVE = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a ? {tag: a.tagName, type: a.type || null, text: (a.textContent || '').trim(),
              inDialog: !!a.closest('dialog'), id: a.id || null} : null;
}"""

HOSTILE_CSS = """
*, *::before, *::after { all: unset !important; }
html, body, div, section, p, h2, button, span, label, fieldset, form {
  display: block !important; color: #f0f !important; background: #ff0 !important;
  font: 40px/1 "Comic Sans MS", cursive !important; border: 5px dashed red !important;
  margin: 17px !important; padding: 0 !important; transform: rotate(3deg) !important;
  visibility: visible !important; position: static !important;
}
div { display: none !important; }
div:has(> .keep) { display: block !important; }
input, textarea { display: none !important; }
:root { --fb-accent: #1d4e89; }
"""


async def _host_page(request: Request) -> HTMLResponse:
    body, headers = PAGES.get(request.url.path, ("not found", {}))
    return HTMLResponse(body, headers=headers)


@pytest.fixture(scope="module")
def hosts() -> Iterator[tuple[str, str]]:
    """The host pages' server: (allowed origin, an origin the surveys do not allow)."""
    with LiveServer(Starlette(routes=[Route("/{p:path}", _host_page)]), _free_port()) as live:
        yield f"http://localhost:{live.port}", live.url


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, hosts: tuple[str, str]
) -> Iterator[tuple[Any, LiveServer]]:
    """One live server for the module; the host origin may embed every survey."""
    port = _free_port()
    url = f"sqlite:///{tmp_path_factory.mktemp('widget') / 'feedback.db'}"
    application = create_app(make_settings(url, base_url=f"http://127.0.0.1:{port}"))
    seed_minimal(application)
    with session_scope(application.state.engine) as session:
        for survey in session.exec(select(Survey)).all():
            survey.allowed_origins = [hosts[0], f"http://127.0.0.1:{port}"]
            session.add(survey)
    application.state.host, application.state.evil = hosts
    with LiveServer(application, port) as live:
        yield application, live
    application.state.engine.dispose()


@pytest.fixture(autouse=True)
def clean(server: tuple[Any, LiveServer]) -> Iterator[None]:
    """Each test starts with no responses and every seeded survey in its seeded status."""
    yield
    app = server[0]
    with session_scope(app.state.engine) as session:
        for table in (Answer, AnswerPairDay, AnswerDay, ResponseDay, Response):
            session.execute(delete(table))
        for key, status in (("page", "live"), ("v2", "live"), ("closed", "closed")):
            survey = session.get(Survey, app.state.ids[key])
            assert survey is not None
            survey.status = status
            session.add(survey)


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context()
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    pg = context.new_page()
    pg.csp_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: "Content Security Policy" in m.text and pg.csp_errors.append(m.text))
    return pg


def serve_host(
    page: Any, origin: str, body: str, *, csp: str | None = None, path: str | None = None
) -> None:
    """Serve `body` as a host page on `origin` (a fresh path per call) and open it."""
    path = path or f"/page-{len(PAGES)}"
    PAGES[path] = (body, {"Content-Security-Policy": csp} if csp else {})
    page.goto(f"{origin}{path}")


def host_html(body: str, *, lang: str = "en", head: str = "", dir: str = "ltr") -> str:
    return (
        f'<!doctype html><html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">'
        f"<title>Host page</title>{head}</head><body><main><h1>A host page</h1>{body}</main>"
        "</body></html>"
    )


def tag(server: LiveServer, survey: str, **attrs: str) -> str:
    extra = " ".join(f'data-{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<script async src="{server.url}/embed.js" data-survey="{survey}" {extra}></script>'


def stored(app: Any, survey_id: str) -> list[dict[str, Any]]:
    """Every stored response to a survey: its channel, language, touchpoint and answers."""
    with session_scope(app.state.engine) as session:
        questions = surveys.questions_of(session, survey_id)
        rows = session.exec(select(Response).where(Response.survey_id == survey_id)).all()
        return [
            {
                "channel": r.channel,
                "language": r.language,
                "touchpoint": r.touchpoint,
                "answers": amend.stored_answers(session, r.id or 0, questions),
            }
            for r in rows
        ]


def wait_for(check: Callable[[], Any], timeout: float = 10) -> Any:
    """Poll the database until `check` is truthy (answers travel by real HTTP)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def tab_until(page: Any, predicate: Callable[[dict[str, Any]], bool], limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(DEEP_ACTIVE)
        if active and predicate(active):
            return
    raise AssertionError("focus never reached the expected control")


# ---- strict CSP, hostile CSS, isolation ----


def test_strict_csp_host_page(server: Any, page: Any) -> None:
    app, live = server
    ids = app.state.ids
    csp = f"default-src 'none'; script-src {live.url}; connect-src {live.url}"
    serve_host(
        page, app.state.host, host_html(tag(live, ids["page"], touchpoint="/renew")), csp=csp
    )
    page.get_by_role("radio", name="Yes").check()
    page.get_by_role("status").get_by_text("Answer saved.").wait_for()
    # The first answer is stored at once, before the rest.
    assert wait_for(lambda: stored(app, ids["page"])) == [
        {"channel": "web", "language": "en", "touchpoint": "/renew", "answers": {"found": True}}
    ]
    page.get_by_role("button", name="Next").click()
    comment = page.get_by_label("Please give more details.")
    comment.fill("Clear, thanks. Me: 613-555-0100")
    page.get_by_role("button", name="Send").click()
    # Before anything is stored, the person sees what would be removed, in the box itself.
    page.get_by_role("alert").get_by_text("we removed personal information").wait_for()
    assert comment.input_value() == "Clear, thanks. Me: [phone removed]"
    assert [r["answers"] for r in stored(app, ids["page"])] == [{"found": True}]
    page.get_by_role("button", name="Send").click()  # sent again as shown: stored
    page.get_by_role("status").get_by_text("Thank you. Your feedback was sent.").wait_for()
    [response] = stored(app, ids["page"])
    assert response["answers"] == {"found": True, "comment": "Clear, thanks. Me: [phone removed]"}
    # It looks right: the constructed stylesheet applies under this policy...
    assert (
        page.get_by_role("button", name="Français").evaluate("e => getComputedStyle(e).color")
        == ACCENT
    )
    assert page.csp_errors == []
    # ...while a <style> element in a shadow root would be blocked by it.
    blocked = page.evaluate(
        """() => new Promise(done => {
          const d = document.createElement('div'); document.body.append(d);
          const r = d.attachShadow({mode: 'open'});
          r.innerHTML = '<style>p { color: rgb(1, 2, 3) }</style><p>x</p>';
          requestAnimationFrame(() => done(getComputedStyle(r.querySelector('p')).color));
        })"""
    )
    assert blocked != "rgb(1, 2, 3)"
    assert any("style-src" in e for e in page.csp_errors)


def test_hostile_css_cannot_break_it_and_its_css_never_leaks(server: Any, page: Any) -> None:
    app, live = server
    ids = app.state.ids
    body = (
        '<p><button type="button" id="own">Host button</button></p>'
        # data-font="own": the widget would otherwise take the page's (here 40px) type on purpose.
        f'<div><span class="keep"></span>{tag(live, ids["page"], font="own")}</div>'
        '<h2 id="host-h2">Host</h2>'
    )
    serve_host(page, app.state.host, host_html(body, head=f"<style>{HOSTILE_CSS}</style>"))
    send = page.get_by_role("button", name="Next")
    send.wait_for()
    look = send.evaluate(
        """e => { const s = getComputedStyle(e); const w = e.closest('.w');
          return {bg: s.backgroundColor, size: s.fontSize, transform: s.transform,
                  w: getComputedStyle(w).backgroundColor, h: w.getBoundingClientRect().height,
                  host: getComputedStyle(e.getRootNode().host).display}; }"""
    )
    assert look["bg"] == ACCENT and look["size"] == "16px" and look["transform"] == "none"
    assert look["w"] == "rgb(255, 255, 255)" and look["host"] == "block" and look["h"] > 100
    # The host's own elements keep the host's styles: nothing of ours leaks out.
    own = page.locator("#own").evaluate("e => getComputedStyle(e).backgroundColor")
    assert own == "rgb(255, 255, 0)"
    assert page.locator("#host-h2").evaluate("e => getComputedStyle(e).fontSize") == "40px"
    page.get_by_role("radio", name="No").check()
    send.click()
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Thank you. Your feedback was sent.").wait_for()
    assert [r["answers"] for r in stored(app, ids["page"])] == [{"found": False}]


def test_several_widgets_on_one_page_never_interfere(server: Any, page: Any) -> None:
    app, live = server
    ids = app.state.ids
    body = (
        '<section id="a"></section><section id="b"></section><section id="c"></section>'
        + tag(live, ids["page"], target="#a", touchpoint="left")
        + tag(live, ids["page"], target="#b", touchpoint="right")
        + tag(live, ids["v2"], target="#c", lang="fr")
    )
    serve_host(page, app.state.host, host_html(body))
    a, b, c = (page.locator(f"#{x} > div") for x in "abc")
    a.get_by_role("radio", name="Yes").check()
    b.get_by_role("radio", name="No").check()
    c.get_by_role("radio", name="D'accord", exact=True).check()
    # Each label points at its own widget's control, though the ids are the same.
    assert a.get_by_role("radio", name="Yes").is_checked()
    assert not b.get_by_role("radio", name="Yes").is_checked()
    for w, name in ((a, "Next"), (b, "Next"), (c, "Suivant")):
        w.get_by_role("button", name=name).click()
    c.get_by_role("checkbox", name="C'était facile").check()
    c.get_by_role("button", name="Suivant").click()
    b.get_by_label("Please give more details.").fill("Only in B")
    for w, name in ((a, "Send"), (b, "Send"), (c, "Envoyer")):
        w.get_by_role("button", name=name).click()
    a.get_by_text("Thank you. Your feedback was sent.").wait_for()
    b.get_by_text("Thank you. Your feedback was sent.").wait_for()
    c.get_by_text("Merci. Vos commentaires ont été envoyés.").wait_for()
    page_answers = {r["touchpoint"]: r["answers"] for r in stored(app, ids["page"])}
    assert page_answers == {
        "left": {"found": True},
        "right": {"found": False, "comment": "Only in B"},
    }
    assert [(r["language"], r["answers"]) for r in stored(app, ids["v2"])] == [
        ("fr", {"trust": True, "went_well": ["ease"]})
    ]


def test_right_to_left_host_page(server: Any, page: Any) -> None:
    app, live = server
    ids = app.state.ids
    body = "<p>صفحة تجريبية</p>" + tag(live, ids["page"], lang="fr")
    serve_host(page, app.state.host, host_html(body, lang="ar", dir="rtl"))
    oui = page.get_by_role("radio", name="Oui")
    oui.wait_for()
    widget = page.locator(".w")
    assert widget.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert widget.get_attribute("lang") == "fr"
    oui.check()
    assert wait_for(lambda: stored(app, ids["page"]))[0]["language"] == "fr"
    # Switched inside the widget: the answer given is kept, the rest is in English.
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("radio", name="Yes").is_checked()
    assert widget.get_attribute("lang") == "en"
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Thank you. Your feedback was sent.").wait_for()
    assert [(r["language"], r["answers"]) for r in stored(app, ids["page"])] == [
        ("en", {"found": True})
    ]


# ---- dialog, trigger and the floating tab ----


def test_dialog_opened_and_answered_by_keyboard_alone(server: Any, page: Any) -> None:
    app, live = server
    ids = app.state.ids
    body = '<p><a href="#top">A host link</a></p>' + tag(live, ids["v2"], mode="button")
    serve_host(page, app.state.host, host_html(body))
    tab = page.get_by_role("button", name="Feedback")
    tab.wait_for()
    tab_until(page, lambda a: a["text"] == "Feedback")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert page.evaluate(DEEP_ACTIVE)["inDialog"]
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:  # focus stays inside, both ways round
        page.keyboard.press(key)
        assert page.evaluate(DEEP_ACTIVE)["inDialog"], key
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate(DEEP_ACTIVE)["text"] == "Feedback"  # focus is back on the opener
    page.keyboard.press("Enter")
    # One question at a time: the first alone, stored at once by its click.
    assert dialog.locator("fieldset:visible, textarea:visible").count() == 1
    tab_until(page, lambda a: a["type"] == "radio")
    page.keyboard.press("Space")  # the first choice: agree
    assert wait_for(lambda: stored(app, ids["v2"])) and [
        r["answers"] for r in stored(app, ids["v2"])
    ] == [{"trust": True}]
    tab_until(page, lambda a: a["text"] == "Next")
    page.keyboard.press("Enter")
    # The branch for "agree": what went well; focus on the step's legend, its place read out.
    page.wait_for_function(f"() => ({DEEP_ACTIVE})().tag == 'LEGEND'")
    assert page.evaluate(DEEP_ACTIVE)["text"].startswith("2 of 3What went well?")
    assert dialog.get_by_text("What didn't go so well?").is_hidden()
    tab_until(page, lambda a: a["type"] == "checkbox")
    page.keyboard.press("Space")  # "My need was addressed"
    tab_until(page, lambda a: a["text"] == "Next")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => ({DEEP_ACTIVE})().tag == 'LABEL'")
    assert page.evaluate(DEEP_ACTIVE)["text"].startswith("3 of 3")
    assert wait_for(lambda: stored(app, ids["v2"])[0]["answers"].get("went_well"))
    tab_until(page, lambda a: a["tag"] == "TEXTAREA")
    page.keyboard.type("Quick and kind")
    tab_until(page, lambda a: a["text"] == "Send")
    page.keyboard.press("Enter")
    dialog.get_by_text("Thank you. Your feedback was sent.").wait_for()
    page.keyboard.press("Escape")
    assert page.evaluate(DEEP_ACTIVE)["text"] == "Feedback"
    assert [r["answers"] for r in stored(app, ids["v2"])] == [
        {"trust": True, "went_well": ["effectiveness"], "comment": "Quick and kind"}
    ]


def test_leaving_after_the_first_step_keeps_the_first_answer(server: Any, context: Any) -> None:
    app, live = server
    ids = app.state.ids
    page = context.new_page()
    serve_host(page, app.state.host, host_html(tag(live, ids["v2"], lang="fr"), lang="fr"))
    page.get_by_role("radio", name="Pas d'accord").check()
    page.get_by_role("status").get_by_text("Réponse enregistrée.").wait_for()
    page.get_by_role("button", name="Suivant").click()
    # The other branch: what did not go well, step 2 of 3.
    legend = page.locator("legend.st")
    legend.get_by_text("2 de 3").wait_for()
    assert "Qu'est-ce qui ne s'est pas bien passé?" in legend.inner_text()
    assert page.get_by_text("Qu'est-ce qui s'est bien passé?").is_hidden()
    page.close()  # the person leaves
    assert [(r["language"], r["answers"]) for r in stored(app, ids["v2"])] == [
        ("fr", {"trust": False})
    ]


def test_trigger_elements_open_the_dialog(server: Any, page: Any) -> None:
    app, live = server
    ids = app.state.ids
    link = snippets.hosted_url(live.url, ids["page"], lang="fr")
    body = f'<p><a id="fb" href="{link}">Donner votre avis</a></p>' + tag(
        live, ids["page"], trigger="#fb", lang="fr"
    )
    serve_host(page, app.state.host, host_html(body, lang="fr"))
    page.locator("script[data-fb-ready]").wait_for(state="attached")
    page.get_by_role("link", name="Donner votre avis").click()
    dialog = page.get_by_role("dialog", name="Rétroaction sur la page")
    dialog.wait_for()
    assert page.url.startswith(app.state.host)  # the link's own address was not followed
    assert page.get_by_role("button", name="Rétroaction").count() == 0  # no floating tab
    page.keyboard.press("Escape")
    assert page.evaluate(DEEP_ACTIVE)["id"] == "fb"
    page.get_by_role("link", name="Donner votre avis").click()
    dialog.get_by_role("radio", name="Oui").check()
    dialog.get_by_role("button", name="Suivant").click()
    dialog.get_by_role("button", name="Envoyer").click()
    dialog.get_by_text("Merci. Vos commentaires ont été envoyés.").wait_for()
    dialog.get_by_role("button", name="Fermer").click()
    assert page.evaluate(DEEP_ACTIVE)["id"] == "fb"
    assert [r["answers"] for r in stored(app, ids["page"])] == [{"found": True}]


def test_the_tab_never_covers_the_focused_element(server: Any, page: Any) -> None:
    app, live = server
    page.set_viewport_size({"width": 800, "height": 600})
    css = (
        "<style>#corner{position:fixed;right:0;bottom:0;padding:10px 40px}"
        "#wide{position:fixed;left:0;right:0;bottom:0;display:block;text-align:center}"
        "#wide:not(:focus){bottom:-100px}</style>"
    )
    body = '<a id="corner" href="#a">Corner link</a><a id="wide" href="#b">Wide</a>'
    serve_host(
        page,
        app.state.host,
        host_html(body + tag(live, app.state.ids["page"], mode="button"), head=css),
    )
    tab = page.get_by_role("button", name="Feedback")
    tab.wait_for()

    def overlaps(selector: str) -> bool:
        a, b = page.locator(selector).bounding_box(), tab.bounding_box()
        return not (
            a["x"] + a["width"] <= b["x"]
            or b["x"] + b["width"] <= a["x"]
            or a["y"] + a["height"] <= b["y"]
            or b["y"] + b["height"] <= a["y"]
        )

    assert overlaps("#corner"), "the test needs a host element under the tab"
    page.locator("#corner").focus()
    assert not overlaps("#corner")
    page.locator("#wide").focus()  # spans both bottom corners: a handle on the right edge
    assert not overlaps("#wide")
    box = tab.bounding_box()
    assert box["y"] > 100 and box["x"] + box["width"] == 800 and box["width"] < 48


def test_the_dialog_fits_at_200_percent_zoom(server: Any, page: Any) -> None:
    app, live = server
    page.set_viewport_size({"width": 640, "height": 400})  # a 1280 x 800 window at 200%
    serve_host(page, app.state.host, host_html(tag(live, app.state.ids["counter"], mode="button")))
    page.get_by_role("button", name="Feedback").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 640 and box["height"] <= 400
    wide = page.evaluate(
        "() => document.querySelector('body > div').shadowRoot.querySelector('dialog').scrollWidth"
    )
    assert wide <= box["width"] + 1  # no sideways scrolling inside
    send = dialog.get_by_role("button", name="Send")
    send.scroll_into_view_if_needed()
    assert send.is_visible()


# ---- iframe mode ----


def test_iframe_mode_sizes_itself_and_only_allowed_origins_may_frame_it(
    server: Any, page: Any
) -> None:
    app, live = server
    ids = app.state.ids
    serve_host(page, app.state.host, host_html(snippets.iframe(live.url, ids["page"], lang="fr")))
    frame = page.frame_locator("iframe")
    frame.get_by_role("radio", name="Oui").wait_for()
    page.wait_for_function("() => document.querySelector('iframe').style.height !== ''")
    height = page.locator("iframe").evaluate("f => f.getBoundingClientRect().height")
    assert 300 < height < 3000 and height != 480
    frame.get_by_role("radio", name="Non").check()
    frame.get_by_role("button", name="Envoyer").click()
    frame.get_by_text("Merci. Vos commentaires ont été envoyés.").wait_for()
    assert [(r["language"], r["answers"]) for r in stored(app, ids["page"])] == [
        ("fr", {"found": False})
    ]
    # Another site may not frame it: Chromium refuses to draw the survey there.
    other = page.context.new_page()
    serve_host(other, app.state.evil, host_html(snippets.iframe(live.url, ids["page"])))
    other.wait_for_timeout(300)
    child = other.frames[1]
    assert child.url.startswith("chrome-error://") or child.locator("form").count() == 0
    other.close()


# ---- network trouble ----


def test_network_cut_mid_submission_stores_once(server: Any, page: Any) -> None:
    app, live = server
    counter = app.state.ids["counter"]  # six questions: the one-form layout
    cut: list[str] = []

    def lose_the_reply(route: Any) -> None:
        if route.request.method == "POST" and not cut:
            cut.append(route.request.headers.get("idempotency-key", ""))
            route.fetch()  # the server stores it...
            route.abort("connectionreset")  # ...but the reply never arrives
        else:
            route.continue_()

    page.route(re.compile(r".*/responses.*"), lose_the_reply)
    serve_host(page, app.state.host, host_html(tag(live, counter, channel="in_person")))
    page.get_by_role("radio", name="5 Strongly agree").first.check()
    page.get_by_role("radio", name="4 Satisfied").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Not sent yet. We will keep trying.").wait_for()
    page.get_by_text("Thank you. Your feedback was sent.").wait_for(timeout=15000)
    assert cut and [r["answers"] for r in stored(app, counter)] == [
        {"timeliness": 5, "satisfaction": 4}
    ]
    assert page.evaluate("() => localStorage.length") == 0


def test_unsent_answers_wait_in_local_storage_for_the_next_page(
    server: Any, context: Any, page: Any
) -> None:
    app, live = server
    ids = app.state.ids
    page.route(re.compile(r".*/responses.*"), lambda route: route.abort("internetdisconnected"))
    serve_host(page, app.state.host, host_html(tag(live, ids["counter"])))
    page.get_by_role("radio", name="4 Satisfied").check()
    page.get_by_label("What could we do better?").fill("Call 613-555-0100")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Not sent yet. We will keep trying.").wait_for()
    kept = page.evaluate("() => Object.entries(localStorage)")
    assert len(kept) == 1 and "613-555-0100" in kept[0][1]
    assert stored(app, ids["counter"]) == []
    page.close()  # the person leaves while offline
    assert context.cookies() == []

    back = context.new_page()  # the next page of the site, the network is back
    serve_host(
        back,
        app.state.host,
        host_html("<p>Another page, no survey here.</p>" + tag(live, ids["page"])),
    )
    # No one is there to check a preview: the server scrubs the comment and stores it.
    [response] = wait_for(lambda: stored(app, ids["counter"]))
    assert response["answers"] == {"satisfaction": 4, "comment": "Call [phone removed]"}
    assert wait_for(lambda: back.evaluate("() => localStorage.length") == 0)
    back.reload()
    back.get_by_role("radio", name="Yes").wait_for()
    assert len(stored(app, ids["counter"])) == 1
    assert context.cookies() == []


def test_server_down_or_survey_closed_at_load_draws_nothing(server: Any, page: Any) -> None:
    app, live = server
    dead = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    page.route(
        f"{dead}/embed.js",
        lambda route: route.fulfill(
            status=200, content_type="text/javascript", body=EMBED_JS.read_text(encoding="utf-8")
        ),
    )
    ids = app.state.ids
    body = (
        f'<script async src="{dead}/embed.js" data-survey="{ids["page"]}"></script>'
        f'<script async src="{dead}/embed.js" data-survey="{ids["page"]}" data-mode="button">'
        "</script>" + tag(live, ids["closed"]) + tag(live, ids["closed"], mode="button")
    )
    serve_host(page, app.state.host, host_html(body))
    page.wait_for_function("() => document.querySelectorAll('script[data-fb-ready]').length == 4")
    page.wait_for_load_state("networkidle")
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot).length"
    )
    assert drawn == 0
    assert page.get_by_role("button").count() == 0


# ---- accessibility ----


TEXTS = {
    "en": {
        "send": "Send",
        "next": "Next",
        "tab": "Feedback",
        "of": "of",
        "check": "we removed personal information",
        "thanks": "Thank you.",
    },
    "fr": {
        "send": "Envoyer",
        "next": "Suivant",
        "tab": "Rétroaction",
        "of": "de",
        "check": "nous avons retiré des renseignements personnels",
        "thanks": "Merci.",
    },
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_axe_finds_nothing_on_each_step_the_dialog_and_the_iframe(
    server: Any, page: Any, lang: str
) -> None:
    """Each step of an A-11 v2 survey, the preview of a comment, the thank-you, the dialog of a
    longer survey and the iframe page; the preview round trip stores the comment once."""
    app, live = server
    ids = app.state.ids
    say = TEXTS[lang]
    body = (
        '<section id="a" aria-label="Survey"></section>'
        + tag(live, ids["v2"], target="#a", lang=lang)
        + tag(live, ids["counter"], mode="button", lang=lang)
    )
    serve_host(page, app.state.host, host_html(body, lang=lang))
    inline = page.locator("#a")
    inline.get_by_role("button", name=say["next"]).click()  # nothing answered: errors shown
    inline.locator(".sum h3").wait_for()
    found = {"step 1 with errors": axe_violations(page)}
    inline.get_by_role("radio").first.check()
    inline.locator(".sv").filter(has_text=re.compile(".")).wait_for()
    found["step 1 saved"] = axe_violations(page)
    inline.get_by_role("button", name=say["next"]).click()
    inline.get_by_text(f"2 {say['of']} 3").wait_for()
    found["step 2"] = axe_violations(page)
    inline.get_by_role("button", name=say["next"]).click()
    inline.get_by_text(f"3 {say['of']} 3").wait_for()
    found["step 3"] = axe_violations(page)
    inline.locator("textarea").fill("jo@example.com, 613-555-0100")
    inline.get_by_role("button", name=say["send"]).click()
    inline.get_by_role("alert").get_by_text(say["check"]).wait_for()
    scrubbed = {
        "en": "[email removed], [phone removed]",
        "fr": "[courriel retiré], [téléphone retiré]",
    }
    assert inline.locator("textarea").input_value() == scrubbed[lang]
    found["step 3, what will be removed"] = axe_violations(page)
    inline.get_by_role("button", name=say["send"]).click()
    inline.locator(".ok").get_by_text(say["thanks"]).wait_for()
    found["thank you"] = axe_violations(page)
    assert [(r["language"], r["answers"]) for r in stored(app, ids["v2"])] == [
        (lang, {"trust": True, "comment": scrubbed[lang]})
    ]
    page.get_by_role("button", name=say["tab"]).click()
    page.get_by_role("dialog").wait_for()
    found["dialog"] = axe_violations(page)
    page.keyboard.press("Escape")
    page.goto(snippets.hosted_url(live.url, ids["page"], lang=lang, embed=True))
    found["iframe page"] = axe_violations(page)
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_after_a_language_switch_the_widget_words_errors_as_the_hosted_page(
    server: Any, page: Any, lang: str
) -> None:
    """The words come with the definition, in each language, so the switch asks for nothing."""
    app, live = server
    ids = app.state.ids
    other = "fr" if lang == "en" else "en"
    send, switch, problem, missing = {
        "en": ("Send", "English", "There is a problem", "Choose an answer: "),
        "fr": ("Envoyer", "Français", "Il y a un problème", "Choisissez une réponse : "),
    }[other]
    page.goto(snippets.hosted_url(live.url, ids["counter"], lang=other))
    page.get_by_role("button", name=send).click()
    hosted = page.locator(".error-summary li").all_inner_texts()
    assert hosted and hosted[0].startswith(missing)
    serve_host(page, app.state.host, host_html(tag(live, ids["counter"], lang=lang), lang=lang))
    widget = page.locator("div.w")
    widget.get_by_role("button", name=switch).wait_for()  # drawn: the definition is in
    asked: list[str] = []
    page.on("request", lambda r: r.method == "GET" and asked.append(r.url))
    widget.get_by_role("button", name=switch).click()
    widget.get_by_role("button", name=send).click()
    widget.locator(".sum li").first.wait_for()
    assert widget.locator(".sum li").all_inner_texts() == hosted
    assert widget.locator(".sum h3").inner_text() == problem
    assert not [url for url in asked if "/api/v1/surveys/" in url]  # the seen count is a POST

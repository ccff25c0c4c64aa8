"""In a real browser: one response, its delete confirmation, an agent's correction and void,
the confirmation pages, copy buttons and the API reference, in English and French.

Each page passes axe-core. FEEDBACK_SCREENSHOTS=1 saves screenshots to docs/screenshots/ (or to
the folder it names instead).
"""

from __future__ import annotations

from typing import Any

from feedback.answers import assisted, intake, storing
from feedback.core.db import session_scope
from feedback.core.models import Service, StaffUser, Survey
from feedback.integrations import tokens, webhooks
from feedback.staff import auth
from feedback.surveys import builder_review
from feedback.surveys import definitions as surveys

from conftest import ADMIN_PASSWORD, axe_violations, save_shot


def _login(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", ADMIN_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_load_state()


def _seed(app: Any) -> dict[str, int]:
    """A widget response with a comment and an agent's phone entry, in Toronto's zone."""
    with session_scope(app.state.engine) as session:
        service = session.get(Service, "licences")
        assert service is not None
        service.time_zone = "America/Toronto"
        survey = session.get(Survey, app.state.ids["v2"])
        assert survey is not None
        questions = surveys.questions_of(session, survey.id)
        widget = storing.submit(
            session,
            survey=survey,
            questions=questions,
            submission=intake.Submission(
                channel="web",
                language="fr",
                touchpoint="renouvellement-en-ligne",
                answers={
                    "trust": False,
                    "went_badly": ["efficiency", "ease"],
                    "comment": "Le formulaire a refusé ma date de naissance deux fois.",
                },
                source="widget",
            ),
            lang="en",
        )
        agent = auth.find_user(session, "agent")
        assert isinstance(agent, StaffUser)
        entry = assisted.store(
            session,
            user=agent,
            survey=survey,
            questions=questions,
            submission=intake.Submission(
                channel="phone",
                language="en",
                answers={"trust": True, "went_well": ["employee"]},
                assisted=True,
            ),
            lang="en",
            submission_id="browser-1",
        )
        tokens.create(session, name="Call centre IVR", scopes=["ingest"], by="admin")
        webhooks.add(
            session,
            service_id="licences",
            url="https://crm.example.gc.ca/hooks/feedback",
            by="admin",
            allow_private=True,
        )
    return {"widget": widget.id, "entry": entry.id}


def test_response_pages_confirmations_and_reference_pass_axe(live_app: Any, browser: Any) -> None:
    app, server = live_app
    ids = _seed(app)
    survey = app.state.ids["v2"]
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    _login(page, server.url, "admin")
    for lang in ("en", "fr"):
        pages = {
            f"response-view-{lang}.png": f"/dashboard/surveys/{survey}/responses/{ids['widget']}",
            f"response-delete-confirm-{lang}.png": (
                f"/dashboard/surveys/{survey}/responses/{ids['widget']}/delete"
            ),
            f"confirm-token-revoke-{lang}.png": "/admin/tokens/1/revoke",
            f"confirm-webhook-disable-{lang}.png": "/admin/webhooks/1/disable",
        }
        for name, path in pages.items():
            page.goto(f"{server.url}{path}?lang={lang}")
            assert page.evaluate("document.documentElement.lang") == lang
            assert axe_violations(page) == [], path
            save_shot(page, name, full_page=True)
        # The delete form refuses an empty reason, beside the field.
        page.goto(
            f"{server.url}/dashboard/surveys/{survey}/responses/{ids['widget']}/delete?lang={lang}"
        )
        page.locator("form.narrow-form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#reason-error").is_visible()
        assert axe_violations(page) == []
    # The API reference, public: no sign-in needed.
    anonymous = browser.new_context(viewport={"width": 1100, "height": 900})
    reader = anonymous.new_page()
    for lang in ("en", "fr"):
        reader.goto(f"{server.url}/api/v1/docs?lang={lang}")
        assert reader.evaluate("document.documentElement.lang") == lang
        assert axe_violations(reader) == [], lang
        save_shot(reader, f"api-reference-{lang}.png")
    anonymous.close()
    context.close()


def test_agent_correction_and_void_pages(live_app: Any, browser: Any) -> None:
    app, server = live_app
    ids = _seed(app)
    survey = app.state.ids["v2"]
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    _login(page, server.url, "agent")
    for lang in ("en", "fr"):
        for name, path in (
            (f"assist-entry-correct-{lang}.png", f"/assist/{survey}/entries/{ids['entry']}"),
            (f"assist-entry-void-{lang}.png", f"/assist/{survey}/entries/{ids['entry']}/void"),
            (f"assist-entries-{lang}.png", f"/assist/{survey}/entries"),
        ):
            page.goto(f"{server.url}{path}?lang={lang}")
            assert axe_violations(page) == [], path
            save_shot(page, name, full_page=True)
    # Correct the answer by keyboard-free clicks, then see the confirmation.
    page.goto(f"{server.url}/assist/{survey}/entries/{ids['entry']}?lang=en")
    page.get_by_role("button", name="Save the correction").click()
    page.wait_for_load_state()
    assert page.get_by_text("Your correction was saved.").is_visible()
    context.close()


def test_copy_buttons_copy_and_announce_and_are_absent_without_javascript(
    live_app: Any, browser: Any
) -> None:
    app, server = live_app
    survey = app.state.ids["page"]
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    _login(page, server.url, "admin")
    for lang, label, copied in (
        ("en", "Copy the link in English", "Copied"),
        ("fr", "Copier le lien en anglais", "Copié"),
    ):
        page.goto(f"{server.url}/admin/surveys/{survey}/share?lang={lang}")
        button = page.get_by_role("button", name=label)
        button.click()
        status = page.locator("#link-en + .copy-row [role=status]")
        status.wait_for()
        page.wait_for_function("el => el.textContent.length > 0", arg=status.element_handle())
        assert status.text_content() == copied
        assert (
            page.evaluate("navigator.clipboard.readText()")
            == page.locator("#link-en").input_value()
        )
        assert axe_violations(page) == []
        button.focus()
        save_shot(page, f"share-copy-button-{lang}.png")
    context.close()
    plain = browser.new_context(java_script_enabled=False)
    page = plain.new_page()
    _login(page, server.url, "admin")
    page.goto(f"{server.url}/admin/surveys/{survey}/share?lang=en")
    assert page.locator(".copy-button").count() == 0
    assert page.locator("#link-en").is_visible()  # still there, to select by hand
    plain.close()


def test_builder_lists_translations_to_check(live_app: Any, browser: Any) -> None:
    app, server = live_app
    draft = app.state.ids["draft"]
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, draft)
        assert survey is not None
        question = surveys.questions_of(session, draft)[0]
        before = builder_review.question_texts(question)
        question.text = {**question.text, "en": "How likely are you to recommend our office?"}
        session.add(question)
        builder_review.note_changes(survey, before, builder_review.question_texts(question))
        session.add(survey)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    _login(page, server.url, "admin")
    for lang, button in (
        ("en", "The French is still right"),
        ("fr", "Le français est encore juste"),
    ):
        page.goto(f"{server.url}/admin/surveys/{draft}?lang={lang}")
        assert page.get_by_role("button", name=button).is_visible()
        assert axe_violations(page) == [], lang
        page.locator("#review").scroll_into_view_if_needed()
        save_shot(page, f"builder-needs-review-{lang}.png")
        # Going live is refused while it waits, with the reason in the list.
        page.get_by_role(
            "button", name="Make the survey live" if lang == "en" else "Mettre le sondage en ligne"
        ).click()
        page.wait_for_load_state()
        assert axe_violations(page) == []
    page.goto(f"{server.url}/admin/surveys/{draft}?lang=en")
    page.get_by_role("button", name="The French is still right").click()
    page.wait_for_load_state()
    assert page.get_by_text("The translation is marked as checked.").is_visible()
    assert page.locator("#review").count() == 0
    context.close()

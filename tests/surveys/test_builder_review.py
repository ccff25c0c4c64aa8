"""Translations marked "needs review" when the other language changes; duplicating a survey.

A changed wording in one language marks the same text in the other; the go-live check
lists it until someone confirms it ("The French is still right") or edits it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient

from feedback.answers import intake, storing
from feedback.core.db import session_scope
from feedback.core.models import AuditEntry, Question, Response, Survey
from feedback.surveys import builder_review
from feedback.surveys import definitions as surveys

from conftest import login


def _token(c: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/admin/surveys").text)
    assert found
    return found.group(1)


def _post(c: TestClient, url: str, data: dict[str, Any]) -> Any:
    return c.post(url, data={"csrf_token": _token(c), **data}, follow_redirects=False)


def _survey(app: Any, survey_id: str) -> tuple[Survey, list[Question]]:
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, survey_id)
        assert survey is not None
        return survey, surveys.questions_of(session, survey_id)


def _marks(app: Any, survey_id: str) -> list[tuple[str, str]]:
    survey, _questions = _survey(app, survey_id)
    return [(m["part"], m["language"]) for m in survey.needs_review or []]


def _question_form(question: Question, **changes: str) -> dict[str, Any]:
    form: dict[str, Any] = {
        "kind": question.kind,
        "driver": question.driver or "",
        "required": "1" if question.required else "",
        "text_en": question.text.get("en", ""),
        "text_fr": question.text.get("fr", ""),
        "hint_en": (question.hint or {}).get("en", ""),
        "hint_fr": (question.hint or {}).get("fr", ""),
        "opt_id": [o["id"] for o in question.options],
        "opt_en": [o["label"].get("en", "") for o in question.options],
        "opt_fr": [o["label"].get("fr", "") for o in question.options],
    }
    return form | changes


def test_rules_of_marking() -> None:
    survey = Survey(id="x", service_id="s", title={}, languages=["en", "fr"], channels=[],
                    allowed_origins=[])  # fmt: skip
    both = {"title": {"en": "Visit", "fr": "Visite"}}
    builder_review.note_changes(survey, both, {"title": {"en": "Your visit", "fr": "Visite"}})
    assert survey.needs_review == [{"part": "title", "language": "fr"}]
    # Editing the French clears its mark; changing both at once marks neither.
    builder_review.note_changes(
        survey, {"title": {"en": "Your visit", "fr": "Visite"}},
        {"title": {"en": "Your visit", "fr": "Votre visite"}},
    )  # fmt: skip
    assert survey.needs_review is None
    builder_review.note_changes(survey, both, {"title": {"en": "A", "fr": "B"}})
    assert survey.needs_review is None
    # Writing a missing translation, or clearing one, casts no doubt on the other.
    builder_review.note_changes(survey, {"title": {"en": "A"}}, {"title": {"en": "A", "fr": "B"}})
    builder_review.note_changes(survey, both, {"title": {"en": "", "fr": "Visite"}})
    assert survey.needs_review is None
    # A removed option takes its mark with it.
    builder_review.note_changes(
        survey, {"q1.option.a": {"en": "A", "fr": "A"}}, {"q1.option.a": {"en": "Ay", "fr": "A"}}
    )
    assert survey.needs_review == [{"part": "q1.option.a", "language": "fr"}]
    builder_review.note_changes(survey, {"q1.option.a": {"en": "Ay", "fr": "A"}}, {})
    assert survey.needs_review is None


def test_changed_english_blocks_going_live_until_the_french_is_confirmed(
    app: Any, staff: TestClient
) -> None:
    survey_id = app.state.ids["draft"]  # an NPS survey, fully translated
    _survey_row, questions = _survey(app, survey_id)
    first = questions[0]
    new_text = "How likely are you to recommend this office to a friend?"
    saved = _post(
        staff,
        f"/admin/surveys/{survey_id}/questions/{first.key}",
        _question_form(first, text_en=new_text),
    )
    assert saved.status_code == 303, saved.text
    assert _marks(app, survey_id) == [(f"{first.key}.text", "fr")]
    page = staff.get(f"/admin/surveys/{survey_id}?lang=en")
    assert "Translations to check" in page.text and "The French is still right" in page.text
    assert f'<dd lang="en">{new_text}</dd>' in page.text
    # The field itself says so too, in its label (read out with it), and only that field.
    assert page.text.count('<strong class="needs-review">Needs review</strong></label>') == 1
    assert 'Question in French <strong class="needs-review">' in page.text
    refused = _post(staff, f"/admin/surveys/{survey_id}/status?lang=en", {"status": "live"})
    assert refused.status_code == 400
    assert "Check question 1: its wording in French" in refused.text
    french = staff.post(
        f"/admin/surveys/{survey_id}/status?lang=fr",
        data={"csrf_token": _token(staff), "status": "live"},
    )
    assert "Vérifiez la question 1 : son libellé en français" in french.text
    confirmed = _post(
        staff,
        f"/admin/surveys/{survey_id}/review",
        {"part": f"{first.key}.text", "language": "fr"},
    )
    assert confirmed.status_code == 303 and "done=confirmed" in confirmed.headers["location"]
    assert _marks(app, survey_id) == []
    live = _post(staff, f"/admin/surveys/{survey_id}/status", {"status": "live"})
    assert live.status_code == 303 and "done=live" in live.headers["location"]
    with session_scope(app.state.engine) as session:
        actions = [e.action for e in session.exec(select(AuditEntry))]
    assert "survey.translation_confirmed" in actions


def test_editing_the_other_language_clears_the_mark_and_titles_count_too(
    app: Any, staff: TestClient
) -> None:
    survey_id = app.state.ids["draft"]
    survey, questions = _survey(app, survey_id)
    settings = {
        "title_en": "Would you recommend us?",
        "title_fr": survey.title["fr"],
        "channels": ["web"],
        "allowed_origins": "",
        "retention_days": "90",
        "client_limit_per_minute": "10",
    }
    assert _post(staff, f"/admin/surveys/{survey_id}/settings", settings).status_code == 303
    assert _marks(app, survey_id) == [("title", "fr")]
    settings["title_fr"] = "Nous recommanderiez-vous?"
    assert _post(staff, f"/admin/surveys/{survey_id}/settings", settings).status_code == 303
    assert _marks(app, survey_id) == []
    # A live survey's edits are not refused for a mark (else no wording could be fixed).
    live = app.state.ids["page"]
    _row, page_questions = _survey(app, live)
    edited = _post(
        staff,
        f"/admin/surveys/{live}/questions/{page_questions[0].key}",
        _question_form(page_questions[0], text_en="Did you find what you needed?"),
    )
    assert edited.status_code == 303
    assert _marks(app, live) == [(f"{page_questions[0].key}.text", "fr")]


def test_duplicate_is_a_new_draft_with_the_same_texts_and_no_answers(
    app: Any, client: TestClient
) -> None:
    original = app.state.ids["v2"]
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, original)
        assert survey is not None
        storing.submit(
            session,
            survey=survey,
            questions=surveys.questions_of(session, original),
            submission=intake.Submission(channel="web", language="en", answers={"trust": True}),
            lang="en",
        )
    login(client, "manager")
    made = _post(client, f"/admin/surveys/{original}/duplicate?lang=fr", {})
    assert made.status_code == 303
    found = re.match(r"/admin/surveys/(\w+)\?lang=fr&done=duplicated", made.headers["location"])
    assert found and found.group(1) != original
    copy, questions = _survey(app, found.group(1))
    source, source_questions = _survey(app, original)
    assert copy.status == "draft" and copy.service_id == source.service_id
    assert copy.title == {
        "en": f"Copy of {source.title['en']}",
        "fr": f"Copie de {source.title['fr']}",
    }
    assert copy.channels == source.channels and copy.languages == source.languages

    def shape(q: Question) -> tuple[Any, ...]:
        return (q.key, q.position, q.kind, q.text, q.hint, q.options, q.scale, q.show_if)

    assert [shape(q) for q in questions] == [shape(q) for q in source_questions]
    assert {q.id for q in questions}.isdisjoint({q.id for q in source_questions})
    with session_scope(app.state.engine) as session:
        stmt = select(Response).where(Response.survey_id == copy.id)
        assert session.exec(stmt).first() is None
    page = client.get(made.headers["location"])
    assert "Voici une copie, enregistrée comme ébauche" in page.text
    # Only editors of the survey's service may copy it.
    counter = app.state.ids["counter"]  # another service's
    assert _post(client, f"/admin/surveys/{counter}/duplicate", {}).status_code == 403
    login(client, "agent")
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/assist").text)
    assert found
    refused = client.post(f"/admin/surveys/{original}/duplicate", data={"csrf_token": found[1]})
    assert refused.status_code == 403

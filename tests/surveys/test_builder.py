"""The survey builder and share page: rules, versioning of answered questions, roles, CSRF."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import col, select
from starlette.testclient import TestClient

from feedback.answers import intake, storing
from feedback.core.db import session_scope
from feedback.core.models import Answer, AuditEntry, Question, Survey
from feedback.staff import auth
from feedback.surveys import definitions as surveys

from conftest import ADMIN_PASSWORD, login


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


def _all_questions(app: Any, survey_id: str) -> list[Question]:
    with session_scope(app.state.engine) as session:
        stmt = select(Question).where(Question.survey_id == survey_id).order_by(col(Question.id))
        return list(session.exec(stmt))


def _actions(app: Any, target: str) -> list[str]:
    with session_scope(app.state.engine) as session:
        stmt = select(AuditEntry).where(AuditEntry.target == target).order_by(col(AuditEntry.id))
        return [e.action for e in session.exec(stmt)]


def _new_blank(c: TestClient, title_en: str = "Counter visit") -> str:
    response = _post(
        c, "/admin/surveys/new", {"service": "licences", "template": "", "title_en": title_en}
    )
    assert response.status_code == 303, response.text
    found = re.match(r"/admin/surveys/(\w+)\?", response.headers["location"])
    assert found
    return found.group(1)


def _answer(app: Any, survey_id: str, answers: dict[str, Any]) -> None:
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, survey_id)
        assert survey is not None
        storing.submit(
            session,
            survey=survey,
            questions=surveys.questions_of(session, survey_id),
            submission=intake.Submission(channel="web", language="en", answers=answers),
            lang="en",
        )


def test_blank_survey_goes_live_only_when_every_text_is_translated(app: Any, staff: TestClient):
    survey_id = _new_blank(staff)
    refused = _post(staff, f"/admin/surveys/{survey_id}/status", {"status": "live"})
    assert refused.status_code == 400
    assert "Add at least one question." in refused.text
    assert "The title in French is missing." in refused.text

    added = _post(
        staff,
        f"/admin/surveys/{survey_id}/questions",
        {"kind": "yes_no", "text_en": "Did we help you today?", "text_fr": ""},
    )
    assert added.status_code == 303 and added.headers["location"].endswith("#question-q1")
    refused = _post(staff, f"/admin/surveys/{survey_id}/status", {"status": "live"})
    assert "Question 1 (“Did we help you today?”): the text in French is missing." in refused.text
    assert _survey(app, survey_id)[0].status == "draft"

    settings = {
        "title_en": "Counter visit",
        "title_fr": "Visite au comptoir",
        "channels": ["web", "in_person"],
        "allowed_origins": "https://www.example.ca/\nHTTP://localhost:8080",
        "retention_days": "90",
        "client_limit_per_minute": "10",
    }
    assert _post(staff, f"/admin/surveys/{survey_id}/settings", settings).status_code == 303
    question = {"kind": "yes_no", "text_en": "Did we help you today?", "required": "1"}
    question["text_fr"] = "Vous avons-nous aidé aujourd'hui?"
    assert _post(staff, f"/admin/surveys/{survey_id}/questions/q1", question).status_code == 303
    live = _post(staff, f"/admin/surveys/{survey_id}/status", {"status": "live"})
    assert live.status_code == 303 and "done=live" in live.headers["location"]

    survey, questions = _survey(app, survey_id)
    assert survey.status == "live" and survey.title["fr"] == "Visite au comptoir"
    assert survey.allowed_origins == ["https://www.example.ca", "http://localhost:8080"]
    assert (survey.retention_days, survey.client_limit_per_minute) == (90, 10)
    assert survey.channels == ["web", "in_person"]
    assert [(q.key, q.kind, q.required) for q in questions] == [("q1", "yes_no", True)]
    assert questions[0].scale[0]["label"]["fr"] == "Oui"
    api = staff.get(f"/api/v1/surveys/{survey_id}")
    assert api.json()["questions"][0]["text"]["fr"] == "Vous avons-nous aidé aujourd'hui?"
    assert _actions(app, survey_id) == [
        "survey.create",
        "question.add",
        "survey.update",
        "question.update",
        "survey.status",
    ]


def _errors_are_shown_beside_each_field_with_what_was_typed(staff: TestClient) -> None:
    page = _post(
        staff,
        "/admin/surveys/pagefbk234/settings",
        {
            "title_en": "Page feedback",
            "title_fr": "Rétroaction",
            "allowed_origins": "https://ok.example\nftp://bad.example/path",
            "retention_days": "0",
            "client_limit_per_minute": "abc",
        },
    )
    assert page.status_code == 400
    assert "“ftp://bad.example/path” is not an origin" in page.text
    assert "Choose at least one channel." in page.text
    assert "Enter a whole number from 1 to 3650." in page.text
    assert 'id="s-allowed_origins-error"' in page.text and 'aria-invalid="true"' in page.text
    assert "https://ok.example\nftp://bad.example/path</textarea>" in page.text
    assert 'value="abc"' in page.text
    french = staff.post(
        "/admin/surveys/pagefbk234/settings?lang=fr",
        data={"csrf_token": _token(staff), "title_en": "", "title_fr": ""},
    )
    assert "Il y a un problème" in french.text


def _live_survey_keeps_every_translation(app: Any, staff: TestClient) -> None:
    fields = {"kind": "yes_no", "text_en": "Did you find it?", "text_fr": "", "required": "1"}
    page = _post(staff, "/admin/surveys/pagefbk234/questions/found", fields)
    assert page.status_code == 400
    assert "Enter the text in every language: this survey is live." in page.text
    assert _survey(app, "pagefbk234")[1][0].text["fr"] == "Avez-vous trouvé ce que vous cherchiez?"
    removed = _post(staff, "/admin/surveys/pagefbk234/questions/found/remove", {})
    assert removed.status_code == 303  # the comment question remains, so the survey stays whole


def test_answered_question_is_versioned_not_changed(app: Any, staff: TestClient):
    _answer(app, "pagefbk234", {"found": True})
    before = {q.key: q for q in _survey(app, "pagefbk234")[1]}
    fields = {
        "kind": "yes_no",
        "text_en": "Did you find what you needed?",  # a wording fix: kept in place
        "text_fr": "Avez-vous trouvé ce dont vous aviez besoin?",
        "required": "1",
        "driver": "findability",
    }
    assert _post(staff, "/admin/surveys/pagefbk234/questions/found", fields).status_code == 303
    after = {q.key: q for q in _survey(app, "pagefbk234")[1]}
    assert after["found"].id == before["found"].id and after["found"].version == 1

    fields.update(kind="rating5", scale="satisfaction")  # a new shape: a new version
    assert _post(staff, "/admin/surveys/pagefbk234/questions/found", fields).status_code == 303
    rows = [q for q in _all_questions(app, "pagefbk234") if q.key == "found"]
    assert [(q.version, q.retired, q.kind) for q in rows] == [
        (1, True, "yes_no"),
        (2, False, "rating5"),
    ]
    with session_scope(app.state.engine) as session:
        answers = list(session.exec(select(Answer)))
    assert [a.question_id for a in answers] == [rows[0].id]  # the old answer keeps its question
    assert "question.version" in _actions(app, "pagefbk234")
    page = staff.get("/admin/surveys/pagefbk234")
    assert "Earlier versions kept with their answers" in page.text

    _answer(app, "pagefbk234", {"found": 4})
    assert _post(staff, "/admin/surveys/pagefbk234/questions/found/remove", {}).status_code == 303
    assert _post(staff, "/admin/surveys/pagefbk234/questions/comment/remove", {}).status_code == 400
    kept = [q for q in _all_questions(app, "pagefbk234") if q.key == "found"]
    assert [(q.version, q.retired) for q in kept] == [(1, True), (2, True)]


def test_add_move_options_show_if_and_remove(app: Any, staff: TestClient):
    survey_id = _new_blank(staff)
    for kind in ("yes_no", "multi", "text"):
        _post(staff, f"/admin/surveys/{survey_id}/questions", {"kind": kind, "text_en": kind})
    multi = {
        "kind": "multi",
        "text_en": "What went well?",
        "text_fr": "Qu'est-ce qui s'est bien passé?",
        "opt_id": ["", "", ""],
        "opt_en": ["Fast", "Kind staff", ""],
        "opt_fr": ["Rapide", "Personnel aimable", ""],
        "show_if": ["q1=true"],
    }
    assert _post(staff, f"/admin/surveys/{survey_id}/questions/q2", multi).status_code == 303
    q2 = _survey(app, survey_id)[1][1]
    assert [o["id"] for o in q2.options] == ["fast", "kind_staff"]
    assert q2.show_if == {"question": "q1", "values": [True]}
    both = {**multi, "show_if": ["q1=true", "q3=x"]}
    wrong = _post(staff, f"/admin/surveys/{survey_id}/questions/q2", both)
    assert wrong.status_code == 400 and "Choose answers of one earlier question only." in wrong.text
    q1 = {"kind": "rating5", "scale": "ease", "text_en": "Was it easy?"}
    assert _post(staff, f"/admin/surveys/{survey_id}/questions/q1", q1).status_code == 303
    refused = _post(staff, f"/admin/surveys/{survey_id}/status", {"status": "live"})
    assert (
        "Question 2 (“What went well?”): the answers that show it no longer exist." in refused.text
    )

    assert _post(staff, f"/admin/surveys/{survey_id}/questions/q3/move", {"step": "up"}).status_code
    assert [q.key for q in _survey(app, survey_id)[1]] == ["q1", "q3", "q2"]
    _post(staff, f"/admin/surveys/{survey_id}/questions/q1/move", {"step": "up"})  # already first
    assert [q.key for q in _survey(app, survey_id)[1]] == ["q1", "q3", "q2"]
    removed = _post(staff, f"/admin/surveys/{survey_id}/questions/q3/remove", {})
    assert "done=deleted" in removed.headers["location"]
    assert [q.key for q in _all_questions(app, survey_id)] == ["q1", "q2"]  # never answered


def _roles_and_services(app: Any, client: TestClient) -> None:
    with session_scope(app.state.engine) as session:
        auth.create_user(
            session,
            username="viewer",
            password=ADMIN_PASSWORD,
            role="viewer",
            service_ids=["licences"],
        )
    assert client.get("/admin/surveys", follow_redirects=False).status_code == 303
    login(client, "manager")
    listing = client.get("/admin/surveys")
    assert "pagefbk234" in listing.text and "cntrxx2345" not in listing.text
    assert client.get("/admin/surveys/pagefbk234").status_code == 200
    assert client.get("/admin/surveys/cntrxx2345").status_code == 403
    assert client.get("/admin/surveys/cntrxx2345/share").status_code == 403
    assert (
        _post(client, "/admin/surveys/cntrxx2345/status", {"status": "closed"}).status_code == 403
    )
    other = _post(client, "/admin/surveys/new", {"service": "parks", "title_en": "Parks"})
    assert other.status_code == 400 and "Choose the service this survey is for." in other.text
    no_csrf = client.post("/admin/surveys/pagefbk234/status", data={"status": "closed"})
    assert no_csrf.status_code == 403
    for name in ("viewer", "agent"):
        client.cookies.clear()
        login(client, name)
        assert client.get("/admin/surveys").status_code == 403
        assert client.get("/admin/surveys/pagefbk234/share").status_code == 403


def _share_page_and_draft_preview(app: Any, staff: TestClient) -> None:
    page = staff.get("/admin/surveys/pagefbk234/share?channel=web&touchpoint=desk-3&lang=fr")
    assert page.status_code == 200
    text = page.text
    for needle in (
        "data-survey=&#34;pagefbk234&#34;",
        "data-mode=&#34;button&#34;",
        "data-trigger=&#34;#feedback-button&#34;",
        "&lt;noscript&gt;",
        "&lt;iframe src=",
        "/s/pagefbk234?lang=fr&amp;channel=web&amp;touchpoint=desk-3",
        "/admin/surveys/pagefbk234/qr.svg?channel=web&amp;touchpoint=desk-3&amp;lang=fr",
        "/admin/surveys/pagefbk234/qr.png?",
        # The live preview carries a signed preview token: its answers are test answers.
        '<iframe src="/s/pagefbk234?lang=fr&amp;channel=web&amp;embed=1&amp;preview=',
    ):
        assert needle in text, needle
    qr = staff.get("/admin/surveys/pagefbk234/qr.svg?channel=web&touchpoint=desk-3&lang=fr")
    assert qr.headers["content-type"].startswith("image/svg+xml")
    draft = staff.get("/admin/surveys/drftxx2345/share")
    assert "This survey is not live." in draft.text and "<iframe src=" not in draft.text
    assert staff.get("/s/drftxx2345").status_code == 404
    preview = staff.get("/admin/surveys/drftxx2345/preview?lang=fr")
    assert preview.status_code == 200 and 'lang="fr"' in preview.text
    assert "Nothing you choose here is sent." in staff.get("/admin/surveys/drftxx2345/preview").text


def test_live_edits_and_field_errors(app: Any, staff: TestClient):
    _errors_are_shown_beside_each_field_with_what_was_typed(staff)
    _live_survey_keeps_every_translation(app, staff)
    # A template's own labels (A-11 v2 trust: Agree/Disagree) survive saving the form as shown.
    _answer(app, "a11v2xx234", {"trust": True})
    trust = _survey(app, "a11v2xx234")[1][0]
    form = {"kind": trust.kind, "driver": trust.driver or "", "required": "1"}
    form.update({f"text_{k}": v for k, v in trust.text.items()})
    assert _post(staff, "/admin/surveys/a11v2xx234/questions/trust", form).status_code == 303
    after = _survey(app, "a11v2xx234")[1][0]
    assert (after.id, after.version, after.scale) == (trust.id, 1, trust.scale)


def test_share_page_roles_and_preview(app: Any, client: TestClient):
    login(client)
    _share_page_and_draft_preview(app, client)
    client.cookies.clear()
    _roles_and_services(app, client)

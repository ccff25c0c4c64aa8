"""Comments: search (case-insensitive, accents too), filters, paging, frequent terms per
period and language, and hiding an abusive comment (kept for audit, never shown again)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient
from test_dashboard_views import csrf, section, submit, text_of

from feedback.core.db import session_scope
from feedback.core.models import Answer, Survey
from feedback.insight.export import iter_rows
from feedback.staff import auth
from feedback.surveys.definitions import questions_of

from conftest import ADMIN_PASSWORD, login

COMMENTS = [
    # (day, channel, language, satisfaction, comment)
    (date(2025, 1, 5), "in_person", "en", 2, "The wait was far too long."),
    (date(2025, 1, 9), "phone", "en", 1, "Long wait on the phone, and the line dropped."),
    (date(2025, 1, 20), "in_person", "fr", 5, "L'École du quartier m'a aidé, personnel courtois."),
    (date(2025, 2, 3), "in_person", "fr", 4, "Personnel courtois, attente raisonnable."),
    (date(2025, 2, 14), "phone", "en", 5, "Helpful staff, short wait."),
]


def load(app: Any) -> dict[str, int]:
    ids = {}
    for day, channel, lang, score, text in COMMENTS:
        rid = submit(
            app,
            "counter",
            {"satisfaction": score, "comment": text},
            day=day,
            channel=channel,
            lang=lang,
        )
        ids[text] = rid
    return ids


def listed(html: str) -> list[str]:
    """The comments shown in the list, in order."""
    block = section(html, "list-title")
    return [text_of(p) for p in re.findall(r'<p lang="(?:en|fr)">(.*?)</p>', block, re.S)]


URL = "/dashboard/surveys/{}/comments?since=2025-01-01&until=2025-03-31"


def test_search_is_case_insensitive_in_both_languages(staff: TestClient, app: Any) -> None:
    load(app)
    url = URL.format(app.state.ids["counter"])
    assert listed(staff.get(url + "&q=WAIT").text) == [
        "Helpful staff, short wait.",
        "Long wait on the phone, and the line dropped.",
        "The wait was far too long.",
    ]
    assert listed(staff.get(url + "&q=%C3%A9cole").text) == [  # "école" finds "École"
        "L'École du quartier m'a aidé, personnel courtois."
    ]
    assert listed(staff.get(url + "&q=100%25").text) == []  # % is a character, not a wildcard


def test_filters_by_channel_language_score_and_date(staff: TestClient, app: Any) -> None:
    load(app)
    url = URL.format(app.state.ids["counter"])
    assert listed(staff.get(url + "&channel=phone&language=en").text) == [
        "Helpful staff, short wait.",
        "Long wait on the phone, and the line dropped.",
    ]
    assert listed(staff.get(url + "&score=1&score=2").text) == [
        "Long wait on the phone, and the line dropped.",
        "The wait was far too long.",
    ]
    february = staff.get(
        f"/dashboard/surveys/{app.state.ids['counter']}/comments?since=2025-02-01&until=2025-02-28"
    ).text
    assert len(listed(february)) == 2
    assert "Comments found: 2" in text_of(february)


def test_paging_keeps_the_filters(staff: TestClient, app: Any) -> None:
    for i in range(30):
        submit(
            app,
            "counter",
            {"satisfaction": 1, "comment": f"Comment number {i:02d}"},
            day=date(2025, 3, 1 + i % 28),
        )
    url = URL.format(app.state.ids["counter"]) + "&score=1&score=2"
    first = staff.get(url).text
    assert len(listed(first)) == 25 and "Comments found: 30" in text_of(first)
    older = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert older and "after=" in older.group(1)  # cut by the last comment shown, not an offset
    second = staff.get(older.group(1).replace("&amp;", "&")).text
    assert len(listed(second)) == 5
    assert set(listed(first)).isdisjoint(listed(second))
    assert "score=1&amp;score=2" in second  # both score filters kept in the links
    assert 'rel="next"' not in second and "Newest" in second


def test_frequent_terms_per_period_and_language(staff: TestClient, app: Any) -> None:
    load(app)
    html = staff.get(URL.format(app.state.ids["counter"]) + "&grain=month").text
    terms = section(html, "terms-title")
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", terms, re.S)
    assert [text_of(p) for p, _ in rows] == ["February 2025", "January 2025"]
    january_en, january_fr = re.findall(r'<td lang="(?:en|fr)">(.*?)</td>', rows[1][1], re.S)
    # "wait" is in both English comments of January, once each; "the", "was", "and" are
    # stop words; "long" counts once although one comment says "long" twice.
    english = text_of(january_en)
    assert english.startswith("long (2) wait (2)")
    assert "the (" not in english and "and (" not in english
    assert "of 2 comments" in english
    french = text_of(january_fr)
    assert "école (1)" in french and "courtois (1)" in french and "l'école" not in french
    assert "du (" not in french


def test_manager_hides_a_comment_kept_for_audit(client: TestClient, app: Any) -> None:
    ids = load(app)
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, app.state.ids["counter"])
        assert survey is not None
        survey.service_id = "licences"  # the manager's service
        session.add(survey)
    login(client, "manager")
    url = URL.format(app.state.ids["counter"])
    page = client.get(url + "&q=wait").text
    target = "The wait was far too long."
    with session_scope(app.state.engine) as session:
        answer = session.exec(
            select(Answer).where(Answer.response_id == ids[target], Answer.text == target)
        ).one()
    action = f"/dashboard/comments/{answer.id}/hide"
    assert action in page
    assert client.post(action, data={"next": url}).status_code == 403  # no CSRF token
    done = client.post(
        action + "?lang=fr",
        data={"csrf_token": csrf(client), "next": url + "&q=wait"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == url + "&q=wait&hidden=1"
    after = client.get(done.headers["location"] + "&lang=fr").text
    assert "Le commentaire est masqué." in text_of(after)
    assert target not in after
    assert "Commentaires masqués (conservés aux fins de vérification, non affichés) : 1" in (
        text_of(after)
    )
    detail = client.get(f"/dashboard/surveys/{app.state.ids['counter']}?since=2025-01-01").text
    assert target not in detail
    with session_scope(app.state.engine) as session:
        kept = session.get(Answer, answer.id)
        assert kept is not None and kept.text == target  # never deleted
        assert kept.hidden and kept.hidden_by == "manager" and kept.hidden_at is not None
        survey = session.get(Survey, app.state.ids["counter"])
        assert survey is not None
        exported = [
            r.answers.get("comment")
            for r in iter_rows(session, survey=survey, questions=questions_of(session, survey.id))
        ]
    assert target not in exported and "Helpful staff, short wait." in exported
    # A redirect target outside the survey's comments is ignored.
    other = client.post(
        f"/dashboard/comments/{answer.id}/hide",
        data={"csrf_token": csrf(client), "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert other.headers["location"].startswith(f"/dashboard/surveys/{app.state.ids['counter']}/")


@pytest.mark.parametrize("who", ["viewer", "other_manager"])
def test_others_cannot_hide(client: TestClient, app: Any, who: str) -> None:
    ids = load(app)
    with session_scope(app.state.engine) as session:
        role = "viewer" if who == "viewer" else "manager"
        services = ["parks"] if who == "viewer" else ["licences"]
        auth.create_user(
            session, username=who, password=ADMIN_PASSWORD, role=role, service_ids=services
        )
        text = COMMENTS[0][4]
        answer = session.exec(
            select(Answer).where(Answer.response_id == ids[text], Answer.text == text)
        ).one()
    login(client, who)
    if who == "viewer":
        page = client.get(URL.format(app.state.ids["counter"])).text
        assert "Hide this comment" not in page and text in page
    response = client.post(
        f"/dashboard/comments/{answer.id}/hide", data={"csrf_token": csrf(client)}
    )
    assert response.status_code == (403 if who == "viewer" else 404)
    with session_scope(app.state.engine) as session:
        stored = session.get(Answer, answer.id)
        assert stored is not None and not stored.hidden

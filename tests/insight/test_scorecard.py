"""The public scorecard: opt-in, no cookie, both languages, figures hidden below the minimum
count, the changes made, never a comment; and who may publish it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from starlette.testclient import TestClient

from feedback.cli import main
from feedback.core.db import session_scope
from feedback.core.models import ChangeEvent, Service, Survey
from feedback.insight.metrics import wilson
from feedback.staff import auth

from conftest import ADMIN_PASSWORD, axe_violations, login


def answers(client: TestClient, survey: str, channel: str, good: int, bad: int) -> None:
    # One test client sends them all: lift its per-minute limit (tests/answers/test_rate_limits.py).
    with session_scope(client.app.state.engine) as session:  # type: ignore[attr-defined]
        found = session.get(Survey, survey)
        assert found is not None
        found.client_limit_per_minute = 1000
    for i in range(good + bad):
        answers = {"satisfaction": 5 if i < good else 2}
        if i == 0:
            answers["comment"] = "Private words about my file"  # type: ignore[assignment]
        body = {"channel": channel, "language": "en", "answers": answers}
        response = client.post(f"/api/v1/surveys/{survey}/responses", json=body)
        assert response.status_code == 201


def publish(app: Any, service: str = "parks", public: bool = True) -> None:
    with session_scope(app.state.engine) as session:
        found = session.get(Service, service)
        assert found is not None
        found.public_scorecard = public
        session.add(found)


def pct(value: float) -> str:
    return f"{round(value * 100)} %"


def text_of(html: str) -> str:
    """The page with entities decoded and every kind of space made plain."""
    return re.sub(r"[\xa0\u202f]", " ", unescape(html))


@pytest.fixture
def scored(client: TestClient, app: Any) -> Any:
    """Counter survey: 40 in person (30 satisfied), 10 by phone (4 satisfied)."""
    survey = app.state.ids["counter"]
    answers(client, survey, "in_person", 30, 10)
    answers(client, survey, "phone", 4, 6)
    with session_scope(app.state.engine) as session:
        today = datetime.now(UTC).date()
        session.add(
            ChangeEvent(
                service_id="parks", day=today - timedelta(days=20),
                label={"en": "Shorter passes form", "fr": "Formulaire de laissez-passer abrégé"},
            )
        )  # fmt: skip
    return app


def test_only_published_services_have_a_scorecard(client: TestClient, scored: Any) -> None:
    assert client.get("/scorecard/parks").status_code == 404
    assert "Park passes" not in client.get("/scorecard").text
    publish(scored)
    assert client.get("/scorecard/parks").status_code == 200
    assert "/scorecard/parks" in client.get("/scorecard").text
    assert client.get("/scorecard/nosuch").status_code == 404
    assert client.get("/scorecard/" + "x" * 300).status_code == 404


def test_scores_intervals_minimum_and_no_comments(client: TestClient, scored: Any) -> None:
    publish(scored)
    client.cookies.clear()
    got = client.get("/scorecard/parks?lang=en")
    assert got.status_code == 200
    assert "set-cookie" not in got.headers  # a public page sets no cookie
    html = text_of(got.text)
    overall = wilson(34, 50)  # 30 + 4 satisfied out of 50
    assert f"{pct(overall.estimate or 0)}</strong>" in html
    assert f"(likely between {pct(overall.low or 0)} and {pct(overall.high or 0)})" in html
    assert "Based on 50 answers." in html
    # In person is withheld too: else the phone's 10 answers would be 50 minus its 40.
    row = re.search(r"In person</th><td>(.*?)</tr>", html, re.S)
    assert (
        row is not None and "Not shown: it would reveal a figure with fewer answers" in row.group(1)
    )
    assert pct(wilson(30, 40).estimate or 0) not in row.group(1) and "40" not in row.group(1)
    phone = re.search(r"Phone \(agent\)</th><td>(.*?)</tr>", html, re.S)
    assert phone is not None
    assert "Not shown: fewer than 30 answers" in phone.group(1)
    assert "40" not in phone.group(1) and pct(0.4) not in phone.group(1)  # 4 of 10 withheld
    assert "Private words" not in html  # never a comment
    assert "Shorter passes form" in html
    assert "What we changed after your feedback" in html
    assert "Very satisfied" in html  # the score is described with the question's own words


def test_the_minimum_is_a_setting(database_url: str) -> None:
    from feedback.app import create_app

    from conftest import make_settings, seed_minimal

    app = create_app(make_settings(database_url, scorecard_min_count=5))
    seed_minimal(app)
    publish(app)
    with TestClient(app) as client:
        answers(client, app.state.ids["counter"], "phone", 4, 6)
        html = text_of(client.get("/scorecard/parks").text)
    phone = re.search(r"Phone \(agent\)</th><td>(.*?)</tr>", html, re.S)
    assert phone is not None and f"{pct(0.4)}</strong>" in phone.group(1)
    assert "Not shown" not in html  # empty quarters say "No answers" instead
    app.state.engine.dispose()


def test_scorecard_in_french(client: TestClient, scored: Any) -> None:
    publish(scored)
    html = text_of(client.get("/scorecard/parks?lang=fr").text)
    assert '<html lang="fr">' in html
    assert "Laissez-passer de parcs : où nous en sommes" in html
    assert "Non affiché : moins de 30 réponses" in html
    assert "Formulaire de laissez-passer abrégé" in html
    assert "Ce que nous avons changé à la suite de vos commentaires" in html
    assert "Très satisfait" in html


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_admin_and_the_services_manager_may_publish(client: TestClient, app: Any) -> None:
    with session_scope(app.state.engine) as session:
        auth.create_user(
            session, username="pat", password=ADMIN_PASSWORD, role="manager",
            service_ids=["parks"],
        )  # fmt: skip
        auth.create_user(
            session, username="vic", password=ADMIN_PASSWORD, role="viewer",
            service_ids=["parks"],
        )  # fmt: skip
    login(client, "manager")  # manages licences, not parks
    token = _token(client.get("/dashboard/alerts").text)
    data = {"csrf_token": token, "service": "parks", "public": "on"}
    assert client.post("/dashboard/alerts/scorecard", data=data).status_code == 403
    client.cookies.clear()
    login(client, "vic")
    token = _token(client.get("/dashboard/alerts").text)
    data = {"csrf_token": token, "service": "parks", "public": "on"}
    assert client.post("/dashboard/alerts/scorecard", data=data).status_code == 403
    client.cookies.clear()
    login(client, "pat")
    page = client.get("/dashboard/alerts?lang=fr")
    assert "Non publié" in page.text
    token = _token(page.text)
    no_csrf = {"service": "parks", "public": "on"}
    assert client.post("/dashboard/alerts/scorecard", data=no_csrf).status_code == 403
    done = client.post(
        "/dashboard/alerts/scorecard",
        data={"csrf_token": token, "service": "parks", "public": "on", "lang": "fr"},
    )
    assert done.status_code == 200 and "Le choix pour le bulletin public a été enregistré." in (
        unescape(done.text)
    )
    assert "/scorecard/parks?lang=fr" in done.text
    assert client.get("/scorecard/parks").status_code == 200
    client.post(
        "/dashboard/alerts/scorecard",
        data={"csrf_token": token, "service": "parks", "public": "off"},
    )
    assert client.get("/scorecard/parks").status_code == 404


def test_cli_turns_a_scorecard_on_and_off(app: Any, capsys: Any) -> None:
    url = app.state.settings.database_url
    assert main(["services", "scorecard", "parks", "on", "--database-url", url]) == 0
    with session_scope(app.state.engine) as session:
        assert session.get(Service, "parks").public_scorecard is True  # type: ignore[union-attr]
    assert main(["services", "scorecard", "parks", "off", "--database-url", url]) == 0
    with session_scope(app.state.engine) as session:
        assert session.get(Service, "parks").public_scorecard is False  # type: ignore[union-attr]
    assert main(["services", "scorecard", "nosuch", "on", "--database-url", url]) == 2
    assert "/scorecard/parks" in capsys.readouterr().out


@pytest.mark.browser
def test_scorecard_passes_axe_in_both_languages(live_app: Any, browser: Any) -> None:
    app, server = live_app
    publish(app)
    with TestClient(app) as client:
        answers(client, app.state.ids["counter"], "in_person", 30, 10)
        answers(client, app.state.ids["counter"], "phone", 4, 6)
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    for lang in ("en", "fr"):
        page.goto(f"{server.url}/scorecard/parks?lang={lang}")
        page.locator("details.explain summary").click()
        assert axe_violations(page) == []
        page.goto(f"{server.url}/scorecard?lang={lang}")
        assert axe_violations(page) == []
    assert context.cookies() == [] and errors == []
    context.close()


def test_an_nps_survey_publishes_its_nps(client: TestClient, app: Any) -> None:
    """The same headline as the dashboards: 20 promoters, 10 passives, 10 detractors of 40."""
    from test_dashboard_views import submit

    today = datetime.now(UTC).date()
    for value, n in ((10, 20), (8, 10), (3, 10)):
        for _ in range(n):
            submit(app, "draft", {"recommend": value}, day=today)
    publish(app, "licences")
    html = text_of(client.get("/scorecard/licences?lang=en").text)
    assert "Net Promoter Score, from −100 to 100" in html
    assert "+25</strong>" in html  # 50% promoters minus 25% detractors
    se = 100 * ((0.5 + 0.25 - 0.25**2) / 40) ** 0.5
    low, high = round(25 - 1.96 * se), round(25 + 1.96 * se)
    assert f"(likely between {low} and {high})" in html

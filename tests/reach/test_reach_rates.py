"""Response rates and the weighted score on the dashboards, and the A-11 summary's offered and
served counts: each figure is the counts it claims to divide."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.local_time import today
from feedback.insight.reach_metrics import Weighted, post_stratify
from feedback.insight.summaries import Quarter
from feedback.integrations import tokens


def make_token(app: Any, scopes: list[str]) -> str:
    with session_scope(app.state.engine) as session:
        return tokens.create(session, name="ivr", scopes=scopes, by="test").secret


def post(client: TestClient, survey: str, channel: str, answers: dict[str, Any]) -> None:
    body = {"channel": channel, "language": "en", "answers": answers}
    response = client.post(f"/api/v1/surveys/{survey}/responses", json=body)
    assert response.status_code == 201, response.text


def offer(client: TestClient, auth: dict[str, str], survey: str, channel: str, n: int) -> None:
    day = today("UTC").isoformat()
    item = {"survey": survey, "channel": channel, "day": day, "count": n, "key": f"{channel}{n}"}
    assert client.post("/api/v1/opportunities", json=item, headers=auth).json()["created"] == 1


def window() -> str:
    day = today("UTC").isoformat()
    return f"since={day}&until={day}&grain=day"


def test_the_survey_page_rate_is_answers_over_offers(staff: TestClient, app: Any) -> None:
    survey = app.state.ids["counter"]
    auth = {"Authorization": f"Bearer {make_token(app, ['ingest'])}"}
    offer(staff, auth, survey, "in_person", 8)
    offer(staff, auth, survey, "phone", 4)
    for score in (5, 4):
        post(staff, survey, "in_person", {"satisfaction": score})
    post(staff, survey, "phone", {"satisfaction": 2})
    post(staff, survey, "chat", {"satisfaction": 3})  # no chat offers counted
    data = staff.get(f"/dashboard/surveys/{survey}?{window()}&format=json").json()["reach"]
    assert data["channels"]["in_person"] == {
        "answers": 2, "offered": 8, "status": "ok", "rate": 0.25,
        "low": pytest.approx(0.0715, abs=1e-3), "high": pytest.approx(0.5907, abs=1e-3),
    }  # fmt: skip
    assert data["channels"]["phone"]["rate"] == 0.25
    assert data["channels"]["chat"] == {"answers": 1, "offered": 0, "status": "no_offers"}
    # The total leaves out the channel whose offers are not counted: 3 answers of 12 offers.
    assert data["response_rate"]["rate"] == 3 / 12
    page = unescape(staff.get(f"/dashboard/surveys/{survey}?{window()}&lang=en").text)
    assert "Response rate" in page and "25.0" in page
    assert "No offers counted" in page
    french = unescape(staff.get(f"/dashboard/surveys/{survey}?{window()}&lang=fr").text)
    assert "Taux de réponse" in french
    overview = staff.get(f"/dashboard?{window()}&format=json").json()["response_rates"]
    # The overview leaves out the chat answer too: the same 3 of 12 as the survey page.
    assert overview[survey]["answers"] == 3 and overview[survey]["offered"] == 12
    assert overview[survey]["rate"] == data["response_rate"]["rate"]


def test_more_answers_than_offers_is_not_shown_as_a_rate(staff: TestClient, app: Any) -> None:
    survey = app.state.ids["counter"]
    auth = {"Authorization": f"Bearer {make_token(app, ['ingest'])}"}
    offer(staff, auth, survey, "mail", 1)
    for _ in range(3):
        post(staff, survey, "mail", {"satisfaction": 4})
    data = staff.get(f"/dashboard/surveys/{survey}?{window()}&format=json").json()["reach"]
    assert data["channels"]["mail"] == {"answers": 3, "offered": 1, "status": "not_counted"}
    page = unescape(staff.get(f"/dashboard/surveys/{survey}?{window()}&lang=en").text)
    assert "Offers not counted on this channel" in page
    assert "300" not in page.split('id="reach-title"')[1].split("</section>")[0]


def test_the_weighted_score_is_the_post_stratified_one(staff: TestClient, app: Any) -> None:
    survey = app.state.ids["counter"]
    auth = {"Authorization": f"Bearer {make_token(app, ['ingest'])}"}
    day = today("UTC")
    # A month of records: in person served 9 people for each one phone served.
    start = (day - timedelta(days=29)).isoformat()
    records = [
        {"service": "parks", "channel": c, "start": start, "end": day.isoformat(), "count": n}
        for c, n in (("in_person", 9000), ("phone", 1000))
    ]
    sent = staff.post("/api/v1/interactions", json={"items": records}, headers=auth)
    assert sent.json()["created"] == 2, sent.text
    for score in (5, 5, 4, 2):
        post(staff, survey, "phone", {"satisfaction": score})  # 3 of 4 satisfied
    for score in (5, 1):
        post(staff, survey, "in_person", {"satisfaction": score})  # 1 of 2
    data = staff.get(f"/dashboard/surveys/{survey}?{window()}&format=json").json()["reach"]
    expected = post_stratify({"phone": (3, 4), "in_person": (1, 2)}, {"phone": 1, "in_person": 9})
    assert isinstance(expected, Weighted)
    weighted = data["weighted"]
    assert weighted["score"] == pytest.approx(0.9 * 0.5 + 0.1 * 0.75)
    assert weighted["score"] == pytest.approx(expected.estimate)
    assert weighted["n_eff"] == pytest.approx(expected.n_eff)
    assert weighted["respondents_score"] == pytest.approx(4 / 6)
    page = unescape(staff.get(f"/dashboard/surveys/{survey}?{window()}&lang=en").text)
    assert "Why the two differ" in page and "effective sample size" in page
    # A channel that answered without known volume: no weighted score, and it says why.
    post(staff, survey, "mail", {"satisfaction": 5})
    data = staff.get(f"/dashboard/surveys/{survey}?{window()}&format=json").json()["reach"]
    assert data["weighted"] == {"unavailable": "volume_unknown", "channels": ["mail"]}
    bad = staff.post(
        "/api/v1/interactions",
        json={"service": "parks", "channel": "fax", "start": "x", "end": "2026-01-01", "count": -3},
        headers=auth,
    )
    assert set(bad.json()["results"][0]["error"]["fields"]) == {"channel", "start", "count"}


def test_the_a11_summary_carries_offered_and_served(staff: TestClient, app: Any) -> None:
    survey = app.state.ids["counter"]
    auth = {"Authorization": f"Bearer {make_token(app, ['ingest'])}"}
    offer(staff, auth, survey, "phone", 40)
    quarter = Quarter.of(today("UTC"))
    record = {"service": "parks", "channel": "phone", "start": quarter.start.isoformat(),
              "end": quarter.end.isoformat(), "count": 1234}  # fmt: skip
    assert staff.post("/api/v1/interactions", json=record, headers=auth).status_code == 200
    post(staff, survey, "phone", {"satisfaction": 4})
    post(staff, survey, "in_person", {"satisfaction": 4})
    got = staff.get(f"/dashboard/exports/a11.csv?quarter={quarter}")
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    phone = [r for r in rows if r["survey_id"] == survey and r["channel"] == "phone"]
    assert phone and {(r["respondents"], r["offered"], r["customers_served"]) for r in phone} == {
        ("1", "40", "1234")
    }
    in_person = [r for r in rows if r["survey_id"] == survey and r["channel"] == "in_person"]
    assert {(r["offered"], r["customers_served"]) for r in in_person} == {("", "")}
    page = unescape(staff.get(f"/dashboard/exports?quarter={quarter}&lang=en").text)
    assert "Customers served" in page and "1,234" in page

"""A service's digital-and-human view: each survey's gap and the overall one against
intervals computed here independently (statsmodels' Newcombe), judged as one family, with
access limited to staff of the service."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.testclient import TestClient
from statsmodels.stats.proportion import confint_proportions_2indep
from test_dashboard import figure
from test_dashboard_views import RANGE, submit, text_of

from conftest import login


def load(app: Any) -> None:
    """v2 (yes/no): web 20 of 40 yes, in person 32 of 40. The CES survey: web 10 of 20 easy,
    phone 18 of 20 easy."""
    for i in range(40):
        submit(app, "v2", {"trust": i < 20}, day=date(2025, 3, 3), channel="web")
        submit(app, "v2", {"trust": i < 32}, day=date(2025, 3, 4), channel="in_person")
    for i in range(20):
        submit(app, "closed", {"ease": 6 if i < 10 else 2}, day=date(2025, 3, 5), channel="web")
        submit(app, "closed", {"ease": 6 if i < 18 else 2}, day=date(2025, 3, 5), channel="phone")


def test_each_survey_and_the_service_overall(staff: TestClient, app: Any) -> None:
    load(app)
    data = staff.get(f"/dashboard/services/licences/channels?{RANGE}&format=json").json()
    gaps = {g["survey"]: g for g in data["gaps"]}
    v2 = gaps[app.state.ids["v2"]]
    low, high = confint_proportions_2indep(32, 40, 20, 40, method="newcomb", compare="diff")
    assert v2["estimate"] == 30
    assert (v2["low"], v2["high"]) == (round(100 * low), round(100 * high))
    assert v2["verdict"] == "not_enough_data"  # 40 answers, but a margin over 10 points
    assert v2["shares"]["self_service"]["value"] == 50.0
    assert gaps[app.state.ids["page"]]["reason"] == "one_mode"  # web only
    # Overall: both modes on the same survey mix (80 and 40 answers): 2/3 * 30 + 1/3 * 40.
    overall = gaps[None]
    assert abs(overall["estimate"] - (2 / 3 * 30 + 1 / 3 * 40)) < 0.5
    assert overall["low"] < overall["estimate"] < overall["high"]
    assert data["family"]["method"] == "holm"
    page = staff.get(f"/dashboard/services/licences/channels?{RANGE}&lang=fr")
    assert page.status_code == 200
    assert "Ensemble du service" in text_of(page.text)
    trace = figure(page.text, "fig-service")["data"][0]
    assert trace["y"][-1] == "Ensemble du service"


def test_only_staff_of_the_service_see_it(client: TestClient, app: Any) -> None:
    login(client, "manager")  # licences only
    assert client.get("/dashboard/services/licences/channels").status_code == 200
    assert client.get("/dashboard/services/parks/channels").status_code == 404
    assert client.get("/dashboard/services/nope/channels").status_code == 404
    odd = "/dashboard/services/licences/channels?since=x&until=9999-99-99&channel=zz&format=json"
    assert client.get(odd).status_code == 200
    overview = client.get("/dashboard").text
    assert "/dashboard/services/licences/channels" in overview


def test_no_answers_says_what_to_do(staff: TestClient, app: Any) -> None:
    html = text_of(staff.get(f"/dashboard/services/licences/channels?{RANGE}").text)
    assert "No survey had answers in both modes in these dates." in html
    assert "widen the dates" in html


def test_a_channel_in_the_query_does_not_empty_one_mode(staff: TestClient, app: Any) -> None:
    """One channel is one mode, so the page compares every channel whatever the query says,
    and offers no channel filter."""
    load(app)
    url = f"/dashboard/services/licences/channels?{RANGE}&format=json"
    assert staff.get(url + "&channel=web").json()["gaps"] == staff.get(url).json()["gaps"]
    page = staff.get(f"/dashboard/services/licences/channels?{RANGE}&channel=web")
    assert 'name="channel"' not in page.text

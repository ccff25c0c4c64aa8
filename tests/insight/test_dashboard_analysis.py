"""Drivers and the digital-and-human view: each chart's numbers against a known data set,
with the expected values computed here independently (statistics, plain counting)."""

from __future__ import annotations

import statistics
from datetime import date
from typing import Any

import pytest
from starlette.testclient import TestClient
from test_dashboard import figure
from test_dashboard_views import RANGE, section, submit, text_of

# (satisfaction, timeliness, courtesy): timeliness moves with satisfaction, courtesy barely.
ROWS = [
    (5, 5, 4),
    (5, 5, 5),
    (4, 4, 4),
    (2, 1, 4),
    (1, 2, 5),
    (2, 2, 3),
    (4, 5, 4),
    (1, 1, 4),
]


def load_drivers(app: Any) -> None:
    for i, (sat, timely, courteous) in enumerate(ROWS):
        answers = {"satisfaction": sat, "timeliness": timely, "courtesy": courteous}
        submit(app, "counter", answers, day=date(2025, 3, 1 + i))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_driver_chart_matches_the_answers(staff: TestClient, app: Any, lang: str) -> None:
    load_drivers(app)
    html = staff.get(f"/dashboard/surveys/{app.state.ids['counter']}/drivers?{RANGE}&lang={lang}")
    assert html.status_code == 200
    sat = [r[0] for r in ROWS]
    r_time = statistics.correlation([r[1] for r in ROWS], sat)
    r_court = statistics.correlation([r[2] for r in ROWS], sat)
    assert r_time > 0.8 and abs(r_court) < 0.3
    performance, importance = figure(html.text, "fig-drivers")["data"]
    names = ["Timeliness", "Courtesy"] if lang == "en" else ["Rapidité", "Courtoisie"]
    # One row per driver, most important first; unanswered drivers left out.
    assert performance["y"] == importance["y"] == names
    assert performance["x"] == [50.0, 87.5]  # 4 of 8 and 7 of 8 answered 4 or 5
    assert importance["x"] == [round(r_time, 3), round(r_court, 3)]
    first = text_of(section(html.text, "first-title"))
    assert names[0] in first and names[1] not in first
    table = text_of(section(html.text, "matrix-title"))
    assert f"r = {r_time:.2f}".replace(".", "." if lang == "en" else ",") in table


def test_survey_without_drivers_says_so(staff: TestClient, app: Any) -> None:
    page = staff.get(f"/dashboard/surveys/{app.state.ids['v2']}/drivers?lang=fr")
    assert page.status_code == 200
    assert "n’a pas de questions sur les facteurs" in page.text
    summary = staff.get(f"/dashboard/surveys/{app.state.ids['v2']}").text
    tabs = summary[
        summary.index('class="tabs"') : summary.index("</nav>", summary.index('class="tabs"'))
    ]
    assert "/drivers" not in tabs  # no Drivers tab where there are none


def load_channels(app: Any) -> None:
    """March 2025: in person 4 of 5 satisfied, kiosk 1 of 4; April: in person 3 of 3."""
    data = [
        (date(2025, 3, 10), "in_person", [5, 5, 4, 4, 1], ["no", "no", "web", "phone", "web"]),
        (date(2025, 3, 11), "kiosk", [5, 2, 2, 1], ["no", "web", "no", "no"]),
        (date(2025, 4, 2), "in_person", [4, 5, 5], ["web", None, None]),
    ]
    for day, channel, scores, tried in data:
        for score, other in zip(scores, tried, strict=True):
            answers: dict[str, Any] = {"satisfaction": score, "timeliness": score}
            if other:
                answers["other_channel"] = other
            submit(app, "counter", answers, day=day, channel=channel)


def test_digital_and_human_charts_match_the_counts(staff: TestClient, app: Any) -> None:
    load_channels(app)
    survey = app.state.ids["counter"]
    html = staff.get(
        f"/dashboard/channels?survey={survey}&since=2025-03-01&until=2025-04-30&grain=month"
    ).text
    modes = figure(html, "fig-modes")["data"]
    lines = [t for t in modes if t["mode"] == "lines+markers"]
    assert [t["name"] for t in lines] == ["Self-service", "Assisted"]
    assert lines[0]["y"] == [25.0, None]  # kiosk: 1 of 4 in March, nothing in April
    assert lines[1]["y"] == [80.0, 100.0]  # in person: 4 of 5, then 3 of 3
    gap = figure(html, "fig-gap")["data"][0]
    assert gap["x"] == ["2025-03-01"] and gap["y"] == [55.0]  # 80 - 25 points
    shares = figure(html, "fig-share")["data"]
    assert [t["y"] for t in shares] == [[4, 0], [5, 3]]  # self-service, assisted
    flow = figure(html, "fig-flow")["data"][0]
    labels = flow["node"]["label"]
    links = {
        (labels[s], labels[t]): v
        for s, t, v in zip(
            flow["link"]["source"], flow["link"]["target"], flow["link"]["value"], strict=True
        )
    }
    # Only those who tried elsewhere first; the first tries are counted in the text.
    assert links == {
        ("Website", "In person"): 3,
        ("Phone (agent)", "In person"): 1,
        ("Website", "Self-service kiosk"): 1,
    }
    assert "5 of the 10 people who answered (50 %) had tried another way first." in text_of(html)
    heat = figure(html, "fig-heat")["data"][0]
    assert heat["x"] == ["Satisfaction", "Timeliness"]
    assert heat["y"] == ["Self-service kiosk", "In person"]  # survey's channel order
    # Every cell has too few answers for a 10-point margin: none is coloured.
    assert heat["z"] == [[None, None], [None, None]]
    annotations = [a["text"] for a in figure(html, "fig-heat")["layout"]["annotations"]]
    assert annotations == ["n = 4<br>too few"] * 2 + ["n = 8<br>too few"] * 2


def test_heat_map_colours_cells_with_enough_answers(staff: TestClient, app: Any) -> None:
    for i in range(120):
        score = 5 if i % 4 else 2  # 90 of 120 satisfied: margin about 7.5 points
        submit(app, "counter", {"satisfaction": score, "courtesy": score}, day=date(2025, 3, 3))
    html = staff.get(f"/dashboard/channels?survey={app.state.ids['counter']}&{RANGE}").text
    heat = figure(html, "fig-heat")["data"][0]
    assert heat["z"] == [[75.0, 75.0]]
    # Diverging, centred on the survey's overall rate (90 of 120 on both questions: 75 %).
    assert heat["zmin"] + heat["zmax"] == 150 and heat["zmax"] - heat["zmin"] >= 20
    legend = text_of(html[html.index('<figure class="heat-legend"') :])
    assert legend.startswith("Share of good answers 65 % 75 % 85 % The middle mark is the survey")
    numbers = text_of(section(html, "heat-title"))
    assert "75 % (67 % – 82 %) (n = 120)" in numbers


def test_channels_view_only_offers_visible_surveys(client: TestClient, app: Any) -> None:
    from conftest import login

    login(client, "manager")  # licences only
    html = client.get(f"/dashboard/channels?survey={app.state.ids['counter']}").text
    # Another service's survey is neither offered nor shown.
    assert f'value="{app.state.ids["counter"]}"' not in html
    assert f'value="{app.state.ids["v2"]}"' in html
    assert client.get("/dashboard/channels?survey=nope&grain=hour&since=x").status_code == 200


def test_modes_are_standardised_to_one_channel_mix(staff: TestClient, app: Any) -> None:
    """Assisted: phone 90% and chat 50% satisfied every month, but phone carries 90 answers
    in March and 10 in April (chat the reverse). Raw, assisted falls from 86% to 54%; weighted
    to its mix over the range (half phone, half chat) it stays at 70%."""
    plan = [
        (date(2025, 3, 5), "phone", 90, 81), (date(2025, 3, 5), "chat", 10, 5),
        (date(2025, 4, 5), "phone", 10, 9), (date(2025, 4, 5), "chat", 90, 45),
        (date(2025, 3, 6), "web", 40, 24), (date(2025, 4, 6), "web", 40, 24),
    ]  # fmt: skip
    for day, channel, n, good in plan:
        for i in range(n):
            score = 5 if i < good else 2
            submit(app, "counter", {"satisfaction": score}, day=day, channel=channel)
    survey = app.state.ids["counter"]
    query = f"survey={survey}&since=2025-03-01&until=2025-04-30&grain=month"
    data = staff.get(f"/dashboard/channels?{query}&format=json").json()
    assert data["standardised"].startswith("each mode weighted to its own channel mix")
    assisted = [(p["value"], p["partial"]) for p in data["modes"]["assisted"]]
    assert assisted == [(70.0, False), (70.0, False)]
    assert [p["value"] for p in data["modes"]["self_service"]] == [60.0, 60.0]
    # The gap, 10 points each month, judged as one family of two.
    assert [g["estimate"] for g in data["gaps"]] == [10.0, 10.0]
    assert {g["verdict"] for g in data["gaps"]} <= {
        "significant",
        "within_noise",
        "not_enough_data",
    }
    assert data["family"]["method"] == "holm" and data["family"]["judged"] <= 2
    html = staff.get(f"/dashboard/channels?{query}").text
    assert "Standardised to one channel mix" in text_of(html)


def test_drivers_and_alerts_answer_as_json(staff: TestClient, app: Any) -> None:
    load_drivers(app)
    survey = app.state.ids["counter"]
    drivers = staff.get(f"/dashboard/surveys/{survey}/drivers?{RANGE}&format=json").json()
    found = {d["name"]: d for d in drivers["drivers"]}
    assert found["Timeliness"]["score"] == 50 and found["Timeliness"]["n"] == 8
    sat = [r[0] for r in ROWS]
    r_time = statistics.correlation([r[1] for r in ROWS], sat)
    assert found["Timeliness"]["correlation"] == round(r_time, 2)
    alerts = staff.get("/dashboard/alerts?format=json").json()
    assert alerts["design"]["false_alerts_per_channel_year"] == 0.5
    assert alerts["design"]["windows_weeks"] == [1, 4, 13]
    assert alerts["signals"] == [] and alerts["expected_false_alerts_per_year"] >= 0


def test_heat_scale_tells_32_from_43() -> None:
    """On a survey at 63.5 % with cells from 32 % to 90 %, 32 % and 43 % are far apart in
    colour (over 40 of 255 on some channel), and the scale is symmetric about the middle."""
    from plotly.colors import sample_colorscale, unlabel_rgb

    from dashboards import mode_figures

    mid, half = mode_figures.scale([[32.0, 43.0, 80.0], [90.0, 75.0, None]], 0.635)
    assert (mid, half) == (63.5, 35.0)
    a, b = (
        unlabel_rgb(sample_colorscale(mode_figures.DIVERGING, [0.5 + (v - mid) / (2 * half)])[0])
        for v in (32.0, 43.0)
    )
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) > 40


def test_heat_map_text_reaches_4_5_to_1_on_every_colour_of_the_scale() -> None:
    """The printed value is black or white, whichever contrasts more with its cell; across
    the whole scale the worse of those choices still reaches WCAG's 4.5:1."""
    from plotly.colors import sample_colorscale, unlabel_rgb

    from dashboards import mode_figures

    def ratio(a: float, b: float) -> float:
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)

    ink_luminance = {
        mode_figures.DARK: mode_figures._luminance(unlabel_rgb(mode_figures.DARK_RGB)),
        mode_figures.LIGHT: 1.0,
    }
    worst = min(
        ratio(
            mode_figures._luminance(
                unlabel_rgb(sample_colorscale(mode_figures.DIVERGING, [i / 200])[0])
            ),
            ink_luminance[mode_figures.ink(i / 200)],
        )
        for i in range(201)
    )
    assert worst >= 4.5

"""Staff sign-in and the dashboards, checked against what was stored."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

import pytest
from starlette.testclient import TestClient

from conftest import ADMIN_PASSWORD, login


def figure(html: str, name: str) -> dict[str, Any]:
    match = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', html, re.S)
    assert match, f"no figure {name}"
    return dict(json.loads(match.group(1)))


def answer(
    client: TestClient, survey: str, channel: str, satisfaction: int, lang: str = "en"
) -> None:
    body = {"channel": channel, "language": lang, "answers": {"satisfaction": satisfaction}}
    assert client.post(f"/api/v1/surveys/{survey}/responses", json=body).status_code == 201


def until_today() -> str:
    """Dashboards default to whole days ending yesterday; these tests look at today too."""
    return f"until={datetime.now(UTC).date().isoformat()}"


def test_dashboard_needs_login(client: TestClient) -> None:
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fdashboard"


def test_wrong_password_and_missing_csrf(client: TestClient) -> None:
    page = client.get("/login?lang=fr")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    wrong = client.post(
        "/login", data={"username": "admin", "password": "nope", "csrf_token": token, "lang": "fr"}
    )
    assert wrong.status_code == 400
    assert "Le nom d'utilisateur ou le mot de passe est incorrect." in unescape(wrong.text)
    forged = client.post(
        "/login", data={"username": "admin", "password": ADMIN_PASSWORD}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_login_redirects_only_to_local_paths(client: TestClient) -> None:
    page = client.get("/login?next=https://evil.example/")
    assert 'name="next" value=""' in page.text  # an outside address is dropped
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token}
    targets = [
        ("https://evil.example/", "/dashboard"),
        ("//evil.example", "/dashboard"),
        ("/dashboard/exports", "/dashboard/exports"),
    ]
    for target, landing in targets:
        signed_in = client.post("/login", data={**form, "next": target}, follow_redirects=False)
        assert signed_in.headers["location"] == landing
        client.cookies.clear()
        page = client.get("/login")
        form["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def test_roles(client: TestClient, app: Any) -> None:
    login(client, "agent")
    assert client.get("/dashboard").status_code == 403
    client.cookies.clear()
    login(client, "manager")
    overview = client.get("/dashboard").text
    assert app.state.ids["v2"] in overview
    assert app.state.ids["counter"] not in overview  # another service's survey
    assert client.get(f"/dashboard/surveys/{app.state.ids['counter']}").status_code == 404


def test_logout_needs_csrf_and_ends_the_session(staff: TestClient) -> None:
    assert staff.post("/logout", data={}).status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', staff.get("/dashboard").text).group(1)  # type: ignore[union-attr]
    assert (
        staff.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    )
    assert staff.get("/dashboard", follow_redirects=False).status_code == 303


def test_hosted_answer_is_counted_on_the_dashboard(staff: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    page = staff.get(f"/s/{survey}").text
    submission = re.search(r'name="submission_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    staff.post(
        f"/s/{survey}",
        data={"q_found": "true", "channel": "web", "lang": "en", "submission_id": submission},
    )
    # The overview compares whole days (today is not over): the answer is not in it yet.
    overview = staff.get(f"/dashboard?days=30&{until_today()}&format=json").json()
    [card] = [c for c in overview["surveys"] if c["survey"] == survey]
    assert card["score"]["n"] == 0 and card["responses"] == 0
    assert overview["until"] < datetime.now(UTC).date().isoformat()
    detail = staff.get(f"/dashboard/surveys/{survey}?grain=week&{until_today()}").text
    overall = figure(detail, "fig-overall")
    # This week is not over: drawn apart from the line, as a partial period.
    assert [y for y in overall["data"][2]["y"] if y is not None] == []
    assert overall["data"][3]["y"] == [100.0] and overall["data"][3]["marker"]["symbol"] == (
        "diamond-open"
    )
    volume = figure(detail, "fig-volume")["data"][0]
    assert volume["x"] == [1]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_chart_numbers_match_the_database(staff: TestClient, app: Any, lang: str) -> None:
    survey = app.state.ids["counter"]
    for channel, score in [
        ("in_person", 5),
        ("in_person", 5),
        ("in_person", 4),
        ("in_person", 2),
        ("phone", 1),
        ("phone", 4),
    ]:
        answer(staff, survey, channel, score)
    query = f"grain=month&lang={lang}&{until_today()}"
    html = staff.get(f"/dashboard/surveys/{survey}?{query}").text
    # Overall: 4 of 6 answers are 4 or 5, in this month: a partial period, off the line.
    overall = figure(html, "fig-overall")["data"]
    assert [y for y in overall[2]["y"] if y is not None] == []
    assert overall[3]["y"] == [66.7]
    trend = staff.get(f"/dashboard/surveys/{survey}?{query}&format=json").json()["trend"]
    now = [p for p in trend["all"] if p["n"]]
    assert [(p["value"], p["low"], p["high"], p["partial"]) for p in now] == [
        (67.0, 30.0, 90.0, True)  # Wilson 4/6: 0.300 to 0.903, no decimals at that margin
    ]
    # Per channel: in person 3/4, phone 1/2, one small chart each.
    channels = figure(html, "fig-channels")
    titles = [a["text"] for a in channels["layout"]["annotations"]]
    assert titles == (
        ["In person", "Phone (agent)"] if lang == "en" else ["En personne", "Téléphone (agent)"]
    )
    series = [
        [y for y in t["y"] if y is not None]
        for t in channels["data"]
        if t["mode"] == "markers"  # this month's partial points
    ]
    assert series == [[75.0], [50.0]]
    volume = figure(html, "fig-volume")["data"][0]
    assert dict(zip(volume["y"], volume["x"], strict=True)) == (
        {"Phone (agent)": 2, "In person": 4}
        if lang == "en"
        else {"Téléphone (agent)": 2, "En personne": 4}
    )
    # Distribution table: the count at each scale point.
    caption = re.search(r"<caption>[^<]*(satisfied|satisfait)[^<]*</caption>", html)
    assert caption
    table = html[caption.start() :]
    counts = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', table)[:5]]
    assert counts == [1, 1, 0, 2, 2]


def test_filters_are_get_parameters_and_bad_ones_explained(staff: TestClient, app: Any) -> None:
    survey = app.state.ids["counter"]
    answer(staff, survey, "in_person", 5, "fr")
    answer(staff, survey, "phone", 1, "en")
    only_fr = staff.get(f"/dashboard/surveys/{survey}?language=fr&{until_today()}").text
    volume = figure(only_fr, "fig-volume")["data"][0]
    assert volume["x"] == [1] and volume["y"] == ["In person"]
    bad = staff.get(
        f"/dashboard/surveys/{survey}?since=yesterday&until=2026-13-45&grain=hour&lang=fr"
    )
    assert bad.status_code == 200
    assert "« yesterday » n’est pas une date." in unescape(bad.text)
    assert staff.get("/dashboard?days=banana").status_code == 200


def test_staff_pages_in_french(staff: TestClient, app: Any) -> None:
    html = staff.get("/dashboard?lang=fr").text
    assert '<html lang="fr">' in html and "Le service s’améliore-t-il?" in unescape(html)
    detail = staff.get(f"/dashboard/surveys/{app.state.ids['v2']}?lang=fr").text
    assert "Dans le temps, tous les canaux" in detail and "Derniers commentaires" in detail


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_small_multiples_are_the_figure_plotly_would_build(count: int) -> None:
    """Built from plain dicts on make_subplots' grid: the same JSON as plotly's own objects."""
    from plotly.subplots import make_subplots

    from dashboards.figures import FONT
    from dashboards.panels import small_multiples

    months = {"tickvals": ["2026-01-01", "2026-02-01"], "ticktext": ["janv. 2026", "févr. 2026"]}
    panels = [
        (
            f"Canal {i} </script>",
            [
                {"type": "scatter", "x": months["tickvals"], "y": [i, None], "name": "a"},
                {"type": "scatter", "x": months["tickvals"], "y": [50, 60], "mode": "lines"},
            ],
        )
        for i in range(count)
    ]
    rows, cols = -(-count // 3), min(3, count)
    built = small_multiples(
        panels,
        xaxis={"showgrid": False, **months},
        layout={"hovermode": "closest"},
    )
    assert "</script>" not in built
    fig = make_subplots(
        rows=rows,
        cols=cols,
        shared_yaxes=True,
        shared_xaxes=True,
        subplot_titles=[title for title, _ in panels],
        vertical_spacing=0.28 / rows,
        horizontal_spacing=0.04,
    )
    for i, (_, traces) in enumerate(panels):
        for trace in traces:
            fig.add_trace(trace, row=i // cols + 1, col=i % cols + 1)
    fig.update_yaxes(
        range=[0, 112],
        tickvals=[0, 25, 50, 75, 100],
        ticktext=["0 %", "25 %", "50 %", "75 %", "100 %"],
        gridcolor="#d0d4da",
    )
    fig.update_xaxes(showgrid=False, **months)
    fig.update_layout(
        height=max(260, 230 * rows),
        margin={"l": 56, "r": 16, "t": 48, "b": 32},
        font=FONT,
        plot_bgcolor="#ffffff",
        hovermode="closest",
    )
    fig.update_annotations(font={"size": 14}, yshift=6)
    assert json.loads(built) == json.loads(fig.to_json())

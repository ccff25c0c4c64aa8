"""The overview and the survey detail page, checked against a small known data set:
control limits and signals, a change's before/after test, NPS and CES, filters."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any

import numpy as np
import pytest
from scipy import stats
from sqlmodel import select
from starlette.testclient import TestClient
from test_dashboard import figure

from feedback.answers import intake, storing
from feedback.core.db import session_scope
from feedback.core.models import ChangeEvent, Survey
from feedback.surveys import definitions as surveys

from conftest import login

RANGE = "since=2025-01-01&until=2025-06-30"


def submit(
    app: Any,
    key: str,
    answers: dict[str, Any],
    *,
    day: date,
    channel: str = "in_person",
    lang: str = "en",
    touchpoint: str | None = None,
) -> int:
    """Store one response through the real intake path, dated `day` at noon UTC (late)."""
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, app.state.ids[key])
        assert survey is not None
        if survey.status != "live":
            survey.status = "live"  # the seeded NPS and CES surveys are draft and closed
            session.add(survey)
            session.flush()
        stored = storing.submit(
            session,
            survey=survey,
            questions=surveys.questions_of(session, survey.id),
            submission=intake.Submission(channel, lang, answers, touchpoint=touchpoint),
            lang=lang,
            submitted_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        )
    return stored.id


def csrf(client: TestClient, path: str = "/dashboard") -> str:
    """The session's CSRF token, read from a staff page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by `heading_id`."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def good_then_bad(app: Any, per_month: int = 10, history: bool = False) -> None:
    """January to March 2025: 80% satisfied each month; April to June: 20%. With `history`,
    July to December 2024 at 80% too (the control charts' baseline)."""
    months = [(2024, m) for m in range(7, 13)] if history else []
    months += [(2025, m) for m in range(1, 7)]
    for year, month in months:
        good = per_month * 8 // 10 if (year, month) < (2025, 4) else per_month * 2 // 10
        for i in range(per_month):
            score = 5 if i < good else 2
            submit(app, "counter", {"satisfaction": score}, day=date(year, month, 15))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_control_chart_limits_and_signals_match_the_formula(
    staff: TestClient, app: Any, lang: str
) -> None:
    good_then_bad(app, per_month=20, history=True)
    survey = app.state.ids["counter"]
    html = staff.get(f"/dashboard/surveys/{survey}?{RANGE}&lang={lang}").text
    fig = figure(html, "fig-control")
    upper, lower, centre, points, _partial, signals = fig["data"][:6]  # all channels
    # The page's tail is fixed by the survey: 0.05 / 2 over (its channels + 1) x 12 months.
    data = staff.get(f"/dashboard/surveys/{survey}?{RANGE}&format=json").json()["control"]
    with session_scope(app.state.engine) as session:
        offered = len(session.get(Survey, survey).channels)  # type: ignore[union-attr]
    tail = min(0.00135, 0.05 / (2 * (offered + 1) * 12))
    assert data["tail_each_side"] == pytest.approx(tail)
    # Each month against the 12 whole months before it (here: from July 2024 on), with exact
    # beta-binomial limits at n = 20.
    monthly = [(16, 20)] * 9 + [(4, 20)] * 3  # Jul 2024 .. Jun 2025
    lows, highs, centres, marked = [], [], [], []
    for i in range(6, 12):
        x0, n0 = sum(x for x, _ in monthly[:i]), sum(n for _, n in monthly[:i])
        ks = np.arange(21)
        cdf = stats.betabinom.cdf(ks, 20, x0 + 0.5, n0 - x0 + 0.5)
        sf = stats.betabinom.sf(ks - 1, 20, x0 + 0.5, n0 - x0 + 0.5)
        low, high = ks[cdf > tail][0], ks[sf > tail][-1]
        lows.append(5.0 * low)
        highs.append(5.0 * high)
        centres.append(round(100 * x0 / n0, 1))
        if not low <= monthly[i][0] <= high:
            marked.append(f"2025-{i - 5:02d}-01")
    assert lower["y"] == lows and upper["y"] == highs and centre["y"] == centres
    assert points["y"] == [80.0, 80.0, 80.0, 20.0, 20.0, 20.0]
    # April is marked; later months' baselines hold the drop, so they may fall within range.
    assert signals["x"] == marked and marked[0] == "2025-04-01"
    listed = text_of(section(html, "control-title"))
    # Listed in a table too: all channels and in person alike.
    assert listed.count("% below" if lang == "en" else "% au-dessous") == 2 * len(marked)
    assert ("judges 12 periods" if lang == "en" else "évalue 12 périodes") in listed


def test_control_chart_says_when_the_baseline_is_too_thin(staff: TestClient, app: Any) -> None:
    good_then_bad(app)  # nothing before January: only June has 50 answers before it
    survey = app.state.ids["counter"]
    html = staff.get(f"/dashboard/surveys/{survey}?{RANGE}").text
    listed = text_of(section(html, "control-title"))
    # January to May, on the all-channels and the in-person charts.
    assert "Not judged: 10 periods whose baseline is too thin" in listed
    assert "This page judges 2 periods." in listed
    data = staff.get(f"/dashboard/surveys/{survey}?{RANGE}&format=json").json()["control"]
    statuses = [p["status"] for p in data["charts"]["all"]]
    assert statuses == ["baseline_too_thin"] * 5 + ["judged"]


def test_change_event_before_and_after(staff: TestClient, app: Any) -> None:
    good_then_bad(app)
    with session_scope(app.state.engine) as session:
        session.add(
            ChangeEvent(
                service_id="parks",
                day=date(2025, 4, 1),
                label={"en": "New booking system", "fr": "Nouveau système de réservation"},
            )
        )
    html = staff.get(f"/dashboard/surveys/{app.state.ids['counter']}?{RANGE}").text
    row = text_of(section(html, "events-title"))
    # 8 weeks before 1 April: the 15 February and 15 March answers, 16 of 20 satisfied;
    # 8 weeks from 1 April: 15 April and 15 May, 4 of 20.
    assert "New booking system" in row
    assert "80 % (58 % – 92 %) Not enough data to conclude n = 20" in row  # Wilson 16/20
    assert "20 % (8 % – 42 %) Not enough data to conclude n = 20" in row  # Wilson 4/20
    # Under 30 answers a side: the change and its interval, but no claim.
    assert "▼ −60 pts not enough data (−77 to −29)" in row
    overall = figure(html, "fig-overall")
    assert [a["text"] for a in overall["layout"]["annotations"]] == ["New booking system"]
    french = staff.get(f"/dashboard/surveys/{app.state.ids['counter']}?{RANGE}&lang=fr").text
    assert "Nouveau système de réservation" in text_of(section(french, "events-title"))
    assert "pas assez de données" in text_of(section(french, "events-title"))


def test_recent_change_uses_windows_of_the_range(staff: TestClient, app: Any) -> None:
    good_then_bad(app, per_month=40)
    html = staff.get(f"/dashboard/surveys/{app.state.ids['counter']}?{RANGE}").text
    kpis = text_of(html[html.index('class="kpis"') : html.index("</section>")])
    # 181 days: the last 90 (2 Apr - 30 Jun: 24 of 120) against the 90 before (96 of 120).
    assert "Last 90 days against the 90 days before" in kpis
    assert "▼ −60 pts significant" in kpis
    # 120 of 240: Wilson 0.437 to 0.563; a margin over a point shows no decimals.
    assert "Satisfied: answered 4 or 5 out of 5 (%) 50 % (44 % – 56 %)" in kpis


def test_nps_and_ces_with_their_intervals(staff: TestClient, app: Any) -> None:
    for value, n in ((10, 5), (8, 3), (3, 2)):
        for _ in range(n):
            submit(app, "draft", {"recommend": value}, day=date(2025, 3, 3))
    for value in (7, 6, 6, 5, 2, 1):
        submit(app, "closed", {"ease": value}, day=date(2025, 3, 3))
    nps = text_of(staff.get(f"/dashboard/surveys/{app.state.ids['draft']}?{RANGE}").text)
    # 5 promoters, 2 detractors of 10: NPS 30, SE = 100 sqrt((0.7 - 0.09) / 10) = 24.7.
    se = 100 * math.sqrt((0.5 + 0.2 - 0.3**2) / 10)
    low, high = round(30 - 1.96 * se), round(30 + 1.96 * se)
    assert (low, high) == (-18, 78)
    # An NPS survey's headline is its NPS, on its page as on the overview.
    assert "Net Promoter Score (−100 to 100) +30 (-18 to 78) Not enough data" in nps
    assert "5 promoters (9 or 10), 2 detractors (0 to 6) of 10" in nps
    overview = staff.get(f"/dashboard?{RANGE}&format=json").json()
    [card] = [c for c in overview["surveys"] if c["survey"] == app.state.ids["draft"]]
    assert card["score"] == {"measure": "nps", "value": 30.0, "low": -18.0, "high": 78.0,
                             "n": 10, "enough_data": False, "unit": "nps"}  # fmt: skip
    ces = text_of(staff.get(f"/dashboard/surveys/{app.state.ids['closed']}?{RANGE}").text)
    mean = sum((7, 6, 6, 5, 2, 1)) / 6
    # The t margin is over a point: no decimals.
    assert f"Customer Effort Score: average out of 7 {round(mean)} / 7" in ces
    assert "Found it easy: answered 5 to 7 out of 7 (%) 67 %" in ces


def test_overview_groups_by_service_with_channels_and_filters(staff: TestClient, app: Any) -> None:
    # Yesterday: the overview compares whole days, and today is not over.
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    answers = [(5, "in_person", "en"), (4, "in_person", "fr"), (1, "phone", "en")]
    for score, channel, lang in answers:
        submit(app, "counter", {"satisfaction": score}, day=yesterday, channel=channel, lang=lang)
    html = staff.get("/dashboard?days=30&by=channel").text
    body = text_of(html)
    assert "Park passes Changes made" in body and "Licence renewals Changes made" in body
    counter = html[html.index(f"/dashboard/surveys/{app.state.ids['counter']}") :]
    rows = counter.split("</tr>")
    assert re.search(r'<td class="num">3</td>', rows[0])  # three responses
    assert "67 %" in rows[0]  # 2 of 3 satisfied
    channel_rows = [text_of(r) for r in rows[1:3]]
    assert channel_rows[0].startswith("Service quality – In person (Assisted) 100 % (34 % – 100 %)")
    assert channel_rows[1].startswith("Service quality – Phone (agent) (Assisted) 0 %")
    only_fr = staff.get("/dashboard?days=30&language=fr").text
    counter = only_fr[only_fr.index(f"/dashboard/surveys/{app.state.ids['counter']}") :]
    assert re.search(r'<td class="num">1</td>', counter.split("</tr>")[0])
    assert staff.get("/dashboard?since=nope").status_code == 200


def test_detail_page_leaves_out_hidden_comments_and_names_the_answer(
    staff: TestClient, app: Any
) -> None:
    rid = submit(app, "counter", {"satisfaction": 2, "comment": "Too slow"}, day=date(2025, 2, 2))
    submit(app, "counter", {"satisfaction": 5, "comment": "Lovely"}, day=date(2025, 2, 3))
    html = staff.get(f"/dashboard/surveys/{app.state.ids['counter']}?{RANGE}").text
    latest = text_of(section(html, "comments-title"))
    assert "Too slow" in latest and "Answered: Dissatisfied" in latest
    from feedback.core.models import Answer

    with session_scope(app.state.engine) as session:
        answer = session.exec(
            select(Answer).where(Answer.response_id == rid, Answer.text == "Too slow")
        ).one()
        answer.hidden = True
        session.add(answer)
    latest = text_of(
        section(
            staff.get(f"/dashboard/surveys/{app.state.ids['counter']}?{RANGE}").text,
            "comments-title",
        )
    )
    assert "Too slow" not in latest and "Lovely" in latest


def test_viewer_reads_but_cannot_edit(client: TestClient, app: Any) -> None:
    from feedback.staff import auth

    with session_scope(app.state.engine) as session:
        auth.create_user(
            session,
            username="viewer",
            password="correct horse battery",
            role="viewer",
            service_ids=["parks"],
        )
    login(client, "viewer")
    html = client.get(f"/dashboard/surveys/{app.state.ids['counter']}").text
    assert "All changes to this service" in html and "Add or edit changes" not in html
    assert client.get(f"/dashboard/surveys/{app.state.ids['page']}").status_code == 404


def test_checklist_counts_against_the_people_asked(staff: TestClient, app: Any) -> None:
    # A-11 v2: "what went well" is asked after a thumbs up, "what didn't" after a thumbs down.
    rows = [(True, ["ease"]), (True, ["ease", "efficiency"]), (True, []), (False, [])]
    for trust, picks in rows:
        answers: dict[str, Any] = {"trust": trust}
        if picks:
            answers["went_well"] = picks
        submit(app, "v2", answers, day=date(2025, 3, 3))
    html = staff.get(f"/dashboard/surveys/{app.state.ids['v2']}?{RANGE}").text
    answered = section(html, "answers-title")
    well = answered[answered.index("What went well?") :]
    well = text_of(well[: well.index("</table>")])
    assert "Share of the 3 people asked" in well  # three thumbs up
    assert "My need was addressed 0 0 % It was easy 2 67 % It took a reasonable time 1 33 %" in well

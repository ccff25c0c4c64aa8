"""The inbox page: filters, scopes, search, paging; a comment's follow-up (audited)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient
from test_dashboard_views import csrf, submit

from feedback.core.db import session_scope
from feedback.core.models import AuditEntry, Comment, Theme

from conftest import ADMIN_PASSWORD, login


def listed(html: str) -> list[str]:
    block = html.split('id="list-title"', 1)[1]
    return [t.strip() for t in re.findall(r'<p lang="(?:en|fr)">(.*?)</p>', block, re.S)]


def load(app: Any) -> None:
    submit(
        app,
        "counter",
        {"satisfaction": 1, "comment": "L'attente était longue."},
        day=date(2025, 1, 2),
        lang="fr",
    )
    submit(
        app,
        "v2",
        {"trust": False, "comment": "I waited an hour on the phone."},
        day=date(2025, 1, 3),
        channel="phone",
    )
    submit(app, "counter", {"satisfaction": 5, "comment": "Great staff."}, day=date(2025, 1, 4))


def test_inbox_lists_every_visible_comment_newest_first(staff: TestClient, app: Any) -> None:
    load(app)
    html = staff.get("/dashboard/comments?lang=en").text
    assert listed(html) == [
        "Great staff.",
        "I waited an hour on the phone.",
        "L&#39;attente était longue.",
    ]
    assert listed(staff.get("/dashboard/comments?q=wait").text) == [
        "I waited an hour on the phone."
    ]
    assert listed(staff.get("/dashboard/comments?q=ATTENTE").text) == [
        "L&#39;attente était longue."
    ]
    assert listed(staff.get("/dashboard/comments?score=high").text) == ["Great staff."]
    assert listed(staff.get("/dashboard/comments?channel=phone").text) == [
        "I waited an hour on the phone."
    ]
    assert listed(staff.get("/dashboard/comments?language=fr&lang=fr").text) == [
        "L&#39;attente était longue."
    ]


def test_a_manager_sees_only_their_services(client: TestClient, app: Any) -> None:
    load(app)
    login(client, "manager", ADMIN_PASSWORD)
    # The manager has "licences" (the v2 survey), not "parks" (the counter survey).
    assert listed(client.get("/dashboard/comments").text) == ["I waited an hour on the phone."]
    with session_scope(app.state.engine) as session:
        other = session.scalars(select(Comment).where(Comment.service_id == "parks")).first()
        assert other is not None
    assert client.get(f"/dashboard/comments/{other.answer_id}").status_code == 404


def test_bad_filters_never_fail(staff: TestClient, app: Any) -> None:
    load(app)
    for query in (
        "since=2025-13-45",
        "until=x&since=y",
        "since=2025-02-01&until=2025-01-01",
        "theme=99999999999999",
        "score=nope",
        "status=<b>",
        "after=garbage",
        "after=99999999999999999999-1",
        "dates=last7&since=0001-01-01&until=9999-12-31",
        "q=" + "x" * 5000,
        "q=%22%2A%28)",
        "service=zzz",
    ):
        r = staff.get("/dashboard/comments?" + query)
        assert r.status_code == 200, query
    assert "is not a date" in staff.get("/dashboard/comments?since=2025-13-45").text
    assert (
        "n’est pas une date" in staff.get("/dashboard/comments?since=2025-13-45&lang=fr").text
        or "date" in staff.get("/dashboard/comments?since=2025-13-45&lang=fr").text
    )


def test_paging_by_cursor(staff: TestClient, app: Any) -> None:
    for i in range(30):
        submit(
            app,
            "counter",
            {"satisfaction": 3, "comment": f"Comment number {i}"},
            day=date(2025, 1, 1 + i),
        )
    first = staff.get("/dashboard/comments").text
    assert len(listed(first)) == 25 and listed(first)[0] == "Comment number 29"
    after = re.search(r'href="([^"]*after=[^"]*)" rel="next"', first)
    assert after is not None
    second = staff.get(after.group(1).replace("&amp;", "&")).text
    assert listed(second) == [f"Comment number {i}" for i in range(4, -1, -1)]


def test_follow_up_status_assignee_notes_and_themes_are_audited(
    staff: TestClient, app: Any
) -> None:
    load(app)
    with session_scope(app.state.engine) as session:
        comment = session.scalars(select(Comment).where(Comment.service_id == "licences")).one()
        waiting = session.scalars(select(Theme).where(Theme.key == "waiting_time")).one()
        phone = session.scalars(select(Theme).where(Theme.key == "phone_access")).one()
    url = f"/dashboard/comments/{comment.answer_id}"
    token = csrf(staff, "/dashboard/comments")
    r = staff.post(
        url + "/follow-up",
        data={"csrf_token": token, "status": "in_progress", "assignee": "manager"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert (
        staff.post(url + "/follow-up", data={"csrf_token": token, "status": "bogus"}).status_code
        == 400
    )
    assert (
        staff.post(
            url + "/follow-up", data={"csrf_token": token, "status": "done", "assignee": "agent"}
        ).status_code
        == 400
    )
    staff.post(
        url + "/notes", data={"csrf_token": token, "note": "Called the office about hold times."}
    )
    staff.post(
        url + "/themes",
        data={"csrf_token": token, "theme": [str(waiting.id), str(phone.id), "abc"]},
    )
    page = staff.get(url + "?lang=en").text
    assert "Called the office about hold times." in page
    assert 'value="in_progress" selected' in page and 'value="manager" selected' in page
    with session_scope(app.state.engine) as session:
        actions = [a.action for a in session.scalars(select(AuditEntry))]
        stored = session.get(Comment, comment.answer_id)
        assert stored is not None and stored.reviewed and stored.status == "in_progress"
    assert {"comment.follow_up", "comment.note", "comment.themes"} <= set(actions)
    themed = staff.get(f"/dashboard/comments?theme={waiting.id}").text
    assert listed(themed) == ["I waited an hour on the phone."]
    assert listed(staff.get("/dashboard/comments?status=in_progress").text) == [
        "I waited an hour on the phone."
    ]


def test_a_viewer_cannot_change_follow_up(client: TestClient, app: Any) -> None:
    load(app)
    with session_scope(app.state.engine) as session:
        from feedback.staff import auth

        auth.create_user(
            session,
            username="viewer",
            password=ADMIN_PASSWORD,
            role="viewer",
            service_ids=["licences", "parks"],
        )
        comment = session.scalars(select(Comment)).first()
        assert comment is not None
    login(client, "viewer", ADMIN_PASSWORD)
    url = f"/dashboard/comments/{comment.answer_id}"
    assert client.get(url).status_code == 200
    r = client.post(
        url + "/notes", data={"csrf_token": csrf(client, "/dashboard/comments"), "note": "x"}
    )
    assert r.status_code == 403


def test_a_change_cites_a_comment_and_the_scorecard_lists_its_themes_only(
    staff: TestClient, app: Any
) -> None:
    from feedback.core.models import ChangeEvent, Service
    from feedback.insight import events

    load(app)
    with session_scope(app.state.engine) as session:
        comment = session.scalars(select(Comment).where(Comment.service_id == "licences")).one()
        waiting = session.scalars(select(Theme).where(Theme.key == "waiting_time")).one()
        event = events.add(
            session, service_id="licences", day=date(2025, 2, 1),
            label={"en": "Second phone line opened", "fr": "Deuxième ligne ouverte"},
        )  # fmt: skip
        other = events.add(
            session, service_id="parks", day=date(2025, 2, 1), label={"en": "x", "fr": "x"}
        )
        service = session.get(Service, "licences")
        assert service is not None
        service.public_scorecard = True
    url = f"/dashboard/comments/{comment.answer_id}"
    token = csrf(staff, "/dashboard/comments")
    staff.post(url + "/themes", data={"csrf_token": token, "theme": [str(waiting.id)]})
    assert "Second phone line opened" in staff.get(url).text
    assert (
        staff.post(url + "/cite", data={"csrf_token": token, "event": str(other.id)}).status_code
        == 400
    )
    assert staff.post(url + "/cite", data={"csrf_token": token, "event": "x"}).status_code == 400
    staff.post(url + "/cite", data={"csrf_token": token, "event": str(event.id)})
    staff.post(url + "/cite", data={"csrf_token": token, "event": str(event.id)})  # once only
    with session_scope(app.state.engine) as session:
        stored = session.get(ChangeEvent, event.id)
        assert stored is not None
        assert [t.key for t in events.cited_themes(session, [event.id])[event.id]] == [
            "waiting_time"
        ]
    card = staff.get("/scorecard/licences?lang=en").text
    assert "after comments about: Waiting time" in card
    assert "I waited an hour" not in card

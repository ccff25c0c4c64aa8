"""Managers set how a survey invites people, invite from a CSV file, and upload the
interactions each channel served; others cannot."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient
from test_route_inventory import csrf_of

from feedback.core.db import session_scope
from feedback.core.models import InteractionCount, Invitation, InvitationRule, utcnow

from conftest import login


def test_a_manager_sets_the_invitation_rule(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    login(client, "manager")
    page = client.get(f"/admin/surveys/{survey}/invitations?lang=fr")
    assert page.status_code == 200 and "Invitations après une interaction" in page.text
    form = {"csrf_token": csrf_of(client), "sample_percent": "150", "delay_minutes": "x",
            "frequency_days": "0", "reminder_days": "2", "quiet": "1", "quiet_start": "22",
            "quiet_end": "22"}  # fmt: skip
    bad = client.post(f"/admin/surveys/{survey}/invitations?lang=en", data=form)
    assert bad.status_code == 422
    for message in ("Give a whole number from 0 to 100.", "Give a number of days from 1"):
        assert message in bad.text
    assert 'value="150"' in bad.text  # nothing typed is lost
    with session_scope(app.state.engine) as session:
        assert session.get(InvitationRule, survey) is None
    good = {**form, "sample_percent": "25", "delay_minutes": "60", "frequency_days": "30",
            "quiet_end": "7"}  # fmt: skip
    saved = client.post(
        f"/admin/surveys/{survey}/invitations?lang=en", data=good, follow_redirects=False
    )
    assert saved.status_code == 303
    with session_scope(app.state.engine) as session:
        rule = session.get(InvitationRule, survey)
        assert rule is not None
        assert (rule.sample_percent, rule.delay_minutes, rule.frequency_days) == (25, 60, 30)
        assert (rule.quiet_start, rule.quiet_end, rule.reminder_days) == (22, 7, 2)
    # The counter survey belongs to another service: not this manager's.
    other = client.get(f"/admin/surveys/{app.state.ids['counter']}/invitations")
    assert other.status_code == 404


def test_invitations_and_interactions_from_csv_files(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    login(client, "manager")
    ended = utcnow().isoformat()
    csv_text = (
        "email,phone,channel,touchpoint,language,ended_at\n"
        f"a@example.org,,phone,line 1,en,{ended}\n"
        f",613-555-0123,in_person,desk,fr,{ended}\n"
        f"not-an-address,,phone,,en,{ended}\n"
    )
    upload = client.post(
        "/admin/invitations/upload?lang=en",
        data={"csrf_token": csrf_of(client), "survey": survey},
        files={"file": ("calls.csv", csv_text.encode(), "text/csv")},
    )
    assert upload.status_code == 200, upload.text
    assert "3 rows read: 2 invitations queued" in upload.text
    assert "Row 4:" in upload.text
    with session_scope(app.state.engine) as session:
        media = sorted(i.medium for i in session.exec(select(Invitation)))
        assert media == ["email", "sms"]
    empty = client.post(
        "/admin/invitations/upload?lang=en",
        data={"csrf_token": csrf_of(client), "survey": survey},
        files={"file": ("x.csv", b"\xff\xfe", "text/csv")},
    )
    assert empty.status_code == 422 and "Choose a CSV file" in empty.text
    records = (
        'channel,start,end,count\nphone,2026-10-01,2026-10-31,"12,840"\n'
        "web,2026-10-01,2026-09-01,5\n"
    )
    sent = client.post(
        "/admin/interactions/upload?lang=en",
        data={"csrf_token": csrf_of(client), "service": "licences"},
        files={"file": ("served.csv", records.encode(), "text/csv")},
    )
    assert sent.status_code == 200 and "1 records saved, 1 with problems" in sent.text
    with session_scope(app.state.engine) as session:
        (row,) = session.exec(select(InteractionCount)).all()
        assert (row.channel, row.n) == ("phone", 12840)
    page = client.get("/admin/services/licences/interactions?lang=fr")
    assert page.status_code == 200 and "12 840" in page.text.replace("\u202f", " ").replace(
        "\xa0", " "
    )
    assert client.get("/admin/services/parks/interactions").status_code == 404


def test_agents_and_viewers_cannot_change_reach(client: TestClient, app: Any) -> None:
    login(client, "agent")
    survey = app.state.ids["v2"]
    assert client.get(f"/admin/surveys/{survey}/invitations").status_code == 403
    assert client.get("/admin/services/licences/interactions").status_code == 403

"""An answer is stored under exactly the channel it came through, or not at all: every way in
(hosted page, kiosk, widget API, amend, bulk API, paper import, assisted entry) refuses a
channel the survey does not offer, in the person's language, and stores nothing. The share
page, QR codes and CLI offer only the survey's channels; adding one is one step."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from kiosk_devices import enrol_client
from sqlalchemy import func, select
from starlette.testclient import TestClient
from test_bulk_ingest import make_token

from feedback.answers import paper_import
from feedback.cli import main
from feedback.core.db import session_scope
from feedback.core.models import Answer, AuditEntry, Response, Survey, Webhook, WebhookDelivery

from conftest import login

NOT_SET_UP_FR = "Ce lien n'est pas configuré pour ce sondage."


def rows(app: Any) -> tuple[int, int]:
    """(responses, answers) stored, to compare before and after a refusal."""
    with session_scope(app.state.engine) as session:
        responses = session.execute(select(func.count()).select_from(Response)).scalar_one()
        answers = session.execute(select(func.count()).select_from(Answer)).scalar_one()
    return int(responses), int(answers)


def hidden(text: str) -> dict[str, str]:
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', text))


def test_hosted_links_for_a_channel_not_offered_store_nothing(client: TestClient, app: Any) -> None:
    web_only = app.state.ids["page"]  # offered on the web only
    before = rows(app)
    page = client.get(f"/s/{web_only}?channel=phone&lang=fr")
    assert page.status_code == 404 and NOT_SET_UP_FR in unescape(page.text)
    form = hidden(client.get(f"/s/{web_only}?lang=en").text)
    for channel in ("phone", "kiosk", "carrier-pigeon", ""):
        sent = client.post(
            f"/s/{web_only}", data={**form, "channel": channel or "in_person", "q_found": "true"}
        )
        assert sent.status_code == 404
        assert "This link is not set up for this survey." in unescape(sent.text)
    assert rows(app) == before
    # The right channel is stored as sent.
    sent = client.post(f"/s/{web_only}", data={**form, "q_found": "true"})
    assert sent.status_code == 200 and rows(app)[0] == before[0] + 1


def test_kiosk_needs_the_kiosk_channel(client: TestClient, app: Any) -> None:
    web_only = app.state.ids["page"]
    before = rows(app)
    page = client.get(f"/k/{web_only}?lang=en")
    assert page.status_code == 404
    assert "This link is not set up for this survey." in unescape(page.text)
    # A kiosk's post (with a forged proof) for a survey without kiosks stores nothing either.
    form = hidden(client.get(f"/s/{web_only}?lang=en").text)
    sent = client.post(
        f"/s/{web_only}",
        data={**form, "channel": "kiosk", "kiosk_proof": "x", "q_found": "false"},
    )
    assert sent.status_code == 404 and rows(app) == before
    enrol_client(client, app)  # an enrolled tablet (tests/answers/test_security_kiosk.py)
    assert client.get(f"/k/{app.state.ids['counter']}").status_code == 200  # offered there


def test_widget_and_api_answer_422_with_a_channel_error(client: TestClient, app: Any) -> None:
    web_only = app.state.ids["page"]
    before = rows(app)
    body = {"channel": "phone", "language": "fr", "answers": {"found": True}}
    sent = client.post(f"/api/v1/surveys/{web_only}/responses", json=body)
    assert sent.status_code == 422
    error = sent.json()["error"]
    assert error["fields"]["channel"].startswith("Ce sondage n'est pas offert sur ce")
    assert error["message"] == error["fields"]["channel"]  # what the widget shows
    assert rows(app) == before


def test_amending_on_a_channel_no_longer_offered_is_refused(client: TestClient, app: Any) -> None:
    counter = app.state.ids["counter"]
    first = client.post(
        f"/api/v1/surveys/{counter}/responses",
        json={"channel": "phone", "language": "en", "answers": {"courtesy": 4}, "partial": True},
    ).json()
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, counter)
        assert survey is not None
        survey.channels = [c for c in survey.channels if c != "phone"]
        session.add(survey)
    before = rows(app)
    sent = client.patch(
        f"/api/v1/surveys/{counter}/responses/{first['id']}",
        json={"answers": {"satisfaction": 5}, "amend_token": first["amend_token"]},
    )
    assert sent.status_code == 422 and "channel" in sent.json()["error"]["fields"]
    assert rows(app) == before


def test_bulk_items_and_paper_rows_for_a_channel_not_offered(client: TestClient, app: Any) -> None:
    web_only = app.state.ids["page"]
    token = make_token(app, ["ingest"])
    before = rows(app)
    items = [
        {"survey": web_only, "idempotency_key": f"k{i}", "channel": channel, "language": "en"}
        | {"answers": {"found": True}}
        for i, channel in enumerate(["phone", "mail"])
    ]
    sent = client.post(
        "/api/v1/responses", json={"items": items}, headers={"Authorization": f"Bearer {token}"}
    )
    results = sent.json()["results"]
    assert [r["status"] for r in results] == [422, 422]
    assert all("channel" in r["error"]["fields"] for r in results)
    with session_scope(app.state.engine) as session:
        report = paper_import.import_csv(
            session,
            survey_id=web_only,
            text="channel,language,found\nmail,en,yes\n,fr,non\n",
            file_name="forms.csv",
        )
    assert report.created == 0 and len(report.errors) == 2  # mail, then the default (mail)
    assert rows(app) == before


def test_paper_rows_are_assisted_and_carry_the_channel_mode(app: Any) -> None:
    counter = app.state.ids["counter"]
    with session_scope(app.state.engine) as session:
        paper_import.import_csv(
            session,
            survey_id=counter,
            text="channel,language,satisfaction\nmail,en,4\n",
            file_name="forms.csv",
        )
    with session_scope(app.state.engine) as session:
        (stored,) = session.scalars(select(Response)).all()
        assert (stored.channel, stored.assisted, stored.source) == ("mail", True, "paper")


def test_share_page_qr_and_cli_offer_only_the_survey_channels(
    client: TestClient, app: Any, capsys: Any
) -> None:
    login(client)
    web_only = app.state.ids["page"]
    page = client.get(f"/admin/surveys/{web_only}/share?channel=kiosk&lang=en").text
    assert 'id="kiosk-link"' not in page  # no kiosk link for a survey without kiosks
    assert "This survey is not offered on this channel: Self-service kiosk." in unescape(page)
    assert "channel=kiosk" not in page.split('id="links-title"')[1]  # links stay on the web
    assert client.get(f"/admin/surveys/{web_only}/qr.svg?channel=kiosk").status_code == 400
    url = app.state.settings.database_url
    code = main(["qr", web_only, "--channel", "kiosk", "-o", "/dev/null", "--database-url", url])
    assert code == 2 and "channel not offered" in capsys.readouterr().err
    # One step: the button on the share page (CSRF, audited), then the kiosk works.
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    assert (
        client.post(
            f"/admin/surveys/{web_only}/channels", data={"channel": "kiosk"}, follow_redirects=False
        ).status_code
        == 403
    )  # no CSRF token
    done = client.post(
        f"/admin/surveys/{web_only}/channels",
        data={"channel": "kiosk", "csrf_token": token.group(1)},
        follow_redirects=True,
    )
    assert "The survey is now offered on this channel: Self-service kiosk." in unescape(done.text)
    assert 'id="kiosk-link"' in done.text
    enrol_client(client, app)
    assert client.get(f"/k/{web_only}").status_code == 200
    with session_scope(app.state.engine) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "survey.channel_enable")
        ).one()
        assert entry.target == f"survey:{web_only}"
    code = main(["surveys", "enable-channel", web_only, "mail", "--database-url", url])
    assert code == 0 and "is now offered on mail" in capsys.readouterr().out


def test_webhooks_carry_channel_mode_apart_from_assisted_and_never_test_answers(
    client: TestClient, app: Any
) -> None:
    counter = app.state.ids["counter"]
    with session_scope(app.state.engine) as session:
        session.add(Webhook(service_id="parks", url="https://hooks.example", secret="s" * 32,
                            created_by="test"))  # fmt: skip
    body = {"channel": "phone", "language": "en", "answers": {"satisfaction": 4}}
    assert client.post(f"/api/v1/surveys/{counter}/responses", json=body).status_code == 201
    login(client)
    share = client.get(f"/admin/surveys/{counter}/share?channel=phone").text
    preview = unescape(re.findall(r'<iframe src="([^"]+)"', share)[0])
    form = hidden(client.get(preview).text)
    sent = client.post(f"/s/{counter}", data={**form, "q_satisfaction": "2"})
    assert sent.status_code == 200
    with session_scope(app.state.engine) as session:
        payloads = [d.payload for d in session.scalars(select(WebhookDelivery))]
        tests = session.scalars(select(Response).where(Response.test.is_(True))).all()  # type: ignore[attr-defined]
    assert len(tests) == 1  # stored, but announced to nobody
    (payload,) = payloads
    response = payload["response"]
    assert (response["channel"], response["channel_mode"], response["assisted"]) == (
        "phone",
        "assisted",
        False,
    )

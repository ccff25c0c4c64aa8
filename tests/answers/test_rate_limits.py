"""Per-client submission limits on every public way in: 429 with Retry-After, others unaffected."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

import pytest
from kiosk_devices import enrol_client
from sqlmodel import Session, func, select
from starlette.testclient import TestClient

from feedback.core import limits
from feedback.core.client_keys import ip_hash
from feedback.core.db import session_scope
from feedback.core.models import AppSecret, RateCounter, Response, Survey

from conftest import make_settings, seed_minimal

LIMIT = 3
ALICE, BOB = ("203.0.113.5", 1234), ("198.51.100.7", 4321)


class _Frozen(datetime):
    """Now is always the same moment (mid-minute), so no test straddles two windows."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return datetime(2026, 11, 23, 12, 0, 20, tzinfo=UTC).astimezone(tz)


@pytest.fixture(autouse=True)
def frozen_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "datetime", _Frozen)


def set_limit(app: Any, survey: str, limit: int = LIMIT) -> None:
    with session_scope(app.state.engine) as session:
        found = session.get(Survey, survey)
        assert found is not None
        found.client_limit_per_minute = limit


def count(app: Any, survey: str) -> int:
    with session_scope(app.state.engine) as session:
        stmt = select(func.count()).select_from(Response).where(Response.survey_id == survey)
        return int(session.exec(stmt).one())


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def post_form(c: TestClient, survey: str, lang: str = "en", **extra: str) -> Any:
    """One person's visit: the form, then its post (each visit has its own submission id)."""
    form = hidden_fields(c.get(f"/s/{survey}?lang={lang}").text)
    return c.post(f"/s/{survey}", data={**form, "q_found": "true", **extra})


def test_hosted_form_limits_one_client_not_another(app: Any) -> None:
    survey = app.state.ids["page"]
    set_limit(app, survey)
    with TestClient(app, client=ALICE) as alice, TestClient(app, client=BOB) as bob:
        assert [post_form(alice, survey).status_code for _ in range(LIMIT)] == [200] * LIMIT
        refused = post_form(alice, survey, lang="fr")
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "40"  # the minute ends 40 s after 12:00:20
        assert "Trop de réponses ont été envoyées d’ici" in unescape(refused.text)
        assert '<html lang="fr">' in refused.text
        # The form comes back with the answers in it, to send again a minute later.
        assert 'value="true" checked' in refused.text and 'role="alert"' in refused.text
        # Another address is not affected.
        assert post_form(bob, survey).status_code == 200
        # A stored form posted again (a refresh, a double click) replays: never limited.
        form = hidden_fields(bob.get(f"/s/{survey}?lang=en").text)
        data = {**form, "q_found": "true"}
        assert [bob.post(f"/s/{survey}", data=data).status_code for _ in range(LIMIT)] == [
            200
        ] * LIMIT
        # Only the two new submissions counted: one more fits, then Bob is refused too.
        assert [post_form(bob, survey).status_code for _ in range(2)] == [200, 429]
        assert bob.post(f"/s/{survey}", data=data).status_code == 200
    assert count(app, survey) == 2 * LIMIT
    # The counters hold today's salted hash of the address, never the address.
    with session_scope(app.state.engine) as session:
        buckets = list(session.exec(select(RateCounter.bucket)))
        salt = session.exec(select(AppSecret.value).where(AppSecret.name.startswith("ip_salt:")))
        expected = ip_hash(ALICE[0], bytes.fromhex(salt.one()))
    assert buckets and all(ALICE[0] not in b and BOB[0] not in b for b in buckets)
    assert any(expected in b for b in buckets)


def test_widget_api_post_and_patch_get_json_429(app: Any) -> None:
    survey = app.state.ids["page"]
    set_limit(app, survey, 2)
    url = f"/api/v1/surveys/{survey}/responses"
    body = {"channel": "web", "language": "fr", "answers": {"found": True}, "partial": True}
    with TestClient(app, client=ALICE) as alice, TestClient(app, client=BOB) as bob:
        first = alice.post(url, json=body)
        assert first.status_code == 201
        token = first.json()["amend_token"]
        patch = {"language": "fr", "answers": {"comment": "Clair"}, "amend_token": token}
        assert alice.patch(f"{url}/{first.json()['id']}", json=patch).status_code == 200
        refused = alice.post(url, json=body)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) == 40
        error = refused.json()["error"]
        assert error["code"] == "too_many" and error["message"].startswith("Trop de réponses")
        again = alice.patch(f"{url}/{first.json()['id']}", json=patch)
        assert again.status_code == 429 and again.json()["error"]["code"] == "too_many"
        assert bob.post(url, json=body).status_code == 201
    assert count(app, survey) == 2


def kiosk_form(c: TestClient, survey: str) -> dict[str, str]:
    """The hidden fields of the kiosk page, as an enrolled tablet loads them."""
    return hidden_fields(c.get(f"/k/{survey}?lang=en&touchpoint=office-12").text)


def test_kiosk_counter_has_its_own_higher_limit(app: Any) -> None:
    """Tablets at one counter share an address: they are not held to one person's limit."""
    survey = app.state.ids["counter"]
    set_limit(app, survey, 2)
    with TestClient(app, client=ALICE) as counter:
        enrol_client(counter, app)
        data = {**kiosk_form(counter, survey), "q_satisfaction": "5"}
        assert data["channel"] == "kiosk" and "kiosk_proof" not in data
        for n in range(6):
            sent = counter.post(f"/k/{survey}", data={**data, "submission_id": f"tablet-{n}"})
            assert sent.status_code == 200
        # A web visitor at the same address keeps their own allowance.
        web = {**data, "channel": "web", "submission_id": "web-1"}
        assert counter.post(f"/s/{survey}", data=web).status_code == 200
    assert count(app, survey) == 7


def test_claiming_the_kiosk_channel_without_an_enrolled_tablet_is_refused(app: Any) -> None:
    survey = app.state.ids["counter"]
    set_limit(app, survey, 2)
    data = {"lang": "en", "channel": "kiosk", "q_satisfaction": "5"}
    with TestClient(app, client=ALICE) as alice, TestClient(app, client=BOB) as bob:
        for path in (f"/s/{survey}", f"/k/{survey}"):
            sent = alice.post(path, data={**data, "kiosk_proof": "0" * 32, "submission_id": "a"})
            assert sent.status_code == 403
        # Nor through the widget API, which no tablet posts through.
        url = f"/api/v1/surveys/{survey}/responses"
        body = {"channel": "kiosk", "language": "en", "answers": {"satisfaction": 5}}
        refused = bob.post(url, json=body)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "kiosk_not_enrolled"
        # A tablet's cookie goes to the kiosk pages only: the hosted page never sees it.
        enrol_client(bob, app)
        assert bob.post(f"/s/{survey}", data={**data, "submission_id": "b"}).status_code == 403
    assert count(app, survey) == 0


def test_a_follow_up_gets_the_limit_of_its_stored_channel(app: Any) -> None:
    from feedback.answers import intake, protect, storing
    from feedback.surveys import definitions as surveys

    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, app.state.ids["counter"])
        assert survey is not None
        settings = app.state.settings
        ids = {}
        for channel in ("kiosk", "web"):
            ids[channel] = storing.submit(
                session,
                survey=survey,
                questions=surveys.questions_of(session, survey.id),
                submission=intake.Submission(
                    channel=channel, language="en", answers={"satisfaction": 4}
                ),
                lang="en",
            ).id
        kiosk = protect.follow_up_guard(
            session, survey=survey, ip=ALICE[0], response_id=ids["kiosk"], settings=settings
        )
        web = protect.follow_up_guard(
            session, survey=survey, ip=ALICE[0], response_id=ids["web"], settings=settings
        )
    assert kiosk.client_limit == max(
        survey.client_limit_per_minute, settings.kiosk_limit_per_minute
    )
    assert kiosk.client.startswith("kiosk:")
    assert web.client_limit == survey.client_limit_per_minute and not web.client.startswith("kiosk")


def test_kiosk_limit_and_survey_cap_come_from_settings(database_url: str) -> None:
    application = create_with(database_url, kiosk_limit_per_minute=3, survey_limit_per_minute=4)
    survey = application.state.ids["counter"]
    set_limit(application, survey, 1)
    with TestClient(application, client=ALICE) as kiosk, TestClient(application, client=BOB) as b:
        enrol_client(kiosk, application)
        data = {**kiosk_form(kiosk, survey), "q_satisfaction": "4"}
        codes = [
            kiosk.post(f"/k/{survey}", data={**data, "submission_id": f"k{n}"}).status_code
            for n in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        # The survey-wide cap (4 a minute) then stops everyone, a new address too.
        web = {**data, "channel": "web"}
        assert b.post(f"/s/{survey}", data={**web, "submission_id": "b1"}).status_code == 200
        with TestClient(application, client=("192.0.2.9", 80)) as carol:
            late = carol.post(f"/s/{survey}", data={**web, "submission_id": "c1"})
            assert late.status_code == 429 and late.headers["retry-after"] == "40"
    assert count(application, survey) == 4
    application.state.engine.dispose()


def create_with(url: str, **settings: Any) -> Any:
    from feedback.app import create_app

    application = create_app(make_settings(url, **settings))
    seed_minimal(application)
    return application


def test_a_salt_is_kept_in_memory_only_once_committed(app: Any) -> None:
    engine = app.state.engine
    with Session(engine) as session:
        limits.client_key(session, ALICE[0])
        session.rollback()  # e.g. the request was refused: the new salt row is gone
    # Not remembered: another worker could never read it, and would hash Alice differently.
    assert limits.cached_client_key(engine, ALICE[0]) is None
    with session_scope(engine) as session:
        second = limits.client_key(session, ALICE[0])
    with session_scope(engine) as session:
        stored = session.exec(select(AppSecret.value)).one()
        assert limits.client_key(session, ALICE[0]) == second
    assert second == ip_hash(ALICE[0], bytes.fromhex(stored))
    assert limits.cached_client_key(engine, ALICE[0]) == second

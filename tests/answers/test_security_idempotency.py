"""An Idempotency-Key is not a password: the same key with another body is refused, a replay
never hands out an amend token, and an amend token's window is fixed when it is first given."""

from __future__ import annotations

import re
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from sqlmodel import func, select
from starlette.testclient import TestClient

from feedback.answers import intake, storing
from feedback.core.db import session_scope
from feedback.core.models import Response
from feedback.integrations import tokens
from feedback.surveys import definitions as surveys


def _count(app: Any) -> int:
    with session_scope(app.state.engine) as session:
        return int(session.exec(select(func.count()).select_from(Response)).one())


def _post(client: TestClient, survey: str, body: dict[str, Any], key: str, lang: str = "en") -> Any:
    url = f"/api/v1/surveys/{survey}/responses?lang={lang}"
    return client.post(url, json=body, headers={"Idempotency-Key": key})


def test_someone_elses_key_with_other_answers_is_refused(client: TestClient, app: Any) -> None:
    survey = app.state.ids["v2"]
    mine = {"channel": "web", "language": "en", "partial": True, "answers": {"trust": True}}
    first = _post(client, survey, mine, "k-0001")
    assert first.status_code == 201 and first.json()["amend_token"]
    theirs = {**mine, "answers": {"trust": False}}
    for lang, words in (("en", "already used with different answers"), ("fr", "déjà servi")):
        refused = _post(client, survey, {**theirs, "language": lang}, "k-0001", lang=lang)
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "idempotency_mismatch" and words in error["message"]
        # Neither the stored response's id nor a token comes back.
        assert first.json()["id"] not in refused.text and "amend_token" not in refused.text
    assert _count(app) == 1
    # The very same body again is a replay: its id, and no token.
    again = _post(client, survey, mine, "k-0001")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert "amend_token" not in again.json()


def test_an_amend_tokens_window_is_fixed_when_first_given(
    client: TestClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = {"now": 1_800_000_000}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock["now"])
    survey = app.state.ids["v2"]
    body = {"channel": "web", "language": "en", "partial": True, "answers": {"trust": True}}
    first = _post(client, survey, body, "k-0002").json()
    token, url = first["amend_token"], f"/api/v1/surveys/{survey}/responses/{first['id']}"
    for minutes, comment in ((60, "one"), (119, "two")):
        clock["now"] = 1_800_000_000 + minutes * 60
        patched = client.patch(
            url, json={"amend_token": token, "partial": True, "answers": {"comment": comment}}
        )
        assert patched.status_code == 200
        # The same token back: a PATCH never starts a new two-hour window.
        assert patched.json()["amend_token"] == token
        token = patched.json()["amend_token"]
    clock["now"] = 1_800_000_000 + 121 * 60
    late = client.patch(url, json={"amend_token": token, "answers": {"comment": "three"}})
    assert late.status_code == 403 and late.json()["error"]["code"] == "amend_not_allowed"


def test_a_form_sent_again_with_other_answers_is_not_stored(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    page = client.get(f"/s/{survey}?lang=fr").text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    assert client.post(f"/s/{survey}", data={**form, "q_found": "true"}).status_code == 200
    back = client.post(f"/s/{survey}", data={**form, "q_found": "false"})
    assert back.status_code == 422 and "déjà été envoyées" in back.text
    assert client.post(f"/s/{survey}", data={**form, "q_found": "true"}).status_code == 200
    assert _count(app) == 1


def test_bulk_items_with_a_known_key_and_another_body_are_refused(
    client: TestClient, app: Any
) -> None:
    with session_scope(app.state.engine) as session:
        secret = tokens.create(session, name="ivr", scopes=["ingest"], by="test").secret
    survey = app.state.ids["page"]
    item = {"survey": survey, "idempotency_key": "ivr-1", "channel": "web", "language": "en"}
    auth = {"Authorization": f"Bearer {secret}"}
    first = client.post(
        "/api/v1/responses", json={"items": [{**item, "answers": {"found": True}}]}, headers=auth
    )
    assert first.json()["results"][0]["status"] == 201
    items = [
        {**item, "answers": {"found": False}},  # a stored key, another body
        {**item, "answers": {"found": True}},  # a replay
        {**item, "idempotency_key": "ivr-2", "answers": {"found": True}},
        {**item, "idempotency_key": "ivr-2", "answers": {"found": False}},  # twice in one batch
    ]
    results = client.post("/api/v1/responses", json={"items": items}, headers=auth).json()
    statuses = [(r["status"], r.get("error", {}).get("code")) for r in results["results"]]
    assert statuses == [(422, "idempotency_mismatch"), (200, None), (201, None)] + [
        (422, "idempotency_mismatch")
    ]
    assert _count(app) == 2


def test_a_batch_refuses_a_repeated_key_with_another_body(app: Any) -> None:
    with session_scope(app.state.engine) as session:
        survey = surveys.get_survey(session, app.state.ids["page"])
        assert survey is not None
        questions = surveys.questions_of(session, survey.id)

        def pending(found: bool) -> intake.Pending:
            submission = intake.Submission(channel="web", language="en", answers={"found": found})
            return intake.prepare(survey, questions, submission, "en", idempotency_key="b-1")

        outcomes = storing.store_many(session, [pending(True), pending(False), pending(True)])
        session.commit()
    assert isinstance(outcomes[0], intake.Stored) and outcomes[0].created
    assert isinstance(outcomes[1], intake.Rejected) and outcomes[1].code == "idempotency_mismatch"
    assert isinstance(outcomes[2], intake.Stored) and outcomes[2].id == outcomes[0].id
    assert _count(app) == 1


def test_replays_and_refusals_never_reach_the_scrubber(
    client: TestClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedback.answers import admission
    from feedback.core import limits

    scrubbed: list[str] = []
    real = admission.scrub

    def counting(text: str, lang: str = "en") -> Any:
        scrubbed.append(text)
        return real(text, lang)

    monkeypatch.setattr(admission, "scrub", counting)
    monkeypatch.setattr(
        limits, "now", lambda: limits.datetime(2026, 11, 23, 12, 0, 20, tzinfo=limits.UTC)
    )
    survey = app.state.ids["page"]
    body = {"channel": "web", "language": "en", "answers": {"found": False, "comment": "slow"}}
    assert _post(client, survey, body, "r-1").status_code == 201
    assert scrubbed == ["slow"]
    # Replayed over and over: one key lookup each, the comment is never scanned again.
    assert {_post(client, survey, body, "r-1").status_code for _ in range(20)} == {200}
    assert scrubbed == ["slow"]
    # Over the client's limit (30 a minute): refused before the scrubber sees the comment.
    codes = [_post(client, survey, body, f"n-{n}").status_code for n in range(40)]
    assert codes.count(201) == 29 and codes.count(429) == 11
    assert len(scrubbed) == 30


def test_bulk_ingest_runs_off_the_event_loop(
    client: TestClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from feedback.answers import bulk

    seen: list[bool] = []
    real = bulk.ingest

    def ingest(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            seen.append(True)
        except RuntimeError:
            seen.append(False)  # no loop in this thread: a worker thread
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "ingest", ingest)
    with session_scope(app.state.engine) as session:
        secret = tokens.create(session, name="bulk", scopes=["ingest"], by="test").secret
    item = {"survey": app.state.ids["page"], "idempotency_key": "b-1", "channel": "web"}
    item |= {"language": "en", "answers": {"found": True}}
    sent = client.post(
        "/api/v1/responses", json={"items": [item]}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert sent.status_code == 200 and seen == [False]

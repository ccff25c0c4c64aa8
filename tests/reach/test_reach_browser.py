"""Reach pages in Chromium: response rates, the weighted score, the invitation settings and
the invitation email as a mail client shows it, in English and French; axe-core finds nothing.
FEEDBACK_SCREENSHOTS=1 saves them to docs/screenshots/reach-*.png."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.local_time import today
from feedback.core.models import Invitation, Question, Service, Survey, utcnow
from feedback.integrations import tokens
from feedback.reach import email_message, invitations
from feedback.surveys import definitions as surveys

from conftest import ADMIN_PASSWORD, axe_violations, save_shot

pytestmark = pytest.mark.browser


def seed(app: Any) -> str:
    """A month of a counter survey: offers, answers and the people each channel served."""
    survey = app.state.ids["counter"]
    with session_scope(app.state.engine) as session:
        secret = tokens.create(session, name="seed", scopes=["ingest"], by="test").secret
    client = TestClient(app)
    auth = {"Authorization": f"Bearer {secret}"}
    rng = random.Random(5)
    day = today("UTC")
    items, offers = [], []
    plan = {"phone": (40, 14, 0.85), "in_person": (25, 5, 0.6), "chat": (0, 3, 0.7)}
    for back in range(1, 29):
        d = day - timedelta(days=back)
        for channel, (offered, answered, good) in plan.items():
            if offered:
                offers.append({"survey": survey, "channel": channel, "day": d.isoformat(),
                               "count": offered, "key": f"{channel}-{d}"})  # fmt: skip
            for i in range(answered):
                score = rng.choice([4, 5]) if rng.random() < good else rng.choice([1, 2, 3])
                items.append({"survey": survey, "idempotency_key": f"{channel}-{d}-{i}",
                              "channel": channel, "language": rng.choice(["en", "fr"]),
                              "submitted_at": f"{d.isoformat()}T15:00:00Z",
                              "answers": {"satisfaction": score}})  # fmt: skip
    for start in range(0, len(items), 1000):
        got = client.post(
            "/api/v1/responses", json={"items": items[start : start + 1000]}, headers=auth
        )
        assert got.status_code == 200 and got.json()["failed"] == 0, got.text
    assert (
        client.post("/api/v1/opportunities", json={"items": offers}, headers=auth).status_code
        == 200
    )
    since = (day - timedelta(days=60)).isoformat()
    served = [{"service": "parks", "channel": c, "start": since, "end": day.isoformat(), "count": n}
              for c, n in (("phone", 6000), ("in_person", 24000), ("chat", 3000))]  # fmt: skip
    assert (
        client.post("/api/v1/interactions", json={"items": served}, headers=auth).status_code == 200
    )
    return survey


def sign_in(page: Any, base: str, lang: str) -> None:
    page.goto(f"{base}/login?lang={lang}")
    page.locator("#username").fill("admin")
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/dashboard*")


def test_reach_pages_and_the_email(live_app: Any, browser: Any) -> None:
    app, server = live_app
    survey = seed(app)
    day = today("UTC")
    since, until = day - timedelta(days=28), day - timedelta(days=1)
    window = f"since={since.isoformat()}&until={until.isoformat()}"
    for lang in ("en", "fr"):
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        try:
            sign_in(page, server.url, lang)
            page.goto(f"{server.url}/dashboard/surveys/{survey}?{window}&lang={lang}")
            section = page.locator("section.reach")
            section.scroll_into_view_if_needed()
            section.locator("details").first.evaluate("d => d.open = false")
            save_shot(section, f"reach-survey-{lang}.png")
            assert axe_violations(page) == []
            page.goto(f"{server.url}/dashboard?{window}&lang={lang}")
            save_shot(page.locator("section.reach"), f"reach-overview-{lang}.png")
            assert axe_violations(page) == []
            page.goto(f"{server.url}/admin/surveys/{survey}/invitations?lang={lang}")
            save_shot(page, f"reach-invitations-{lang}.png", full_page=True)
            assert axe_violations(page) == []
            page.goto(f"{server.url}/admin/services/parks/interactions?lang={lang}")
            save_shot(page, f"reach-interactions-{lang}.png", full_page=True)
            assert axe_violations(page) == []
        finally:
            page.close()
    # The invitation email, its HTML part drawn as a mail client draws it.
    with session_scope(app.state.engine) as session:
        body = {"survey": survey, "email": "ana@example.org", "channel": "phone",
                "language": "fr", "ended_at": utcnow().isoformat()}  # fmt: skip
        invitations.accept_many(session, body={"items": [body, {**body, "email": "bo@example.org",
                                "language": "en"}]}, lang="en")  # fmt: skip
        found: Survey | None = session.get(Survey, survey)
        assert found is not None
        service = session.get(Service, found.service_id)
        questions: list[Question] = surveys.questions_of(session, survey)
        sent = list(session.exec(select(Invitation).order_by(Invitation.id)))
        mails = [
            email_message.message(
                i, found, service, questions, base=server.url, sender="sondages@parcs.example"
            )  # fmt: skip
            for i in sent
        ]
    for mail, lang in zip(mails, ("fr", "en"), strict=True):
        html = mail.get_body(("html",)).get_content()
        page = browser.new_page(viewport={"width": 760, "height": 900})
        try:
            page.set_content(html)
            save_shot(page, f"reach-email-{lang}.png", full_page=True)
            assert axe_violations(page) == []
            # The first link answers and opens the rest of the survey on the hosted page.
            page.get_by_role("link").first.click()
            page.wait_for_url("**/i/**saved=1**")
            save_shot(page, f"reach-invitation-page-{lang}.png", full_page=True)
            assert axe_violations(page) == []
        finally:
            page.close()

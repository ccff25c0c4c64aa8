"""Urgent comments: flagged on arrival in English and French, told at once to the service's
contact (email and signed webhook), kept on top of the inbox until acknowledged; false
positives bounded on a corpus of innocent texts that use the same words."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient
from test_alerts import SECRET, Hooks, Mailbox, hooks, mailbox  # noqa: F401  (fixtures)
from test_dashboard_views import csrf, submit

from feedback.app import create_app
from feedback.comments import urgent, urgent_delivery
from feedback.core.db import session_scope
from feedback.core.models import AuditEntry, Comment, Service

from conftest import login, make_settings, seed_minimal

URGENT = [
    ("threat", "I will kill the clerk next time I come in."),
    ("threat", "I'm going to shoot up the office."),
    ("threat", "Watch your back, you'll regret this."),
    ("threat", "Je vais vous tuer si ma demande est refusée."),
    ("threat", "Je vais faire sauter le bureau."),
    ("self_harm", "I want to die, nothing works anymore."),
    ("self_harm", "If this is refused I will end my life."),
    ("self_harm", "I'm thinking about suicide."),
    ("self_harm", "Je veux mourir, je n'en peux plus."),
    ("self_harm", "J'ai pensé à me suicider."),
    ("danger", "My husband beats me and I need my file moved."),
    ("danger", "I am not safe at home."),
    ("danger", "Mon conjoint me frappe."),
    ("danger", "Un enfant est en danger chez mes voisins."),
]
# Innocent texts with the same words; each must stay unflagged.
INNOCENT = [
    "I had to kill time for an hour in the waiting room.",
    "Killing time on hold is no fun.",
    "I was dying to know the outcome of my file.",
    "Shoot me an email when it is ready.",
    "Please shoot me a text when my permit is ready.",
    "The wait is killing me.",
    "This killer feature saves me a trip.",
    "The new form is to die for.",
    "I was bored to death on hold.",
    "The deadline was not clear.",
    "The agent scared me to death with the fees, but it was fine.",
    "Je devais tuer le temps dans la salle d'attente.",
    "Je meurs d'envie de savoir la décision.",
    "Mort de rire devant ce formulaire.",
    "My dog died last month and I needed the death certificate process.",
    "Death certificate requests take too long.",
    "The shooting range permit renewal was easy.",
    "Can you hit the button for me? The kiosk is broken.",
    "This website is a disaster, it bombed on me twice.",
    "Le site a planté, c'est la mort.",
    "I will attack this problem again tomorrow.",
    "The app kills my battery.",
    "Ça me tue d'attendre autant.",
    "Les frais sont une arme contre les pauvres.",
    "The staff were great, they really beat my expectations.",
    "I hurt my back and could not stand in line.",
    "My payment is dead in the water.",
    "I'd kill for a callback option.",
]


def test_every_urgent_example_is_flagged_with_its_reason() -> None:
    assert [(urgent.reason(t), t) for _, t in URGENT] == [(why, t) for why, t in URGENT]


def test_false_positives_on_innocent_texts_are_bounded() -> None:
    flagged = [t for t in INNOCENT if urgent.reason(t)]
    # The corpus is the measure: at most 1 in 10 innocent texts flagged (see docs).
    assert len(flagged) / len(INNOCENT) <= 0.10, flagged


@pytest.fixture
def urgent_app(database_url: str, mailbox: tuple[Mailbox, int]) -> Iterator[Any]:  # noqa: F811
    settings = make_settings(
        database_url, smtp_host="127.0.0.1", smtp_port=mailbox[1], smtp_starttls=False,
        alert_webhook_secret=SECRET, alert_check_interval=0, webhook_allow_private=True,
    )  # fmt: skip
    application = create_app(settings)
    seed_minimal(application)
    yield application
    application.state.engine.dispose()


def test_urgent_comment_is_told_once_and_stays_on_top_until_acknowledged(
    urgent_app: Any,
    mailbox: tuple[Mailbox, int],  # noqa: F811
    hooks: Hooks,  # noqa: F811
) -> None:
    with session_scope(urgent_app.state.engine) as session:
        parks = session.get(Service, "parks")
        assert parks is not None
        parks.urgent_email = "duty@example.ca"
        parks.urgent_webhook_url = hooks.url
    said = "Je vais vous tuer si ma demande est refusée."
    submit(
        urgent_app, "counter", {"satisfaction": 1, "comment": said}, day=date(2025, 1, 2), lang="fr"
    )
    for i in range(3):
        submit(
            urgent_app,
            "counter",
            {"satisfaction": 4, "comment": f"Fine {i}"},
            day=date(2025, 1, 3 + i),
        )
    settings = urgent_app.state.settings
    assert (
        urgent_delivery.run(urgent_app.state.engine, settings, sleep=lambda s: None)
        == "1 urgent comments sent"
    )
    assert (
        urgent_delivery.run(urgent_app.state.engine, settings, sleep=lambda s: None)
        == "0 urgent comments sent"
    )
    box, _port = mailbox
    assert len(box.messages) == 1
    to, message = box.messages[0]
    assert to == ["duty@example.ca"] and said not in message.get_content()
    assert "/dashboard/comments/" in message.get_content()
    (headers, body) = hooks.calls[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Feedback-Signature"] == expected
    assert headers["X-Feedback-Event"] == "urgent_comment"
    assert json.loads(body)["reason"] == "threat" and said not in body.decode()

    with TestClient(urgent_app) as client:
        login(client)
        page = client.get("/dashboard/comments?lang=en").text
        assert "Urgent comments to acknowledge: 1" in page
        banner = page.split('id="urgent-title"', 1)[1].split("</section>", 1)[0]
        assert "vous tuer" in banner
        with session_scope(urgent_app.state.engine) as session:
            c = session.scalars(select(Comment).where(Comment.urgent.is_(True))).one()  # type: ignore[attr-defined]
        token = csrf(client, "/dashboard/comments")
        client.post(f"/dashboard/comments/{c.answer_id}/acknowledge", data={"csrf_token": token})
        assert "Urgent comments to acknowledge" not in client.get("/dashboard/comments").text
    with session_scope(urgent_app.state.engine) as session:
        stored = session.get(Comment, c.answer_id)
        assert stored is not None and stored.acknowledged_by == "admin"
        assert "comment.acknowledge" in {a.action for a in session.scalars(select(AuditEntry))}


def test_contact_page_checks_and_saves(staff: TestClient, app: Any) -> None:
    token = csrf(staff, "/dashboard/comments/contacts")
    bad = staff.post(
        "/dashboard/comments/contacts/parks",
        data={"csrf_token": token, "email": "nope", "webhook": "ftp://x"},
    )
    assert bad.status_code == 400 and "name@example.ca" in bad.text and "https://" in bad.text
    assert (
        staff.post("/dashboard/comments/contacts/none", data={"csrf_token": token}).status_code
        == 404
    )
    ok = staff.post(
        "/dashboard/comments/contacts/parks",
        data={"csrf_token": token, "email": "duty@example.ca", "webhook": ""},
    )
    assert ok.status_code == 200
    with session_scope(app.state.engine) as session:
        parks = session.get(Service, "parks")
        assert parks is not None and parks.urgent_email == "duty@example.ca"

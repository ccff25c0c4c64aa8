"""The webhook outbox: one row per active webhook, written as the response is stored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from feedback.core.catalog import CHANNELS
from feedback.core.models import Question, ResponseFacts, Survey, Webhook, WebhookDelivery
from feedback.core.times import iso_utc

EVENT_CREATED = "response.created"
EVENT_UPDATED = "response.updated"  # follow-up answers added to a stored response


def enqueue(
    session: Session,
    *,
    survey: Survey,
    response: ResponseFacts,
    accepted: Sequence[tuple[Question, Any]],
    event: str = EVENT_CREATED,
) -> int:
    """Add an outbox row per active webhook of the survey's service; returns how many.

    Called inside the submitting transaction, so a message exists exactly when the response
    does. Costs one indexed read per session when the service has no webhook.
    """
    # Read once per session and service (a bulk request stores thousands of responses in
    # one session), without autoflush: it does not need the pending answers.
    cache = session.info.setdefault("webhooks_by_service", {})
    if survey.service_id not in cache:
        with session.no_autoflush:
            cache[survey.service_id] = list(
                session.exec(
                    select(Webhook.id).where(
                        Webhook.service_id == survey.service_id, col(Webhook.active).is_(True)
                    )
                )
            )
    hooks = cache[survey.service_id]
    if not hooks:
        return 0
    payload = {
        "survey": survey.id,
        "service": survey.service_id,
        "response": {
            "id": str(response.id),
            "submitted_at": iso_utc(response.submitted_at),
            "channel": response.channel,
            # The channel's mode, apart from `assisted` (a person entered it for someone).
            "channel_mode": CHANNELS[response.channel].mode if response.channel in CHANNELS else "",
            "language": response.language,
            "touchpoint": response.touchpoint,
            "assisted": response.assisted,
            "answers": {q.key: v for q, v in accepted},
        },
    }
    session.add_all(
        WebhookDelivery(webhook_id=hook_id, event=event, payload=payload) for hook_id in hooks
    )
    return len(hooks)

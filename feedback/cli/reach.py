"""`feedback invitations send`: send the invitations and reminders that are due, once."""

from __future__ import annotations

import argparse

from feedback.cli.common import adder, engine_for, group, settings_from
from feedback.reach import sending, sms


def cmd_invitations_send(args: argparse.Namespace) -> int:
    """Send what is due now (at most FEEDBACK_INVITATION_BATCH messages) and say what happened."""
    settings = settings_from(args)
    if not settings.smtp_host and not sms.configured(settings):
        print("Nothing can be sent: set FEEDBACK_SMTP_HOST, or the FEEDBACK_SMS_* settings.")
        return 1
    with engine_for(settings) as engine:
        print(sending.summary(sending.run(engine, settings)))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `invitations send`."""
    add = adder(sub)
    invites = group(sub, "invitations", "invitations sent after an interaction")
    add(
        "send",
        cmd_invitations_send,
        "send the invitations and reminders that are due, once",
        invites,
    )

"""Commands for the privacy rules: the retention purge."""

from __future__ import annotations

import argparse

from feedback.answers import retention
from feedback.cli.common import adder, engine_for, settings_from
from feedback.core.db import session_scope


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete the comments older than their survey's retention period (or only count them)."""
    with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
        report = retention.purge(session, dry_run=args.dry_run, who="cli")
    verb = "would be deleted" if args.dry_run else "deleted"
    for survey_id, n in sorted(report.comments.items()):
        print(f"{survey_id}: {n} comment{'' if n == 1 else 's'} {verb}")
    print(f"Total: {report.total} comment{'' if report.total == 1 else 's'} {verb}.")
    n = report.deliveries
    why = "past their survey's period, or sent or failed over 30 days ago"
    print(f"Webhook messages: {n} {verb} ({why}).")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `purge`."""
    add = adder(sub)
    p = add(
        "purge",
        cmd_purge,
        "delete comments (and webhook messages) past their survey's retention period",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="count what would be deleted, change nothing"
    )

"""Commands that read responses out: export and alerts."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from contextlib import nullcontext
from datetime import date

from sqlmodel import Session

from feedback.cli.common import adder, engine_for, group, settings_from
from feedback.core.db import session_scope
from feedback.insight import alerts, export
from feedback.surveys import definitions as surveys


def _export_xlsx(args: argparse.Namespace, session: Session) -> None:
    selection = export.Selection(
        since=args.since, until=args.until, include_tests=args.include_tests
    )
    if args.output:
        export.write_xlsx(session, survey_id=args.survey, out=args.output, selection=selection)
        return
    with tempfile.TemporaryFile() as spool:  # a zip is written whole, then copied out
        export.write_xlsx(session, survey_id=args.survey, out=spool, selection=selection)
        spool.seek(0)
        shutil.copyfileobj(spool, sys.stdout.buffer)


def cmd_export(args: argparse.Namespace) -> int:
    """Stream a survey's responses as CSV, XLSX or JSON to standard output or a file."""
    with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
        if surveys.get_survey(session, args.survey) is None:
            print(f"error: no survey {args.survey!r}", file=sys.stderr)
            return 2
        if args.format == "xlsx":
            _export_xlsx(args, session)
            return 0
        target = (
            open(args.output, "w", encoding="utf-8", newline="")  # noqa: SIM115
            if args.output
            else nullcontext(sys.stdout)
        )
        with target as out:
            selection = export.Selection(
                since=args.since, until=args.until, include_tests=args.include_tests
            )
            export.write_text(
                session, survey_id=args.survey, out=out, format=args.format, selection=selection
            )
    return 0


def cmd_alerts_run(args: argparse.Namespace) -> int:
    """Check every live survey for control-limit signals once and deliver the new ones."""
    settings = settings_from(args)
    with engine_for(settings) as engine:
        r = alerts.run(engine, settings, today=args.today)

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    print(f"{count(r.signals, 'signal')}, {r.new} new, {count(r.emails, 'email')}, "
          f"{count(r.webhooks, 'webhook')} sent.")  # fmt: skip
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `export` and `alerts run` (`services scorecard` is in feedback.cli.services)."""
    add = adder(sub)
    p = add("export", cmd_export, "export a survey's responses")
    p.add_argument("survey")
    p.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    p.add_argument("--since", type=date.fromisoformat)
    p.add_argument("--until", type=date.fromisoformat)
    p.add_argument(
        "--include-tests",
        action="store_true",
        help="include test answers sent from previews (marked in a `test` column)",
    )
    p.add_argument("-o", "--output")

    alert = group(sub, "alerts", "control-limit alerts")
    p = add("run", cmd_alerts_run, "check for signals once and send the new ones", alert)
    p.add_argument("--today", type=date.fromisoformat, help="check as if on this day")

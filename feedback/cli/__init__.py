"""The `feedback` command. Each command group lives in its own module with a `register`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from feedback.cli import integrations, privacy, reach, reports, server, services, staff, surveys
from feedback.cli.common import SchemaOutdated, problem
from feedback.core.settings import Settings

DEFAULT_URL = str(Settings.model_fields["database_url"].default)

# Each module adds its subcommands; a new group is one more module here.
GROUPS = (server, staff, surveys, services, reports, privacy, integrations, reach)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="feedback", description="Bilingual post-interaction feedback for public services."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in GROUPS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ValidationError, SQLAlchemyError, SchemaOutdated) as error:
        # A setting or a database the command cannot use: one line that says which, no traceback.
        url = getattr(args, "database_url", None) or os.environ.get("FEEDBACK_DATABASE_URL")
        print(f"error: {problem(error, url or DEFAULT_URL)}", file=sys.stderr)
        return 1

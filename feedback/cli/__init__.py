"""The `feedback` command. Each command group lives in its own module with a `register`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from feedback.cli import integrations, privacy, reports, server, staff, surveys

# Each module adds its subcommands; a new group is one more module here.
GROUPS = (server, staff, surveys, reports, privacy, integrations)


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
    return int(args.func(args))

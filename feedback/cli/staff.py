"""Commands for staff accounts."""

from __future__ import annotations

import argparse
import sys

from feedback.cli.common import adder, engine_for, group, settings_from
from feedback.core.db import session_scope
from feedback.staff import auth


def _ask_password() -> str:
    import getpass

    return getpass.getpass("Password (at least 10 characters): ")


def cmd_users_add(args: argparse.Namespace) -> int:
    """Add a staff user; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else _ask_password()
    try:
        with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
            auth.create_user(
                session,
                username=args.name,
                password=password,
                role=args.role,
                service_ids=args.service or [],
            )
    except auth.UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Added {args.role} {args.name}.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `users add`."""
    add = adder(sub)
    users = group(sub, "users", "staff users")
    p = add("add", cmd_users_add, "add a user (password on standard input)", users)
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=auth.ROLES)
    p.add_argument("--service", action="append", help="a service the user may see (repeatable)")

"""Commands for staff accounts."""

from __future__ import annotations

import argparse
import sys

from feedback.cli.common import adder, engine_for, group, settings_from
from feedback.core.db import session_scope
from feedback.staff import auth, sessions, totp


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


def _change(args: argparse.Namespace, what: str) -> int:
    """Sign a user out everywhere, or also remove their second factor (a lost phone)."""
    with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
        user = auth.find_user(session, args.name)
        if user is None:
            print(f"error: no user named {args.name!r}", file=sys.stderr)
            return 2
        if what == "reset-2fa":
            totp.turn_off(session, user)
            print(f"Removed two-step sign-in of {user.username}; they were signed out.")
        else:
            ended = sessions.end_all(session, user.id)
            print(f"Signed {user.username} out everywhere; sessions ended: {ended}.")
    return 0


def cmd_users_sign_out(args: argparse.Namespace) -> int:
    """End every session of a user at once."""
    return _change(args, "sign-out")


def cmd_users_reset_2fa(args: argparse.Namespace) -> int:
    """Remove a user's second factor (lost phone and codes); they set it up again."""
    return _change(args, "reset-2fa")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `users add`, `users sign-out` and `users reset-2fa`."""
    add = adder(sub)
    users = group(sub, "users", "staff users")
    p = add("add", cmd_users_add, "add a user (password on standard input)", users)
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=auth.ROLES)
    p.add_argument("--service", action="append", help="a service the user may see (repeatable)")
    p = add("sign-out", cmd_users_sign_out, "end every session of a user at once", users)
    p.add_argument("name")
    p = add(
        "reset-2fa",
        cmd_users_reset_2fa,
        "remove a user's two-step sign-in (lost phone); they are signed out",
        users,
    )
    p.add_argument("name")

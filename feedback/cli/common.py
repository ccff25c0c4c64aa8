"""What every command shares: settings from arguments, the database, registration."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from feedback.core import schema
from feedback.core.db import make_engine
from feedback.core.settings import Settings

Command = Callable[[argparse.Namespace], int]


class SchemaOutdated(RuntimeError):
    """The database holds an older schema: `feedback db upgrade` brings it up to date."""


def safe_url(url: str) -> str:
    """A database URL fit to print: its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def problem(error: Exception, url: str | None = None) -> str:
    """One line that says what is wrong with a setting or the database, for a person."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"FEEDBACK_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
    if isinstance(error, ArgumentError):
        return f"the database URL cannot be used ({error}); check FEEDBACK_DATABASE_URL"
    if isinstance(error, SQLAlchemyError):
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()
        where = f" {safe_url(url)}" if url else ""
        return f"cannot use the database{where}: {cause[0] if cause else type(error).__name__}"
    return str(error)


def settings_from(args: argparse.Namespace, **overrides: object) -> Settings:
    """Settings from the environment, with --database-url and `overrides` on top."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if getattr(args, "database_url", None):
        values["database_url"] = args.database_url
    return Settings(**values)  # type: ignore[arg-type]


@contextmanager
def engine_for(settings: Settings) -> Iterator[Engine]:
    """An engine for one command, disposed when it ends."""
    engine = make_engine(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def upgrade(settings: Settings) -> None:
    """Apply the migrations to the configured database."""
    with engine_for(settings) as engine:
        schema.upgrade(engine)


def adder(sub: argparse._SubParsersAction) -> Callable[..., argparse.ArgumentParser]:  # type: ignore[type-arg]
    """`add(name, func, help, parent=sub)`: a subcommand that takes --database-url."""

    def add(
        name: str,
        func: Command,
        help: str,
        parent: argparse._SubParsersAction | None = None,  # type: ignore[type-arg]
    ) -> argparse.ArgumentParser:
        p = (parent or sub).add_parser(name, help=help)
        p.add_argument("--database-url", help="SQLAlchemy URL (default: FEEDBACK_DATABASE_URL)")
        p.set_defaults(func=func)
        return p

    return add


def group(sub: argparse._SubParsersAction, name: str, help: str) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    """A command group such as `feedback users ...`."""
    return sub.add_parser(name, help=help).add_subparsers(dest=f"{name}_command", required=True)

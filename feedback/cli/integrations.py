"""Commands for integrators: API tokens, CSV import of paper forms, webhook delivery."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from feedback.answers import paper_import
from feedback.cli.common import adder, engine_for, group, settings_from
from feedback.core.db import session_scope
from feedback.integrations import tokens, webhook_delivery


def cmd_tokens_add(args: argparse.Namespace) -> int:
    """Create an API token and print it once."""
    with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
        try:
            created = tokens.create(
                session,
                name=args.name,
                scopes=args.scope,
                service_ids=args.service or [],
                by="cli",
            )
        except tokens.TokenError as error:
            print(f"error: invalid {error}", file=sys.stderr)
            return 2
        print(created.secret)
    print(
        f"Token {created.token.id} ({created.token.prefix}…) created; it is shown only this once.",
        file=sys.stderr,
    )
    return 0


def cmd_tokens_list(args: argparse.Namespace) -> int:
    """List tokens: id, prefix, name, scopes, services, last use, status."""
    with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
        for t in tokens.listing(session):
            used = t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "never"
            status = "revoked" if t.revoked_at else "active"
            services = ",".join(t.service_ids) or "all"
            scopes = ",".join(t.scopes)
            print(f"{t.id}\t{t.prefix}…\t{t.name}\t{scopes}\t{services}\t{used}\t{status}")
    return 0


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    """Revoke a token by id."""
    with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
        if tokens.revoke(session, token_id=args.id, by="cli") is None:
            print(f"error: no token {args.id}", file=sys.stderr)
            return 2
    print(f"Token {args.id} revoked.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import typed-in paper forms from a CSV file; exit 1 if any row was refused."""
    path = Path(args.file)
    try:
        content = path.read_bytes()
        text = content.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"error: cannot read {path}: {error}", file=sys.stderr)
        return 2
    with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
        try:
            report = paper_import.import_csv(
                session,
                survey_id=args.survey,
                text=text,
                file_name=path.name,
                dry_run=args.dry_run,
                content=content,
            )
        except paper_import.ImportFailed as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    for line, problem in report.errors:
        print(f"{path.name}:{line}: {problem}", file=sys.stderr)
    verb = "would be stored" if args.dry_run else "stored"
    print(f"{report.created} {verb}, {report.replayed} already imported, {report.failed} refused.")
    return 1 if report.errors else 0


def cmd_webhooks_deliver(args: argparse.Namespace) -> int:
    """Send the webhook messages that are due, once."""
    settings = settings_from(args)
    with engine_for(settings) as engine:
        print(webhook_delivery.job(settings)(engine))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `tokens add|list|revoke`, `import` and `webhooks deliver`."""
    add = adder(sub)
    token_group = group(sub, "tokens", "API tokens for integrators")
    p = add("add", cmd_tokens_add, "create a token (printed once)", token_group)
    p.add_argument("name")
    p.add_argument("--scope", action="append", required=True, choices=tokens.SCOPES)
    p.add_argument("--service", action="append", help="limit the token to a service (repeatable)")
    add("list", cmd_tokens_list, "list tokens", token_group)
    p = add("revoke", cmd_tokens_revoke, "revoke a token", token_group)
    p.add_argument("id", type=int)
    p = add("import", cmd_import, "import typed-in paper forms from a CSV file")
    p.description = (
        "Import typed-in paper forms from a CSV file. Re-running the same file stores nothing"
        " new. Rows are known by their `id` column, or without one by the file's content and"
        " line: re-importing an edited file stores its rows again unless the file has an `id`"
        " column."
    )
    p.add_argument("survey")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="check every row, store nothing")
    hooks = group(sub, "webhooks", "webhooks on new responses")
    add("deliver", cmd_webhooks_deliver, "send the messages that are due, once", hooks)

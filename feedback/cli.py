"""The `feedback` command: demo, serve, seed, db, users, surveys, export."""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from collections.abc import Sequence
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import inspect

from feedback import auth, schema, surveys
from feedback.db import make_engine, session_scope
from feedback.settings import Settings


def _settings(args: argparse.Namespace, **overrides: object) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if getattr(args, "database_url", None):
        values["database_url"] = args.database_url
    return Settings(**values)  # type: ignore[arg-type]


def _upgrade(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    try:
        schema.upgrade(engine)
    finally:
        engine.dispose()


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> int:
    import os

    import uvicorn

    # Workers are separate processes: they rebuild the app from the environment.
    os.environ["FEEDBACK_DATABASE_URL"] = settings.database_url
    os.environ["FEEDBACK_BASE_URL"] = settings.base_url
    os.environ["FEEDBACK_DEMO"] = "1" if settings.demo else "0"
    if settings.secret_key:
        os.environ["FEEDBACK_SECRET_KEY"] = settings.secret_key
    uvicorn.run(
        "feedback.asgi:app",
        host=host,
        port=port,
        workers=workers,
        factory=False,
        proxy_headers=True,
        log_level="info",
        access_log=False,  # uvicorn's access log writes client IP addresses; we keep none
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Create and seed the embedded database if needed, create `admin`, print URLs, serve."""
    from seed.demo import ensure_demo, seed_responses

    base = f"http://127.0.0.1:{args.port}"
    settings = _settings(args, base_url=base, demo=True)
    _upgrade(settings)
    engine = make_engine(settings.database_url)
    password = settings.admin_password
    with session_scope(engine) as session:
        demo_surveys = ensure_demo(session, base_origin=settings.origin)
        fresh = not any(_has_responses(session, s.id) for s in demo_surveys)
        if fresh:
            print("Seeding a year of demo responses...", flush=True)
            seed_responses(session, months=12, responses=4000)
        from sqlmodel import select

        from feedback.models import StaffUser

        admin = session.exec(select(StaffUser).where(StaffUser.username == "admin")).first()
        if admin is None:
            password = password or secrets.token_urlsafe(12)
            auth.create_user(session, username="admin", password=password, role="admin")
        elif settings.admin_password:
            admin.password_hash = auth.hash_password(settings.admin_password)
    engine.dispose()
    page = next(s for s in demo_surveys if s.template == "gc_page_feedback")
    print(f"\n  Demo host page:   {base}/demo   (en français : {base}/demo?lang=fr)")
    print(f"  Hosted survey:    {base}/s/{page.id}?lang=en")
    print(f"  Dashboard:        {base}/dashboard")
    if password:
        print(f"  Sign in as:       admin / {password}")
    else:
        print("  Sign in as:       admin (password unchanged from the earlier run)")
    print(f"  Database:         {settings.database_url}\n", flush=True)
    return _serve(settings, "127.0.0.1", args.port)


def _has_responses(session: object, survey_id: str) -> bool:
    from sqlmodel import Session, select

    from feedback.models import Response

    assert isinstance(session, Session)
    return (
        session.exec(select(Response.id).where(Response.survey_id == survey_id)).first() is not None
    )


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the application; an empty database gets its schema first."""
    settings = _settings(args)
    engine = make_engine(settings.database_url)
    try:
        if not inspect(engine).get_table_names():
            schema.upgrade(engine)
    finally:
        engine.dispose()
    return _serve(settings, args.host, args.port, args.workers)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Apply Alembic migrations up to the latest revision."""
    settings = _settings(args)
    _upgrade(settings)
    print("Database schema is up to date.")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    """Add demo services, surveys and responses (benchmarks use it for large data)."""
    from seed.demo import ensure_demo, seed_responses

    settings = _settings(args)
    _upgrade(settings)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        ensure_demo(session, base_origin=settings.origin)
        summary = seed_responses(session, months=args.months, responses=args.responses)
    engine.dispose()
    print(f"Added {summary.total} responses over {args.months} months.")
    return 0


def cmd_users_add(args: argparse.Namespace) -> int:
    """Add a staff user; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else _ask_password()
    settings = _settings(args)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
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
    finally:
        engine.dispose()
    print(f"Added {args.role} {args.name}.")
    return 0


def _ask_password() -> str:
    import getpass

    return getpass.getpass("Password (at least 10 characters): ")


def cmd_surveys_list(args: argparse.Namespace) -> int:
    """List surveys as a table, or as JSON for scripts."""
    settings = _settings(args)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        rows = [
            {
                "id": s.id,
                "title": s.title.get("en", ""),
                "status": s.status,
                "service": s.service_id,
                "template": s.template,
            }
            for s in surveys.all_surveys(session)
        ]
    engine.dispose()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            print(f"{row['id']:<12} {row['status']:<7} {row['service']:<12} {row['title']}")
    return 0


def cmd_surveys_allow_origin(args: argparse.Namespace) -> int:
    """Let a site (scheme://host[:port]) embed a survey."""
    parts = urlsplit(args.origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        print("error: give an origin such as https://www.example.ca (no path)", file=sys.stderr)
        return 2
    origin = f"{parts.scheme}://{parts.netloc}"
    settings = _settings(args)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        survey = surveys.get_survey(session, args.survey)
        if survey is None:
            print(f"error: no survey {args.survey!r}", file=sys.stderr)
            return 2
        added = surveys.allow_origin(survey, origin)
        session.add(survey)
    engine.dispose()
    print(f"{origin} {'may now embed' if added else 'could already embed'} survey {args.survey}.")
    return 0


def cmd_qr(args: argparse.Namespace) -> int:
    """Write a QR code of a survey's hosted link (SVG or PNG) for posters and letters."""
    from pathlib import Path

    from feedback import qr, snippets

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        survey = surveys.get_survey(session, args.survey)
        channels = list(survey.channels) if survey else []
    engine.dispose()
    if survey is None or (args.channel and args.channel not in channels):
        problem = f"no survey {args.survey!r}" if survey is None else "channel not offered"
        print(f"error: {problem} (channels: {', '.join(channels)})", file=sys.stderr)
        return 2
    where = {"lang": args.lang, "channel": args.channel, "touchpoint": args.touchpoint}
    url = snippets.hosted_url(settings.base_url, args.survey, **where)
    Path(args.output).write_bytes(qr.render(url, args.format))
    print(f"{args.output}: {url}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Stream a survey's responses as CSV, XLSX or JSON to standard output or a file."""
    from contextlib import nullcontext

    from feedback import export

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            if surveys.get_survey(session, args.survey) is None:
                print(f"error: no survey {args.survey!r}", file=sys.stderr)
                return 2
            if args.format == "xlsx":
                _export_xlsx(args, session)
                return 0
            writer = export.write_csv if args.format == "csv" else export.write_json
            target = (
                open(args.output, "w", encoding="utf-8", newline="")  # noqa: SIM115
                if args.output
                else nullcontext(sys.stdout)
            )
            with target as out:
                writer(session, survey_id=args.survey, since=args.since, until=args.until, out=out)
    finally:
        engine.dispose()
    return 0


def _export_xlsx(args: argparse.Namespace, session: object) -> None:
    import shutil
    import tempfile

    from sqlmodel import Session

    from feedback import export

    assert isinstance(session, Session)
    selection = export.Selection(since=args.since, until=args.until)
    if args.output:
        export.write_xlsx(session, survey_id=args.survey, out=args.output, selection=selection)
        return
    with tempfile.TemporaryFile() as spool:  # a zip is written whole, then copied out
        export.write_xlsx(session, survey_id=args.survey, out=spool, selection=selection)
        spool.seek(0)
        shutil.copyfileobj(spool, sys.stdout.buffer)


def cmd_alerts_run(args: argparse.Namespace) -> int:
    """Check every live survey for control-limit signals once and deliver the new ones."""
    from feedback import alerts

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    try:
        r = alerts.run(engine, settings, today=args.today)
    finally:
        engine.dispose()

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    print(f"{count(r.signals, 'signal')}, {r.new} new, {count(r.emails, 'email')}, "
          f"{count(r.webhooks, 'webhook')} sent.")  # fmt: skip
    return 0


def cmd_services_scorecard(args: argparse.Namespace) -> int:
    """Publish or withdraw a service's public scorecard."""
    from feedback import summaries

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        found = summaries.set_scorecard(session, service_id=args.service, public=args.state == "on")
    engine.dispose()
    if found is None:
        print(f"error: no service {args.service!r}", file=sys.stderr)
        return 2
    state = "now published at" if args.state == "on" else "withdrawn from"
    print(
        f"The scorecard of {args.service} is {state} {settings.base_url}/scorecard/{args.service}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="feedback", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: object, help: str, parent: object = sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help)  # type: ignore[attr-defined]
        p.add_argument("--database-url", help="SQLAlchemy URL (default: FEEDBACK_DATABASE_URL)")
        p.set_defaults(func=func)
        return p  # type: ignore[no-any-return]

    p = add("demo", cmd_demo, "seed the embedded database and serve the demo")
    p.add_argument("--port", type=int, default=8000)
    p = add("serve", cmd_serve, "serve the application")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p = add("seed", cmd_seed, "add demo data")
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--responses", type=int, default=4000)

    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    add("upgrade", cmd_db_upgrade, "apply migrations", db)

    users = sub.add_parser("users", help="staff users").add_subparsers(
        dest="users_command", required=True
    )
    p = add("add", cmd_users_add, "add a user (password on standard input)", users)
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=auth.ROLES)
    p.add_argument("--service", action="append", help="a service the user may see (repeatable)")

    srv = sub.add_parser("surveys", help="surveys").add_subparsers(
        dest="surveys_command", required=True
    )
    p = add("list", cmd_surveys_list, "list surveys", srv)
    p.add_argument("--json", action="store_true")
    p = add("allow-origin", cmd_surveys_allow_origin, "let a site embed a survey", srv)
    p.add_argument("survey")
    p.add_argument("origin")

    p = add("qr", cmd_qr, "write a QR code of a survey's link for posters and letters")
    p.add_argument("survey")
    p.add_argument("--channel", help="e.g. mail for letters, in_person for counter posters")
    p.add_argument("--touchpoint", help="a free label: the poster's place, the letter's name")
    p.add_argument("--lang", choices=("en", "fr"))
    p.add_argument("--format", choices=("svg", "png"), default="svg")
    p.add_argument("-o", "--output", required=True)

    p = add("export", cmd_export, "export a survey's responses")
    p.add_argument("survey")
    p.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    p.add_argument("--since", type=date.fromisoformat)
    p.add_argument("--until", type=date.fromisoformat)
    p.add_argument("-o", "--output")

    alert = sub.add_parser("alerts", help="control-limit alerts").add_subparsers(
        dest="alerts_command", required=True
    )
    p = add("run", cmd_alerts_run, "check for signals once and send the new ones", alert)
    p.add_argument("--today", type=date.fromisoformat, help="check as if on this day")

    services = sub.add_parser("services", help="services").add_subparsers(
        dest="services_command", required=True
    )
    p = add("scorecard", cmd_services_scorecard, "publish or withdraw a public scorecard", services)
    p.add_argument("service")
    p.add_argument("state", choices=("on", "off"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))

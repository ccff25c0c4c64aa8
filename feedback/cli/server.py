"""Commands that run the product: demo, serve, seed, db upgrade."""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import tempfile
from inspect import signature
from typing import Any

from sqlalchemy import inspect
from sqlmodel import Session, select

from feedback.cli.common import (
    SchemaOutdated,
    adder,
    engine_for,
    group,
    safe_url,
    settings_from,
    upgrade,
)
from feedback.core import logs, observability, schema
from feedback.core.db import session_scope
from feedback.core.models import Response, StaffUser
from feedback.core.settings import Settings
from feedback.core.slow_clients import SlowClientGuard
from feedback.staff import auth


class NoDelaySlowClientGuard(SlowClientGuard):
    """The slow-client guard with TCP_NODELAY set on every connection.

    With --workers N uvicorn binds the listening socket without naming the TCP protocol, so
    asyncio leaves Nagle's algorithm on for the connections it accepts, and a response sent
    in two writes waits for the client's delayed ACK: about 40 ms a request (measured in
    docs/benchmarks.md). One worker did not have this; now 1 and N workers behave alike.
    """

    def connection_made(self, transport: Any) -> None:
        """Turn Nagle's algorithm off, then start as usual."""
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


WORKER_START_SECONDS = 60  # how long a new worker may take to answer its first health check


def serve(settings: Settings, host: str, port: int, workers: int = 1) -> int:
    """Run uvicorn on the ASGI app; workers rebuild it from the environment set here."""
    import uvicorn

    os.environ["FEEDBACK_DATABASE_URL"] = settings.database_url
    os.environ["FEEDBACK_BASE_URL"] = settings.base_url
    os.environ["FEEDBACK_DEMO"] = "1" if settings.demo else "0"
    if settings.secret_key:
        os.environ["FEEDBACK_SECRET_KEY"] = settings.secret_key
    if workers > 1:
        # Each worker writes its metrics to files here; /metrics on any worker adds them up.
        folder = settings.metrics_dir or tempfile.mkdtemp(prefix="feedback-metrics-")
        observability.prepare_multiprocess(folder)
    os.environ["FEEDBACK_REQUEST_TIMEOUT"] = str(settings.request_timeout)
    extra: dict[str, Any] = {}
    if "timeout_worker_healthcheck" in signature(uvicorn.Config).parameters:
        # A new worker imports the whole application before it can answer the supervisor's
        # health check; uvicorn's 5 seconds kill it in a loop on a busy or slow machine.
        extra["timeout_worker_healthcheck"] = WORKER_START_SECONDS
    uvicorn.run(
        "feedback.asgi:app",
        # httptools with a deadline for requests to arrive (slow clients), a bound on their
        # heads, and TCP_NODELAY set; uvloop, uvicorn's default loop when installed.
        http=NoDelaySlowClientGuard,
        host=host,
        port=port,
        workers=workers,
        factory=False,
        # The application reads X-Forwarded-For itself, from FEEDBACK_TRUSTED_PROXIES only
        # (core/client_keys.py): one rule, whatever serves it. Links use FEEDBACK_BASE_URL.
        proxy_headers=False,
        log_config=logs.log_config(
            level=settings.log_level, json_format=settings.log_format == "json"
        ),
        log_level=settings.log_level,
        access_log=False,  # uvicorn's access log writes client IP addresses; ours has none
        **extra,
    )
    return 0


def free_port(host: str) -> int:
    """A port free on `host` now, for `--port 0` (the address printed is then the real one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def public_base(settings: Settings, host: str, port: int) -> str:
    """The address people open: FEEDBACK_BASE_URL when set, else the one being served."""
    if "base_url" in settings.model_fields_set:
        return settings.base_url.rstrip("/")
    # A wildcard address is where the server listens, not an address to open.
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
    return f"http://{f'[{shown}]' if ':' in shown else shown}:{port}"


def _has_responses(session: Session, survey_id: str) -> bool:
    found = session.exec(select(Response.id).where(Response.survey_id == survey_id)).first()
    return found is not None


def cmd_demo(args: argparse.Namespace) -> int:
    """Create and seed the embedded database if needed, create `admin`, print URLs, serve."""
    from seed.demo import ensure_demo, seed_responses

    port = args.port or free_port("127.0.0.1")
    base = public_base(settings_from(args), "127.0.0.1", port)
    # A person reads the demo's log in a terminal: plain lines, unless asked otherwise.
    log_format = None if "FEEDBACK_LOG_FORMAT" in os.environ else "text"
    settings = settings_from(args, base_url=base, demo=True, log_format=log_format)
    upgrade(settings)
    password = settings.admin_password
    with engine_for(settings) as engine, session_scope(engine) as session:
        demo_surveys = ensure_demo(session, base_origin=settings.origin)
        if not any(_has_responses(session, s.id) for s in demo_surveys):
            print("Seeding a year of demo responses...", flush=True)
            seed_responses(session, months=12, responses=4000)
        admin = session.exec(select(StaffUser).where(StaffUser.username == "admin")).first()
        if admin is None:
            password = password or secrets.token_urlsafe(12)
            auth.create_user(session, username="admin", password=password, role="admin")
        elif settings.admin_password:
            admin.password_hash = auth.hash_password(settings.admin_password)
    page = next(s for s in demo_surveys if s.template == "gc_page_feedback")
    print(f"\n  Demo host page:   {base}/demo   (en français : {base}/demo?lang=fr)")
    print(f"  Hosted survey:    {base}/s/{page.id}?lang=en")
    print(f"  Dashboard:        {base}/dashboard")
    if password:
        print(f"  Sign in as:       admin / {password}")
    else:
        print("  Sign in as:       admin (password unchanged from the earlier run)")
    print(f"  Database:         {safe_url(settings.database_url)}\n", flush=True)
    return serve(settings, "127.0.0.1", port)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the application; an empty database gets its schema first, and while nobody can
    sign in as an administrator, the command that adds one is printed."""
    port = args.port or free_port(args.host)
    settings = settings_from(args)
    # Links, snippets and QR codes name FEEDBACK_BASE_URL, else the address served here.
    settings = settings_from(args, base_url=public_base(settings, args.host, port))
    with engine_for(settings) as engine:
        if not inspect(engine).get_table_names():
            schema.upgrade(engine)
        elif not schema.is_current(engine):
            raise SchemaOutdated("the database schema is out of date: run `feedback db upgrade`")
        with session_scope(engine) as session:
            admin = session.exec(
                select(StaffUser.id).where(StaffUser.role == "admin", StaffUser.active)
            ).first()
    if admin is None:
        target = f" --database-url '{safe_url(args.database_url)}'" if args.database_url else ""
        print(
            "\n  No administrator yet. Add the first one (the password is read from standard"
            f" input):\n\n    feedback users add NAME --role admin{target}\n",
            flush=True,
        )
    print(f"\n  Serving on {settings.base_url}  (staff: {settings.base_url}/login)\n", flush=True)
    return serve(settings, args.host, port, args.workers)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Apply Alembic migrations up to the latest revision."""
    upgrade(settings_from(args))
    print("Database schema is up to date.")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    """Add demo services, surveys and responses (benchmarks use it for large data)."""
    from seed.demo import ensure_demo, seed_responses

    settings = settings_from(args)
    upgrade(settings)
    with engine_for(settings) as engine, session_scope(engine) as session:
        ensure_demo(session, base_origin=settings.origin)
        summary = seed_responses(session, months=args.months, responses=args.responses)
    print(f"Added {summary.total} responses over {args.months} months.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add demo, serve, seed and db upgrade."""
    add = adder(sub)
    p = add("demo", cmd_demo, "seed the embedded database and serve the demo")
    p.add_argument("--port", type=int, default=8000)
    p = add("serve", cmd_serve, "serve the application")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p = add("seed", cmd_seed, "add demo data")
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--responses", type=int, default=4000)
    add("upgrade", cmd_db_upgrade, "apply migrations", group(sub, "db", "database schema"))

"""create_app(settings): the only place that wires routes, middleware and lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import ClientDisconnect
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from feedback.answers import group_commit, protect, retention
from feedback.comments import classifier, urgent_delivery
from feedback.core import jobs, observability, schema
from feedback.core.db import make_engine, session_scope
from feedback.core.middleware import (
    BodyLimitMiddleware,
    ExceptFor,
    SecurityHeadersMiddleware,
    is_api,
    is_api_write,
)
from feedback.core.settings import Settings
from feedback.insight import alerts
from feedback.integrations import webhook_delivery
from feedback.reach import sending
from feedback.routes import (
    account,
    admin,
    analysis,
    api,
    assist,
    audit_log,
    base,
    builder,
    builder_actions,
    comments,
    dashboard,
    embed,
    entries,
    events,
    exports,
    inbox,
    invitations,
    kiosk,
    kiosks_admin,
    login,
    metrics,
    ops,
    plotly_assets,
    public,
    reach_admin,
    reach_api,
    responses,
    scorecard,
    services_admin,
    share,
    sso,
    theme_trends,
    themes_admin,
    tokens_admin,
    users,
    webhooks_admin,
)
from feedback.routes import alerts as alert_routes
from feedback.staff import auth, sessions

STATIC_DIR = Path(__file__).parent / "static"


class SchemaOutdated(RuntimeError):
    """The database holds an older schema; an operator must run `feedback db upgrade`."""


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(str(files("feedback.templates"))),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def prepare_database(settings: Settings) -> None:
    """Create the schema in an empty database; refuse to run on an outdated one."""
    engine = make_engine(settings.database_url)
    try:
        if not inspect(engine).get_table_names():
            schema.upgrade(engine)
        elif not schema.is_current(engine):
            raise SchemaOutdated("The database schema is out of date: run `feedback db upgrade`.")
    finally:
        engine.dispose()


def background_jobs(settings: Settings) -> list[jobs.Job]:
    """The periodic jobs the server runs; each runs once per period across all workers."""
    out = [
        jobs.Job("limits.forget_expired", 3600, protect.forget_expired),
        jobs.Job("sessions.forget", 86400, sessions.forget_job),
    ]
    if settings.alert_check_interval > 0:
        out.append(jobs.Job("alerts", settings.alert_check_interval, alerts.job(settings)))
    if settings.retention_interval > 0:
        # A first purge of a large database may take a while: a long lease keeps it single.
        out.append(
            jobs.Job("retention.purge", settings.retention_interval, retention.run, lease=3600)
        )
    if settings.webhook_interval > 0:
        out.append(
            jobs.Job("webhooks.deliver", settings.webhook_interval, webhook_delivery.job(settings))
        )
    if settings.invitation_interval > 0:
        out.append(
            jobs.Job("invitations.send", settings.invitation_interval, sending.job(settings))
        )
    # Comments: urgent ones told to their service's contact, themes suggested for new ones.
    out.append(jobs.Job("comments.urgent", urgent_delivery.EVERY, urgent_delivery.job(settings)))
    out.append(jobs.Job("comments.classify", 60, classifier.run))
    return out


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """While serving, run the periodic jobs (alerts, retention purge, expired rate counters)."""
    settings: Settings = app.state.settings
    # What import and start-up made lives as long as the process: moved out of the collector's
    # sight, so that its full collections stop walking it (pauses of tens of ms under load).
    gc.collect()  # start-up's garbage goes first, or it would be kept for good
    gc.freeze()
    due = background_jobs(settings)
    # Look at least as often as the most frequent job wants to run (tests use 1 s).
    tick = min([30.0, *(job.every for job in due)])
    task = asyncio.create_task(jobs.schedule(app.state.engine, due, tick=tick))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app(settings: Settings) -> Starlette:
    """Build the application for these settings (tests pass their own)."""
    prepare_database(settings)
    engine = make_engine(settings.database_url)
    observability.watch(engine)
    with session_scope(engine) as session:
        secret = settings.secret_key or auth.stored_secret(session, "session_key")
    routes = [
        # First: Starlette tries routes in order, and submissions are most of the traffic.
        *embed.routes,
        *ops.routes,
        *metrics.routes,
        *public.routes,
        *api.routes,
        *reach_api.routes,
        *invitations.routes,
        *reach_admin.routes,
        *tokens_admin.routes,
        *kiosks_admin.routes,
        *webhooks_admin.routes,
        *kiosk.routes,
        *assist.routes,
        *entries.routes,
        *responses.routes,
        *admin.routes,
        *builder.routes,
        *builder_actions.routes,
        *share.routes,
        *login.routes,
        *sso.routes,
        *account.routes,
        *dashboard.routes,
        *analysis.routes,
        *comments.routes,
        *theme_trends.routes,
        *inbox.routes,
        *themes_admin.routes,
        *events.routes,
        *plotly_assets.routes,
        *exports.routes,
        *alert_routes.routes,
        *scorecard.routes,
        *users.routes,
        *services_admin.routes,
        *audit_log.routes,
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [
        # Outermost, so that it times and counts what every other layer answers (413s too).
        Middleware(observability.MetricsMiddleware, log_requests=settings.access_log),
        Middleware(
            BodyLimitMiddleware,
            max_bytes=settings.max_body_bytes,
            paths={
                "/api/v1/responses": settings.bulk_max_bytes,
                "/admin/services/logo": services_admin.LOGO_FORM_BYTES,
                **dict.fromkeys(reach_api.BULK_PATHS, settings.bulk_max_bytes),
            },
        ),
        Middleware(SecurityHeadersMiddleware, hsts=settings.https),
        Middleware(ExceptFor, middleware=GZipMiddleware, skip=is_api_write, minimum_size=800),
        Middleware(
            ExceptFor,
            middleware=SessionMiddleware,
            skip=is_api,
            secret_key=secret,
            session_cookie="feedback_session",
            max_age=settings.session_max_age,
            same_site="lax",
            https_only=settings.https,
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        # Expected failures (client gone, database away) are answered without a traceback;
        # Exception goes to Starlette's outer handler, which logs it and re-raises.
        exception_handlers={
            HTTPException: base.http_error,
            ClientDisconnect: base.client_gone,
            OperationalError: base.server_error,
            PoolTimeout: base.server_error,
            Exception: base.server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.writer = group_commit.GroupCommit(engine)
    app.state.templates = _templates()
    app.state.secret = secret
    return app

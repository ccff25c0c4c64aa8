"""Prometheus metrics, and the request log line, correct under several server processes.

Metrics: with PROMETHEUS_MULTIPROC_DIR set before prometheus_client is first imported (as
`feedback serve --workers N` does for N > 1), every process writes its counters to files in
that folder and /metrics adds up all the processes' files, so a scrape that lands on any
worker sees the whole server. Without it (one process, tests) the values live in this
process, which is then the whole server. Metrics are the only state kept here; nothing that
correctness needs.

The request log line (core.logs formats it) carries method, route (the template, e.g.
/api/v1/surveys/{survey}/responses: never the raw path or query), status and duration_ms.
Never an IP address, a user agent, a token, a cookie or citizen text.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    multiprocess,
)
from prometheus_client import generate_latest as _generate_latest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feedback.core.logs import ACCESS_LOGGER

CONTENT_TYPE = CONTENT_TYPE_LATEST
REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "feedback_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "feedback_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
SUBMISSIONS = Counter(
    "feedback_submissions",
    "Responses stored (replays of an Idempotency-Key not counted), by channel.",
    ["channel"],
    registry=REGISTRY,
)
DB_ERRORS = Counter(
    "feedback_database_errors",
    "Errors raised by the database driver, by exception class.",
    ["error"],
    registry=REGISTRY,
)

access_log = logging.getLogger(ACCESS_LOGGER)


def multiprocess_dir() -> str | None:
    """The folder shared by the worker processes' metric files, if metrics are multi-process."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def prepare_multiprocess(folder: str) -> None:
    """Empty (or create) the metrics folder and point this process and its workers at it.

    Call before the workers start: they read PROMETHEUS_MULTIPROC_DIR when they first import
    prometheus_client. Files from an earlier run would otherwise be added to this run's counts.
    """
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder


def exposition() -> bytes:
    """The metrics in Prometheus text format: all workers' when multi-process, else ours."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return _generate_latest(registry)
    return _generate_latest(REGISTRY)


def submitted(session: Session, channel: str) -> None:
    """Count one response on `channel` once `session` commits it (a rollback forgets it).

    `channel` is a validated channel id, so the label has few values.
    """
    session.info.setdefault(_PENDING, []).append(channel)


def _count_committed(session: Session) -> None:
    for channel in session.info.pop(_PENDING, ()):
        SUBMISSIONS.labels(channel=channel).inc()


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING, None)


_PENDING = "feedback_submitted"
event.listen(Session, "after_commit", _count_committed)
event.listen(Session, "after_rollback", _forget)


def watch(engine: Engine) -> None:
    """Count the engine's driver errors (connection lost, deadlock, constraint) by class."""

    def on_error(context: Any) -> None:
        DB_ERRORS.labels(error=type(context.original_exception).__name__).inc()

    event.listen(engine, "handle_error", on_error)


class MetricsMiddleware:
    """Count and time every HTTP request by route template; log one JSON line for each."""

    def __init__(self, app: ASGIApp, log_requests: bool = True) -> None:
        self.app = app
        self.log_requests = log_requests
        # Labelled series by (method, route template, status): a few dozen, looked up once.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def _children(self, method: str, route: str, status: int) -> tuple[Any, Any]:
        key = (method, route, status)
        found = self._series.get(key)
        if found is None:
            found = self._series[key] = (
                REQUESTS.labels(method=method, route=route, status=str(status)),
                LATENCY.labels(method=method, route=route),
            )
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        except Exception as exc:
            # The app's error handler, outside this middleware, answers 503 or 500.
            status = 503 if isinstance(exc, OperationalError) else 500
            raise
        finally:
            seconds = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            counter, timer = self._children(method, route, status)
            counter.inc()
            timer.observe(seconds)
            if self.log_requests and access_log.isEnabledFor(logging.INFO):
                fields = {"method": method, "route": route, "status": status}
                access_log.info(
                    "%s %s %s %.1f ms",  # the same fields, readable in the text format too
                    method,
                    route,
                    status,
                    seconds * 1000,
                    extra={**fields, "duration_ms": seconds * 1000},
                )

"""Prometheus metrics and structured JSON logs, correct under several server processes.

Metrics: with PROMETHEUS_MULTIPROC_DIR set before prometheus_client is first imported (as
`feedback serve --workers N` does for N > 1), every process writes its counters to files in
that folder and /metrics adds up all the processes' files, so a scrape that lands on any
worker sees the whole server. Without it (one process, tests) the values live in this
process, which is then the whole server. Metrics are the only state kept here; nothing that
correctness needs.

Logs: one JSON object per line with time, level, logger, message, pid and, for requests, method,
route (the template, e.g. /api/v1/surveys/{survey}/responses: never the raw path or query),
status and duration_ms. Never an IP address, a user agent, a token, a cookie or citizen text.
"""

from __future__ import annotations

import json
import logging
import os
import select
import threading
import time
from datetime import UTC, datetime
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

access_log = logging.getLogger("feedback.access")

# The extra fields a request log line may carry; anything else passed as extra is dropped.
_FIELDS = ("method", "route", "status", "duration_ms")


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


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, pid, and the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line; an exception adds its class and traceback, not its text."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,  # which worker: several serve one address
        }
        for name in _FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = round(value, 2) if name == "duration_ms" else value
        if record.exc_info and record.exc_info[0] is not None:
            # The class and where it happened; an exception's message may quote what was sent.
            entry["exception"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatStack("".join(_frames(record.exc_info[2])))
        return json.dumps(entry, ensure_ascii=False)


def _frames(tb: Any) -> list[str]:
    import traceback

    return traceback.format_tb(tb)


LOG_BATCH_SECONDS = 0.25  # how late a request line may reach the log


class BatchedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler that writes request lines together, at most `seconds` after they come.

    One write per request line cost a busy server several percent of its submissions (each
    write also lets the other threads take the interpreter). Only the access log's info lines
    wait; any other line is written at once with those before it, so uvicorn's "Finished
    server process", logged just before a signal ends the process, takes them all out. At most
    `most` lines wait. Each write holds whole lines and, but for a single longer line (a
    traceback), at most PIPE_BUF bytes, so several workers sharing one pipe do not mix lines.
    """

    def __init__(
        self, stream: Any = None, seconds: float = LOG_BATCH_SECONDS, most: int = 1000
    ) -> None:
        super().__init__(stream)
        self.seconds = seconds
        self.most = most
        self._lines: list[str] = []
        self._ticker: threading.Thread | None = None
        self._stopping = threading.Event()
        os.register_at_fork(after_in_child=self._forget)  # the parent writes its own lines

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the formatted record (called under the handler's lock); write it soon."""
        try:
            self._lines.append(self.format(record) + self.terminator)
            waits = record.name == access_log.name and record.levelno < logging.WARNING
            if not waits or len(self._lines) >= self.most:
                self.flush()
            elif self._ticker is None or not self._ticker.is_alive():
                self._ticker = threading.Thread(target=self._tick, name="log-flush", daemon=True)
                self._ticker.start()
        except Exception:  # noqa: BLE001  # as logging does: a failing handler reports, goes on
            self.handleError(record)

    def flush(self) -> None:
        """Write the lines kept so far, in pieces of whole lines of at most PIPE_BUF bytes."""
        self.acquire()
        try:
            lines, self._lines = self._lines, []  # a failed write loses them, as one line would
            piece: list[str] = []
            size = 0
            for line in lines:
                length = len(line.encode(errors="replace"))
                if piece and size + length > select.PIPE_BUF:
                    self._write("".join(piece))
                    piece, size = [], 0
                piece.append(line)
                size += length
            if piece:
                self._write("".join(piece))
        finally:
            self.release()

    def close(self) -> None:
        """Write what is left and stop the ticker."""
        self._stopping.set()
        self.flush()
        super().close()

    def _write(self, text: str) -> None:
        self.stream.write(text)
        if hasattr(self.stream, "flush"):
            self.stream.flush()

    def _tick(self) -> None:
        while not self._stopping.wait(self.seconds):
            try:
                self.flush()
            except Exception:  # noqa: BLE001  # a broken stream: say so, keep the ticker going
                self.handleError(logging.makeLogRecord({"msg": "log write failed"}))

    def _forget(self) -> None:
        self._lines = []
        self._ticker = None


def log_config(*, level: str = "info", json_format: bool = True) -> dict[str, Any]:
    """A logging.dictConfig for uvicorn and the app: JSON lines (or plain text) on stderr."""
    formatter = (
        {"()": "feedback.core.observability.JsonFormatter"}
        if json_format
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    handler = {
        "class": "feedback.core.observability.BatchedStreamHandler",
        "formatter": "main",
        "stream": "ext://sys.stderr",
    }
    lvl = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "loggers": {
            "feedback": {"handlers": ["main"], "level": lvl, "propagate": False},
            "uvicorn": {"handlers": ["main"], "level": lvl, "propagate": False},
            # uvicorn's own access log carries the client's address: it stays off.
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
        "root": {"handlers": ["main"], "level": "WARNING"},
    }

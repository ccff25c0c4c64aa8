"""Structured logs: one JSON object per line (or plain text), written in small batches.

Each line has time, level, logger, message, pid and, for requests, method, route, status and
duration_ms. Never an IP address, a user agent, a token, a cookie or citizen text.
"""

from __future__ import annotations

import json
import logging
import os
import select
import threading
from datetime import UTC, datetime
from typing import Any

# The extra fields a request log line may carry; anything else passed as extra is dropped.
_FIELDS = ("method", "route", "status", "duration_ms")
ACCESS_LOGGER = "feedback.access"  # its lines may wait for the batch; others go at once


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
            waits = record.name == ACCESS_LOGGER and record.levelno < logging.WARNING
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
        {"()": "feedback.core.logs.JsonFormatter"}
        if json_format
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    handler = {
        "class": "feedback.core.logs.BatchedStreamHandler",
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

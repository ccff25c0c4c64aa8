"""Prometheus metrics at /metrics and one JSON log line per request, with nothing personal."""

from __future__ import annotations

import io
import json
import logging
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.testclient import TestClient

from feedback.app import create_app
from feedback.core import logs, observability
from feedback.core.db import make_engine

from conftest import make_settings, seed_minimal

RESPONSES = "/api/v1/surveys/{survey}/responses"


def samples(c: TestClient, **headers: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics as {(name, labels): value}."""
    page = c.get("/metrics", headers=headers)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(page.text):
        for s in family.samples:
            found[(s.name, frozenset(s.labels.items()))] = s.value
    return found


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_requests_latency_and_submissions_by_channel(client: TestClient) -> None:
    survey = client.app.state.ids["page"]  # type: ignore[attr-defined]
    before = samples(client)
    body = {"channel": "web", "language": "en", "answers": {"found": True}}
    url = f"/api/v1/surveys/{survey}/responses"
    assert client.post(url, json=body, headers={"Idempotency-Key": "k-1"}).status_code == 201
    assert client.post(url, json=body, headers={"Idempotency-Key": "k-1"}).status_code == 200
    assert client.post(url, json={"channel": "web"}).status_code == 422
    assert client.get("/no/such/page/secret-looking-path").status_code == 404
    after = samples(client)
    post = {"method": "POST", "route": RESPONSES}
    for status, n in (("201", 1), ("200", 1), ("422", 1)):
        counted = value(after, "feedback_http_requests_total", **post, status=status)
        assert counted - value(before, "feedback_http_requests_total", **post, status=status) == n
    timed = value(after, "feedback_http_request_duration_seconds_count", **post)
    assert timed - value(before, "feedback_http_request_duration_seconds_count", **post) == 3
    assert value(after, "feedback_http_request_duration_seconds_bucket", **post, le="+Inf") >= 3
    # The replay stored nothing new, and the invalid one nothing at all: one submission.
    web = value(after, "feedback_submissions_total", channel="web")
    assert web - value(before, "feedback_submissions_total", channel="web") == 1
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, "feedback_http_requests_total", **unmatched) >= 1
    assert "secret-looking-path" not in client.get("/metrics").text
    assert survey not in client.get("/metrics").text  # route templates, never raw paths


def test_metrics_token_guards_the_scrape(sqlite_url: str) -> None:
    app = create_app(make_settings(sqlite_url, metrics_token="scrape-me"))
    with TestClient(app) as c:
        refused = c.get("/metrics")
        assert refused.status_code == 401 and "Bearer" in refused.headers["www-authenticate"]
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        odd = {"Authorization": "Bearer \u00e9".encode("latin-1")}
        assert c.get("/metrics", headers=odd).status_code == 401  # type: ignore[arg-type]
        found = samples(c, Authorization="Bearer scrape-me")
        assert any(name == "feedback_http_requests_total" for name, _ in found)
    app.state.engine.dispose()


def test_database_errors_are_counted_by_class(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    observability.watch(engine)
    label = {"error": "OperationalError"}
    before = observability.DB_ERRORS.labels(**label)._value.get()
    with pytest.raises(SQLAlchemyError), engine.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))
    assert observability.DB_ERRORS.labels(**label)._value.get() == before + 1
    engine.dispose()


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the feedback loggers write, through the JSON formatter the server uses."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("feedback")
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def test_one_json_line_per_request_without_addresses_agents_tokens_or_text(
    sqlite_url: str, log_lines: io.StringIO
) -> None:
    app = create_app(make_settings(sqlite_url))
    ids = seed_minimal(app)
    comment = "The clerk at the Elm Street office was wonderful"
    headers = {
        "User-Agent": "AgentSmith/9.9",
        "X-Forwarded-For": "203.0.113.77",
        "Authorization": "Bearer tok-secret-123",
        "Idempotency-Key": "idem-secret-456",
    }
    with TestClient(app, client=("198.51.100.23", 5555)) as c:
        answers = {"trust": False, "went_badly": ["ease"], "comment": comment}
        body = {"channel": "phone", "language": "en", "answers": answers}
        posted = c.post(f"/api/v1/surveys/{ids['v2']}/responses", json=body, headers=headers)
        assert posted.status_code == 201
        c.get(f"/s/{ids['page']}?lang=fr&email=someone@example.org", headers=headers)
    app.state.engine.dispose()
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    requests = [e for e in lines if e["logger"] == "feedback.access"]
    assert len(requests) == 2
    first = requests[0]
    assert set(first) == {"time", "level", "logger", "message", "pid", "method", "route",
                          "status", "duration_ms"}  # fmt: skip
    assert first["route"] == RESPONSES and first["status"] == 201 and first["method"] == "POST"
    assert first["level"] == "info" and first["duration_ms"] >= 0
    assert requests[1]["route"] == "/s/{survey}"
    everything = log_lines.getvalue()
    for private in ("198.51.100.23", "203.0.113.77", "AgentSmith", "tok-secret", "idem-secret",
                    "Elm Street", "someone@example.org", ids["page"], ids["v2"]):  # fmt: skip
        assert private not in everything


def test_exceptions_log_their_class_and_place_not_their_message() -> None:
    formatter = logs.JsonFormatter()
    try:
        number = "-".join(("613", "555", "0199"))  # built, so the source line does not hold it
        raise ValueError(f"citizen wrote: call me at {number}")
    except ValueError:
        record = logging.getLogger("feedback").makeRecord(
            "feedback", logging.ERROR, __file__, 1, "unexpected error", (), sys.exc_info()
        )
    entry = json.loads(formatter.format(record))
    assert entry["exception"] == "ValueError" and "test_observability.py" in entry["traceback"]
    assert "613-555-0199" not in json.dumps(entry)


def test_log_config_keeps_uvicorn_access_log_off() -> None:
    config = logs.log_config()
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
    assert config["formatters"]["main"]["()"].endswith("JsonFormatter")


class _Writes(io.StringIO):
    """A stream that keeps each write apart; `fail` writes raise first."""

    def __init__(self, fail: int = 0) -> None:
        super().__init__()
        self.writes: list[str] = []
        self.fail = fail

    def write(self, text: str) -> int:
        if self.fail:
            self.fail -= 1
            raise BlockingIOError("pipe full")
        self.writes.append(text)
        return super().write(text)


class _Batched:
    """A BatchedStreamHandler fed records as if from `name` (the access log by default)."""

    def __init__(self, stream: _Writes, seconds: float, **options: Any) -> None:
        self.handler = logs.BatchedStreamHandler(stream, seconds=seconds, **options)
        self.handler.setFormatter(logs.JsonFormatter())

    def log(self, message: str, name: str = "feedback.access", level: int = logging.INFO) -> None:
        self.handler.handle(
            logging.makeLogRecord(
                {
                    "name": name,
                    "levelno": level,
                    "levelname": logging.getLevelName(level),
                    "msg": message,
                }  # fmt: skip
            )
        )


def _messages(stream: _Writes) -> list[str]:
    return [json.loads(line)["message"] for line in stream.getvalue().splitlines()]


def _soon(check: Any) -> None:
    deadline = time.monotonic() + 5
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_request_lines_are_written_together_soon() -> None:
    stream = _Writes()
    log = _Batched(stream, seconds=0.3)
    for n in range(5):
        log.log(f"request {n}")
    assert stream.writes == []  # kept, not written one by one
    _soon(lambda: stream.writes)
    assert len(stream.writes) == 1  # the five lines in one write
    assert _messages(stream) == [f"request {n}" for n in range(5)]
    log.handler.close()


def test_warnings_and_other_loggers_lines_are_written_at_once_after_those_kept() -> None:
    stream = _Writes()
    log = _Batched(stream, seconds=60)
    log.log("request 1")
    log.log("database unavailable", name="feedback.routes", level=logging.WARNING)
    assert _messages(stream) == ["request 1", "database unavailable"]
    log.log("request 2")
    log.log("Finished server process [42]", name="uvicorn.error")  # then a signal ends it
    assert _messages(stream)[2:] == ["request 2", "Finished server process [42]"]
    log.log("request 3", name="feedback.access", level=logging.ERROR)
    assert _messages(stream)[-1] == "request 3"


def test_at_most_so_many_lines_wait() -> None:
    stream = _Writes()
    log = _Batched(stream, seconds=60, most=10)
    for n in range(25):
        log.log(f"request {n}")
    assert len(_messages(stream)) == 20  # two full batches written, five waiting


def test_a_failed_write_does_not_stop_later_lines() -> None:
    stream = _Writes(fail=1)
    log = _Batched(stream, seconds=0.1)
    log.log("lost with the failed write")
    _soon(lambda: stream.fail == 0)
    log.log("written later")
    _soon(lambda: stream.writes)
    assert _messages(stream) == ["written later"]
    log.handler.close()


def test_each_write_holds_whole_lines_within_pipe_buf() -> None:
    stream = _Writes()
    log = _Batched(stream, seconds=60)
    for n in range(200):
        log.log(f"réponse reçue numéro {n} " + "é" * 150)  # two bytes per é
    log.handler.flush()
    assert len(stream.writes) > 1
    for text_ in stream.writes:
        assert text_.endswith("\n") and len(text_.encode()) <= select.PIPE_BUF
    assert [m.split()[3] for m in _messages(stream)] == [str(n) for n in range(200)]


def test_lines_still_kept_are_written_when_the_process_exits(tmp_path: Path) -> None:
    script = (
        "import logging, logging.config\n"
        "from feedback.core import logs\n"
        "logging.config.dictConfig(logs.log_config())\n"
        "for n in range(3):\n"
        "    logging.getLogger('feedback.access').info('line %d', n)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["message"] for line in done.stderr.splitlines()] == [
        "line 0", "line 1", "line 2"
    ]  # fmt: skip

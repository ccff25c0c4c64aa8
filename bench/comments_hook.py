"""What indexing a comment adds to storing a response: submissions with a comment stored one
at a time (each its own commit, SQLite in a temporary file), with and without the hook.

Usage: python bench/comments_hook.py [--n 300]   (results in docs/benchmarks.md, "Comments")
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from typing import Any

from feedback.answers import intake, storing
from feedback.app import create_app
from feedback.comments import index
from feedback.core.db import session_scope
from feedback.core.models import Service, Survey
from feedback.core.settings import Settings
from feedback.surveys import definitions as surveys


def run(app: Any, hook: bool, n: int) -> float:
    """Milliseconds per stored submission."""
    original = index.add_many
    if not hook:
        index.add_many = lambda session, stored: None  # type: ignore[assignment]
    try:
        with session_scope(app.state.engine) as session:
            survey = session.get(Survey, "cntrxx2345")
            assert survey is not None
            questions = surveys.questions_of(session, survey.id)
        start = time.perf_counter()
        for i in range(n):
            said = f"The wait at the office was over an hour, counter {i} closed."
            answers = {"satisfaction": 2, "comment": said}
            with session_scope(app.state.engine) as session:
                storing.submit(
                    session, survey=survey, questions=questions, lang="en",
                    submission=intake.Submission("in_person", "en", answers),
                )  # fmt: skip
        return (time.perf_counter() - start) / n * 1000
    finally:
        index.add_many = original  # type: ignore[method-assign]


def main() -> None:
    """Three alternating rounds each way; the medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    path = tempfile.mktemp(suffix=".db")
    app = create_app(Settings(database_url=f"sqlite:///{path}", secret_key="bench",
                              alert_check_interval=0))  # fmt: skip
    with session_scope(app.state.engine) as session:
        service = Service(id="svc", name={"en": "Service", "fr": "Service"})
        session.add(service)
        session.flush()
        surveys.create_from_template(
            session, template_id="service_counter", service=service, status="live",
            survey_id="cntrxx2345",
        )  # fmt: skip
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(3):
        for hook in (False, True):
            times[hook].append(run(app, hook, args.n))
    without, with_hook = (statistics.median(times[h]) for h in (False, True))
    print(f"ms per submission: without the hook {without:.2f}, with it {with_hook:.2f}")


if __name__ == "__main__":
    main()

"""Load (issue 7, item 1): many submissions over many connections to a real server process,
clients retrying with the same keys: no 5xx, none lost, none duplicated, daily counts exact."""

from __future__ import annotations

import os
from typing import Any

from .conftest import FULL, assert_stored_exactly_once, prepare, run_async, run_load, with_retries

# CI size (FEEDBACK_RELIABILITY_SUBMISSIONS to change it); FEEDBACK_RELIABILITY_FULL=1 gives
# issue 7's full size.
SUBMISSIONS = 20_000 if FULL else int(os.environ.get("FEEDBACK_RELIABILITY_SUBMISSIONS", "1000"))
CONNECTIONS = 100 if FULL else 50
RETRY_SHARE = 0.2


def test_load_with_retries_stores_each_submission_once(
    database_url: str, server_factory: Any
) -> None:
    prepare(database_url)
    server = server_factory(database_url)
    keys = [f"load-{i:06d}" for i in range(SUBMISSIONS)]
    jobs = with_retries(keys, RETRY_SHARE)
    result = run_async(run_load(server.url, jobs, connections=CONNECTIONS))

    statuses = result.statuses()
    assert set(statuses) <= {200, 201}, f"statuses {statuses}\n{server.log()[-3000:]}"
    assert sum(statuses.values()) == len(jobs)
    for key, outcomes in result.attempts.items():
        assert len({o.id for o in outcomes}) == 1, f"{key} got different ids: {outcomes}"
        created = [o for o in outcomes if o.status == 201]
        assert len(created) == 1, f"{key} was created {len(created)} times: {outcomes}"
    assert_stored_exactly_once(database_url, keys, result.acknowledged())
    assert "Traceback" not in server.log()

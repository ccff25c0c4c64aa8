"""Properties of the one submission path: any JSON body gets a 2xx or a 4xx, never a 5xx,
and whatever is stored is valid for its survey."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from feedback.app import create_app
from feedback.core.catalog import SCALE_RANGES
from feedback.core.db import session_scope
from feedback.core.models import Answer, Question, Response

from conftest import make_settings, seed_minimal

hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(["trust", "went_well", "went_badly", "comment", "other", ""])
OPTIONS = st.sampled_from(["effectiveness", "ease", "efficiency", "nope"])
VALUES = JSON | st.lists(OPTIONS, max_size=3) | st.booleans()
# Bodies close to valid, so that the stored rows can be checked too.
NEAR_VALID = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(["web", "phone"]),
        "language": st.sampled_from(["en", "fr"]),
        "answers": st.fixed_dictionaries(
            {"trust": st.booleans()},
            optional={"went_well": st.lists(OPTIONS, max_size=3), "comment": st.text(max_size=50)},
        ),
    }
)
BODIES = (
    NEAR_VALID
    | st.fixed_dictionaries(
        {
            "channel": st.sampled_from(["web", "phone", "pigeon", 3]),
            "language": st.sampled_from(["en", "fr", "de", None]),
            "answers": st.dictionaries(KEYS, VALUES, max_size=4) | JSON,
        },
        optional={"touchpoint": st.text(max_size=120) | JSON},
    )
    | JSON
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, TestClient]]:
    path: Path = tmp_path_factory.mktemp("props") / "feedback.db"
    app = create_app(make_settings(f"sqlite:///{path}"))
    seed_minimal(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client
    app.state.engine.dispose()


@hypothesis.settings(max_examples=150, deadline=None, derandomize=True)
@hypothesis.given(body=BODIES, key=st.none() | st.text(min_size=1, max_size=40))
def test_any_body_gets_a_2xx_or_4xx(api: tuple[Any, TestClient], body: Any, key: Any) -> None:
    app, client = api
    headers = {"content-type": "application/json"}
    if key and key.isprintable() and key.isascii():
        headers["Idempotency-Key"] = key
    response = client.post(
        f"/api/v1/surveys/{app.state.ids['v2']}/responses",
        content=json.dumps(body).encode(),
        headers=headers,
    )
    assert response.status_code < 500, response.text
    assert 200 <= response.status_code < 300 or "error" in response.json()


NUMBERS = (
    st.integers()
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0, 1, 5, 6, -1, 1.0, 4.5, True, "3"])
)
SCALE_BODIES = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(["web", "phone"]),
        "language": st.sampled_from(["en", "fr"]),
        "answers": st.fixed_dictionaries(
            {"satisfaction": NUMBERS},
            optional={
                "timeliness": NUMBERS,
                "other_channel": st.sampled_from(["no", "web", "fax"]) | NUMBERS,
            },
        ),
    }
)


@hypothesis.settings(max_examples=100, deadline=None, derandomize=True)
@hypothesis.given(body=SCALE_BODIES)
def test_any_number_on_a_scale_gets_a_2xx_or_4xx(api: tuple[Any, TestClient], body: Any) -> None:
    """Huge, fractional, infinite and NaN numbers (JSON's 1e400, NaN, Infinity) on the
    counter survey's rating scales: stored only when on the scale, else a 4xx."""
    app, client = api
    response = client.post(
        f"/api/v1/surveys/{app.state.ids['counter']}/responses",
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 201) or "error" in response.json()


def test_everything_stored_is_valid_for_its_survey(api: tuple[Any, TestClient]) -> None:
    """Run after the property test above (same module database): check every stored row."""
    app, _ = api
    with session_scope(app.state.engine) as session:
        questions = {q.id: q for q in session.exec(select(Question))}
        stored = list(session.exec(select(Response)))
        assert stored, "the generated bodies should include some valid submissions"
        for response in stored:
            assert response.channel in ("web", "phone")
            assert response.language in ("en", "fr")
            assert response.touchpoint is None or len(response.touchpoint) <= 100
        for answer in session.exec(select(Answer)):
            question: Question = questions[answer.question_id]
            if question.kind == "yes_no":
                assert answer.value in (0.0, 1.0)
            elif question.kind in SCALE_RANGES:
                low, high = SCALE_RANGES[question.kind]
                assert answer.value is not None and low <= answer.value <= high
            elif question.kind in ("choice", "multi"):
                assert answer.option in {o["id"] for o in question.options}
            else:
                assert answer.text is not None and 0 < len(answer.text) <= 2000

"""The demo seed: stable surveys on every channel, and responses with the patterns it promises.

Every figure is counted from the raw tables with SQL, never from the generator's own summary.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from feedback.core import local_time
from feedback.core.catalog import CHANNELS
from feedback.core.db import make_engine, session_scope
from feedback.core.models import Response, Service, Survey
from feedback.core.schema import upgrade
from seed.comments import COMMENTS, TONES, pool
from seed.demo import COUNTER, DEMO_ZONE, PAGE_FEEDBACK, SURVEYS, ensure_demo, seed_responses

TODAY = date(2025, 9, 30)
ORIGIN = "http://127.0.0.1:8000"
N = 6000


def _engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def _seeded(path: Path, *, responses: int = N, seed: int = 42) -> Engine:
    engine = _engine(path)
    with session_scope(engine) as session:
        ensure_demo(session, base_origin=ORIGIN, today=TODAY)
        seed_responses(session, months=12, responses=responses, today=TODAY, seed=seed)
    return engine


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One demo database with N responses, shared by the read-only tests of this module."""
    engine = _seeded(tmp_path_factory.mktemp("seed") / "demo.db")
    yield engine
    engine.dispose()


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def _one(engine: Engine, sql: str, **params: Any) -> Any:
    return _rows(engine, sql, **params)[0][0]


def test_every_channel_and_survey_has_responses(engine: Engine) -> None:
    assert _one(engine, "SELECT count(*) FROM response") == N
    channels = {c for (c,) in _rows(engine, "SELECT DISTINCT channel FROM response")}
    assert channels == set(CHANNELS)
    surveys = {s for (s,) in _rows(engine, "SELECT DISTINCT survey_id FROM response")}
    assert surveys == {s.id for s in SURVEYS}
    # Each response's channel is one its survey is used on.
    sql = "SELECT DISTINCT channel FROM response WHERE survey_id = :s"
    for spec in SURVEYS:
        assert {c for (c,) in _rows(engine, sql, s=spec.id)} <= set(spec.channels)


def test_about_a_quarter_answer_in_french(engine: Engine) -> None:
    counts = dict(_rows(engine, "SELECT language, count(*) FROM response GROUP BY language"))
    assert set(counts) == {"en", "fr"}
    assert 0.20 <= counts["fr"] / N <= 0.40


def _top2(engine: Engine, channel: str) -> float:
    sql = """
        SELECT avg(a.value >= 4) FROM answer a
        JOIN question q ON q.id = a.question_id
        JOIN response r ON r.id = a.response_id
        WHERE q.key = 'satisfaction' AND q.kind = 'rating5' AND r.channel = :c"""
    return float(_one(engine, sql, c=channel))


def test_phone_scores_below_in_person(engine: Engine) -> None:
    phone, in_person = _top2(engine, "phone"), _top2(engine, "in_person")
    assert in_person - phone >= 0.10, (phone, in_person)
    assert _top2(engine, "ivr") < phone


def test_licences_web_improves_after_the_new_form(engine: Engine) -> None:
    sql = """
        SELECT day FROM change_event
        WHERE service_id = 'licences' AND label LIKE '%New online renewal form%'"""
    day = str(_one(engine, sql))
    assert day == "2025-05-03"  # 150 days before TODAY
    sql = """
        SELECT date(r.submitted_at) >= :day, avg(a.value) FROM answer a
        JOIN question q ON q.id = a.question_id
        JOIN response r ON r.id = a.response_id
        WHERE q.survey_id = :s AND q.key = 'found' AND r.channel = 'web'
        GROUP BY 1"""
    share = dict(_rows(engine, sql, day=day, s=PAGE_FEEDBACK))
    assert share[1] - share[0] >= 0.08, share


def test_weekdays_are_busier_than_weekends(engine: Engine) -> None:
    # strftime('%w'): 0 is Sunday. Average responses per calendar day of each kind.
    sql = """
        SELECT strftime('%w', submitted_at) IN ('0', '6'),
               count(*) * 1.0 / count(DISTINCT date(submitted_at))
        FROM response GROUP BY 1"""
    per_day = dict(_rows(engine, sql))
    assert per_day[0] > 1.5 * per_day[1]
    sql = """
        SELECT count(*), sum(strftime('%w', submitted_at) = '0') FROM response
        WHERE channel IN ('in_person', 'phone', 'video')"""
    office, sunday = _rows(engine, sql)[0]
    assert sunday < 0.01 * office


def test_counter_visits_happen_in_office_hours(engine: Engine) -> None:
    sql = """
        SELECT DISTINCT CAST(strftime('%H', submitted_at) AS INTEGER) FROM response
        WHERE channel = 'in_person'"""
    assert {h for (h,) in _rows(engine, sql)} <= set(range(12, 22))  # 8 to 17 Eastern, in UTC
    first, last = _rows(engine, "SELECT min(submitted_at), max(submitted_at) FROM response")[0]
    # Toronto days: 1 October 2024 to 30 September 2025 local, in UTC (daylight time, -4h).
    assert first >= "2024-10-01 04:00" and last < "2025-10-01 04:00"


def test_comments_in_both_languages_and_in_tone(engine: Engine) -> None:
    sql = """
        SELECT r.language, count(*) FROM answer a JOIN response r ON r.id = a.response_id
        WHERE a.text IS NOT NULL GROUP BY 1"""
    comments = dict(_rows(engine, sql))
    assert comments["en"] >= 50 and comments["fr"] >= 50
    assert 0.10 <= (comments["en"] + comments["fr"]) / N <= 0.20
    sql = """
        SELECT a.text FROM answer a JOIN response r ON r.id = a.response_id
        WHERE a.text IS NOT NULL AND r.language = 'fr'"""
    french = [t for (t,) in _rows(engine, sql)]
    assert any("attendu" in t or "merci" in t.lower() for t in french)
    assert not any(" the " in f" {t} " for t in french)
    # Complaints come with low scores: "on hold" never follows a very satisfied caller.
    sql = """
        SELECT count(*) FROM answer c
        JOIN answer s ON s.response_id = c.response_id
        JOIN question q ON q.id = s.question_id
        WHERE c.text LIKE '%on hold for 45 minutes%' AND q.key = 'satisfaction' AND s.value = 5"""
    assert _one(engine, sql) == 0


def test_answers_fit_their_questions(engine: Engine) -> None:
    questions = {
        qid: (kind, {o["id"] for o in json.loads(options)}, max_length)
        for qid, kind, options, max_length in _rows(
            engine, "SELECT id, kind, options, max_length FROM question"
        )
    }
    ranges = {"yes_no": (0, 1), "rating5": (1, 5), "nps": (0, 10), "ces7": (1, 7)}
    for qid, value, option, said in _rows(
        engine, "SELECT question_id, value, option, text FROM answer"
    ):
        kind, options, max_length = questions[qid]
        if kind in ranges:
            low, high = ranges[kind]
            assert value == int(value) and low <= value <= high and option is None
        elif kind in ("choice", "multi"):
            assert option in options and value is None
        else:
            assert kind == "text" and said and len(said) <= (max_length or 2000)
    # A-11 v2: "what went well" only after a thumbs up, "what went badly" only after a down.
    sql = """
        SELECT count(*) FROM answer m
        JOIN question mq ON mq.id = m.question_id AND mq.kind = 'multi'
        JOIN answer t ON t.response_id = m.response_id
        JOIN question tq ON tq.id = t.question_id AND tq.key = 'trust'
        WHERE (mq.key = 'went_well') <> (t.value = 1)"""
    assert _one(engine, sql) == 0


def test_every_response_can_get_a_fitting_comment() -> None:
    for spec in SURVEYS:
        for channel in spec.channels:
            for language in ("en", "fr"):
                for tone in TONES:
                    assert pool(language=language, tone=tone, channel=channel, service=spec.service)
    english = [en for _, _, en, _ in COMMENTS if en]
    french = [fr for _, _, _, fr in COMMENTS if fr]
    assert len(set(english)) >= 30 and len(set(french)) >= 30
    assert all(len(c) <= 300 and "@" not in c for c in english + french)


def _corr(xy: list[tuple[float, float]]) -> float:
    n = len(xy)
    mx, my = sum(x for x, _ in xy) / n, sum(y for _, y in xy) / n
    sxy = sum((x - mx) * (y - my) for x, y in xy)
    sxx, syy = sum((x - mx) ** 2 for x, _ in xy), sum((y - my) ** 2 for _, y in xy)
    return float(sxy / (sxx * syy) ** 0.5)


def test_timeliness_drives_satisfaction_most(engine: Engine) -> None:
    sql = """
        SELECT d.key, a.value, s.value FROM answer a
        JOIN question d ON d.id = a.question_id
        JOIN answer s ON s.response_id = a.response_id
        JOIN question sq ON sq.id = s.question_id AND sq.key = 'satisfaction'
        WHERE d.survey_id = :s AND d.key IN ('timeliness', 'courtesy', 'fairness')"""
    pairs: dict[str, list[tuple[float, float]]] = {}
    for key, x, y in _rows(engine, sql, s=COUNTER):
        pairs.setdefault(key, []).append((x, y))
    timeliness = _corr(pairs["timeliness"])
    assert timeliness > 0.5
    assert timeliness > _corr(pairs["courtesy"]) and timeliness > _corr(pairs["fairness"])


def test_rollups_agree_with_raw_tables(engine: Engine) -> None:
    raw = dict(_rows(engine, "SELECT survey_id, count(*) FROM response GROUP BY 1"))
    rolled = dict(_rows(engine, "SELECT survey_id, sum(n) FROM response_day GROUP BY 1"))
    assert rolled == raw
    sql = "SELECT id FROM question WHERE survey_id = :s AND key = 'timeliness'"
    question = _one(engine, sql, s=COUNTER)
    sql = """
        SELECT r.submitted_at, r.channel, CAST(CAST(a.value AS INTEGER) AS TEXT)
        FROM answer a JOIN response r ON r.id = a.response_id WHERE a.question_id = :q"""
    # Counted on the demo services' local (Toronto) days, in Python from the raw rows.
    counted = Counter(
        (local_time.local_day(datetime.fromisoformat(at), DEMO_ZONE).isoformat(), channel, value)
        for at, channel, value in _rows(engine, sql, q=question)
    )
    raw_answers = sorted((*key, n) for key, n in counted.items())
    sql = """
        SELECT day, channel, value, sum(n) FROM answer_day
        WHERE question_id = :q GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
    assert [tuple(r) for r in _rows(engine, sql, q=question)] == raw_answers
    assert len(raw_answers) > 100


def test_ensure_demo_is_idempotent(engine: Engine) -> None:
    def count() -> tuple[int, ...]:
        tables = ("service", "survey", "question", "change_event")
        return tuple(_one(engine, f"SELECT count(*) FROM {t}") for t in tables)

    before = count()
    with session_scope(engine) as session:
        again = ensure_demo(session, base_origin=ORIGIN, today=date(2026, 1, 1))
        assert [s.id for s in again] == [s.id for s in SURVEYS]
        page = session.get(Survey, PAGE_FEEDBACK)
        assert page is not None and page.allowed_origins == [ORIGIN] and page.status == "live"
        assert page.channels == ["web"] and page.template == "gc_page_feedback"
        assert session.get(Service, "licences") is not None
    assert count() == before == (3, len(SURVEYS), before[2], 3)


def _fingerprint(engine: Engine) -> list[Any]:
    sql = """
        SELECT r.id, r.survey_id, r.channel, r.language, r.touchpoint, r.assisted,
               r.submitted_at, count(a.id), sum(a.value), group_concat(a.option),
               group_concat(a.text)
        FROM response r LEFT JOIN answer a ON a.response_id = r.id
        GROUP BY r.id ORDER BY r.id"""
    return [tuple(r) for r in _rows(engine, sql)]


def test_same_seed_same_data_and_ids_follow_existing_rows(tmp_path: Path) -> None:
    first = _seeded(tmp_path / "a.db", responses=800)
    second = _seeded(tmp_path / "b.db", responses=800)
    other = _seeded(tmp_path / "c.db", responses=800, seed=7)
    assert _fingerprint(first) == _fingerprint(second)
    assert _fingerprint(other) != _fingerprint(first)
    # A second run appends after the existing ids, and the aggregates cover both runs.
    with session_scope(first) as session:
        summary = seed_responses(session, responses=500, today=TODAY, seed=1)
    assert summary.total == 500 and sum(summary.by_channel.values()) == 500
    assert _rows(first, "SELECT count(*), min(id), max(id) FROM response")[0] == (1300, 1, 1300)
    assert _one(first, "SELECT sum(n) FROM response_day") == 1300
    assert summary.answers == _one(first, "SELECT count(*) FROM answer WHERE response_id > 800")
    # The application's own inserts still get fresh ids afterwards.
    with session_scope(first) as session:
        response = Response(survey_id=PAGE_FEEDBACK, channel="web", language="en")
        session.add(response)
        session.flush()
        assert response.id == 1301
    for engine in (first, second, other):
        engine.dispose()


def test_seed_on_each_database(database_url: str) -> None:
    """SQLite and PostgreSQL alike: rows load, roll up, and later inserts get fresh ids."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            ensure_demo(session, base_origin=ORIGIN, today=TODAY)
            summary = seed_responses(session, responses=300, today=TODAY)
        assert _one(engine, "SELECT count(*) FROM response") == summary.total == 300
        assert _one(engine, "SELECT sum(n) FROM response_day") == 300
        assert _one(engine, "SELECT count(*) FROM answer") == summary.answers
        with session_scope(engine) as session:
            response = Response(survey_id=PAGE_FEEDBACK, channel="web", language="fr")
            session.add(response)
            session.flush()
            assert response.id == 301  # PostgreSQL: the sequence was moved past the seed
    finally:
        engine.dispose()

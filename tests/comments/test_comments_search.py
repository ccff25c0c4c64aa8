"""Inbox search: case, accents and word forms in English and French, the same on SQLite and
PostgreSQL; the scrubbed text is what is indexed; the index follows hides, amends, purges."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import select
from test_dashboard_views import submit

from feedback.answers import retention
from feedback.comments import index, search
from feedback.core.db import session_scope
from feedback.core.models import Answer, Comment, CommentTermDay, Survey

TEXTS = [
    ("fr", "L'attente au bureau était beaucoup trop longue."),
    ("en", "I waited on hold for an hour."),
    ("en", "Waiting times at the counter are fine."),
    ("en", "The staff were courteous."),
    ("fr", "Le personnel était courtois."),
    ("en", "WAIT TIMES ARE TERRIBLE"),
]


def load(app: Any) -> dict[str, int]:
    ids = {}
    for i, (lang, said) in enumerate(TEXTS):
        day = date(2025, 1, 1 + i)
        ids[said] = submit(app, "counter", {"satisfaction": 3, "comment": said}, day=day, lang=lang)
    return ids


def found(app: Any, words: str, **extra: Any) -> list[str]:
    with session_scope(app.state.engine) as session:
        items, _ = search.page(session, search.Inbox(text=words, **extra), limit=50)
        return [item.text for item in items]


def test_search_ignores_case_accents_and_word_forms(app: Any) -> None:
    load(app)
    assert found(app, "attente") == [TEXTS[0][1]]
    assert found(app, "ATTENTE") == [TEXTS[0][1]]
    assert found(app, "etait") == [TEXTS[4][1], TEXTS[0][1]]
    assert found(app, "était") == found(app, "etait")
    assert found(app, "wait") == [TEXTS[5][1], TEXTS[2][1], TEXTS[1][1]]
    assert found(app, "waiting") == found(app, "wait") == found(app, "waited")
    assert found(app, "Wait times") == [TEXTS[5][1], TEXTS[2][1]]
    assert found(app, "courteous") == [TEXTS[3][1]]
    assert found(app, "courtois") == [TEXTS[4][1]]
    assert found(app, "nothing-like-this") == []
    assert found(app, "' OR 1=1 --\"*") == []  # query syntax is never passed through


def test_the_scrubbed_text_is_what_is_indexed(app: Any) -> None:
    said = "Call me at 613-555-0199 or jane.doe@example.com about the wait."
    submit(app, "counter", {"satisfaction": 2, "comment": said}, day=date(2025, 2, 1))
    with session_scope(app.state.engine) as session:
        stored = session.scalars(select(Answer.text).where(Answer.text.is_not(None))).one()  # type: ignore[union-attr]
        terms = session.scalars(select(Comment.terms)).one()
    assert "613" not in stored and "jane" not in stored
    assert "jane" not in terms and "0199" not in terms and "example" not in terms
    assert found(app, "wait") == [stored]
    assert found(app, "jane") == [] and found(app, "example.com") == []


def test_pages_follow_one_another_without_offsets(app: Any) -> None:
    load(app)
    seen: list[str] = []
    cursor = None
    with session_scope(app.state.engine) as session:
        while True:
            items, cursor = search.page(session, search.Inbox(), after=cursor, limit=4)
            seen += [i.text for i in items]
            if cursor is None:
                break
            assert search.Cursor.parse(cursor.token()) == cursor
    assert seen == [t for _, t in reversed(TEXTS)]


def test_date_shortcuts_use_the_service_time_zone(app: Any) -> None:
    with session_scope(app.state.engine) as session:
        survey = session.get(Survey, app.state.ids["counter"])
        assert survey is not None
        service = survey.service_id
    # 03:30 UTC on 1 February is still 31 January in Toronto: last month seen from February.
    with session_scope(app.state.engine) as session:
        from feedback.core.models import Service

        row = session.get(Service, service)
        assert row is not None
        row.time_zone = "America/Toronto"
    submit(app, "counter", {"satisfaction": 2, "comment": "late in January"}, day=date(2025, 1, 31))
    with session_scope(app.state.engine) as session:
        session.execute(
            Comment.__table__.update().values(submitted_at=datetime(2025, 2, 1, 3, 30, tzinfo=UTC))  # type: ignore[attr-defined]
        )
    now = datetime(2025, 2, 10, 12, tzinfo=UTC)
    with session_scope(app.state.engine) as session:
        items, _ = search.page(session, search.Inbox(shortcut="last_month"), now=now)
        assert [i.text for i in items] == ["late in January"]
        items, _ = search.page(session, search.Inbox(shortcut="last7"), now=now)
        assert items == []
    assert search.shortcut_days("this_quarter", date(2025, 5, 20)) == (
        date(2025, 4, 1),
        date(2025, 5, 20),
    )
    assert search.shortcut_days("last_month", date(2025, 1, 15)) == (
        date(2024, 12, 1),
        date(2024, 12, 31),
    )
    assert search.shortcut_days("last7", date(2025, 1, 15)) == (date(2025, 1, 9), date(2025, 1, 15))


def test_purge_and_forget_take_comments_out_of_search_and_counts(app: Any) -> None:
    ids = load(app)
    with session_scope(app.state.engine) as session:
        answer = session.scalars(
            select(Answer.id).where(
                Answer.response_id == ids[TEXTS[0][1]], Answer.text.is_not(None)
            )  # type: ignore[union-attr]
        ).one()
        index.forget(session, [answer])
    assert found(app, "attente") == []
    with session_scope(app.state.engine) as session:
        terms = set(session.scalars(select(CommentTermDay.term)))
    assert "attente" not in terms and "courtois" in terms
    with session_scope(app.state.engine) as session:
        for survey in session.scalars(select(Survey)):
            survey.retention_days = 30
        retention.purge(session, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert found(app, "wait") == [] and found(app, "courtois") == []
    with session_scope(app.state.engine) as session:
        assert session.scalars(select(CommentTermDay)).all() == []
        assert session.scalars(select(Comment)).all() == []


def test_a_zone_change_recounts_the_service_comments_on_its_new_days(app: Any) -> None:
    from feedback.comments import rebuild
    from feedback.core.models import CommentThemeDay, Service

    rid = submit(app, "counter", {"satisfaction": 2, "comment": "Long wait."}, day=date(2025, 2, 1))
    with session_scope(app.state.engine) as session:
        session.execute(
            Comment.__table__.update().values(submitted_at=datetime(2025, 2, 1, 3, 30, tzinfo=UTC))  # type: ignore[attr-defined]
        )
        comment = session.scalars(select(Comment).where(Comment.response_id == rid)).one()
        service = session.get(Service, comment.service_id)
        assert service is not None
        service.time_zone = "America/Toronto"
        session.flush()
        assert rebuild.recount_service(session, service_id=service.id) == 1
    with session_scope(app.state.engine) as session:
        days = {r.day for r in session.scalars(select(CommentThemeDay))}
        terms = {r.day for r in session.scalars(select(CommentTermDay))}
    assert days == terms == {date(2025, 1, 31)}  # 03:30 UTC is still 31 January in Toronto
    assert found(app, "wait") == ["Long wait."]  # the comment itself is untouched

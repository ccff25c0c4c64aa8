"""Themes: suggestions from the classifier, staff confirmations it learns from, add, rename
and merge (audited), and the daily theme counts kept in step with every change."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import select
from starlette.testclient import TestClient
from test_dashboard_views import csrf, submit

from feedback.comments import classifier, themes
from feedback.comments.tallies import ALL
from feedback.core.db import session_scope
from feedback.core.models import AuditEntry, Comment, CommentTheme, CommentThemeDay, Theme


def theme_counts(app: Any) -> dict[int, int]:
    with session_scope(app.state.engine) as session:
        rows = session.execute(
            select(CommentThemeDay.theme_id, func.sum(CommentThemeDay.n)).group_by(
                CommentThemeDay.theme_id
            )
        )
        return {t: int(n) for t, n in rows if n}


def tagged(app: Any) -> dict[int, int]:
    with session_scope(app.state.engine) as session:
        rows = session.execute(
            select(CommentTheme.theme_id, func.count()).group_by(CommentTheme.theme_id)
        )
        return {t: int(n) for t, n in rows}


def key_ids(app: Any) -> dict[str, int]:
    with session_scope(app.state.engine) as session:
        return themes.by_key(session)


def test_new_comments_get_suggestions_in_both_languages(app: Any) -> None:
    submit(
        app,
        "counter",
        {"satisfaction": 1, "comment": "I waited two hours in line."},
        day=date(2025, 1, 2),
    )
    submit(
        app,
        "counter",
        {"satisfaction": 1, "comment": "J'ai attendu deux heures en file."},
        day=date(2025, 1, 2),
        lang="fr",
    )
    submit(
        app,
        "counter",
        {"satisfaction": 2, "comment": "The online form crashed."},
        day=date(2025, 1, 3),
    )
    with session_scope(app.state.engine) as session:
        assert classifier.classify_pending(session) == 3
        assert classifier.classify_pending(session) == 0  # each comment once
    ids = key_ids(app)
    with session_scope(app.state.engine) as session:
        got: dict[str, set[int]] = {}
        for c in session.scalars(select(Comment)):
            from feedback.core.models import Answer

            said = session.get(Answer, c.answer_id).text  # type: ignore[union-attr]
            got[said] = set(themes.themes_of(session, c.answer_id))
    assert ids["waiting_time"] in got["I waited two hours in line."]
    assert ids["waiting_time"] in got["J'ai attendu deux heures en file."]
    assert ids["online_forms"] in got["The online form crashed."]
    counts = theme_counts(app)
    assert counts[ALL] == 3 and counts == {ALL: 3, **tagged(app)}


def test_confirmed_themes_are_learned_and_counted(app: Any) -> None:
    ids = key_ids(app)
    said = "Le stationnement est introuvable près du bureau."
    for i in range(3):
        submit(
            app,
            "counter",
            {"satisfaction": 2, "comment": said},
            day=date(2025, 1, 2 + i),
            lang="fr",
        )
    with session_scope(app.state.engine) as session:
        parking = themes.add(session, {"en": "Parking", "fr": "Stationnement"})
        first = session.scalars(select(Comment)).first()
        assert first is not None and parking.id is not None
        themes.confirm(session, first, [parking.id])
    with session_scope(app.state.engine) as session:
        classifier.classify_pending(session)
        others = session.scalars(select(Comment).where(Comment.reviewed.is_(False))).all()  # type: ignore[attr-defined]
        assert all(parking.id in themes.themes_of(session, c.answer_id) for c in others)
    assert theme_counts(app)[parking.id] == 3 == tagged(app)[parking.id]
    assert ids  # the built-in themes are there too


def test_merge_moves_comments_and_counts(app: Any) -> None:
    ids = key_ids(app)
    submit(
        app, "counter", {"satisfaction": 1, "comment": "Long wait on hold."}, day=date(2025, 1, 2)
    )
    with session_scope(app.state.engine) as session:
        c = session.scalars(select(Comment)).one()
        themes.confirm(session, c, [ids["waiting_time"], ids["phone_access"]])
        source, target = (
            session.get(Theme, ids["phone_access"]),
            session.get(Theme, ids["waiting_time"]),
        )
        assert source and target
        assert themes.merge(session, source, target) == 0  # already carried the target
    assert theme_counts(app) == {ALL: 1, ids["waiting_time"]: 1} and tagged(app) == {
        ids["waiting_time"]: 1
    }


def test_theme_pages_add_rename_merge_with_audit(staff: TestClient, app: Any) -> None:
    token = csrf(staff, "/dashboard/themes")
    r = staff.post(
        "/dashboard/themes/new",
        data={"csrf_token": token, "name_en": "Parking", "name_fr": "Stationnement"},
    )
    assert r.status_code == 200 and "Parking" in r.text
    bad = staff.post(
        "/dashboard/themes/new", data={"csrf_token": token, "name_en": "", "name_fr": "x"}
    )
    assert bad.status_code == 400 and "Give the theme a name" in bad.text
    with session_scope(app.state.engine) as session:
        parking = session.scalars(select(Theme).where(Theme.key.is_(None))).one()  # type: ignore[union-attr]
    staff.post(
        f"/dashboard/themes/{parking.id}/rename",
        data={"csrf_token": token, "name_en": "Parking lot", "name_fr": "Stationnement"},
    )
    assert (
        staff.post(
            f"/dashboard/themes/{parking.id}/merge", data={"csrf_token": token, "into": "x"}
        ).status_code
        == 400
    )
    assert (
        staff.post(
            "/dashboard/themes/99999/merge", data={"csrf_token": token, "into": "1"}
        ).status_code
        == 404
    )
    staff.post(
        f"/dashboard/themes/{parking.id}/merge",
        data={"csrf_token": token, "into": str(key_ids(app)["waiting_time"])},
    )
    with session_scope(app.state.engine) as session:
        assert session.get(Theme, parking.id) is None
        actions = {a.action for a in session.scalars(select(AuditEntry))}
    assert {"theme.add", "theme.rename", "theme.merge"} <= actions
    assert "Thèmes des commentaires" in staff.get("/dashboard/themes?lang=fr").text

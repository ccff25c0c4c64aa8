"""Themes: the built-in bilingual list, staff's own, and which comments carry them.

A comment may carry several themes. Suggested ones come from the classifier; once staff save
a comment's themes, those are confirmed (the classifier learns from them) and suggestions
on it go. Every change keeps the daily and monthly theme counts in step (trends read only those).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from feedback.comments.tallies import add_theme_days
from feedback.core.models import Comment, CommentTheme, Theme

# fmt: off
BUILT_IN: tuple[tuple[str, str, str], ...] = (
    ("waiting_time", "Waiting time", "Temps d'attente"),
    ("opening_hours", "Opening hours", "Heures d'ouverture"),
    ("staff_courtesy", "Staff courtesy", "Courtoisie du personnel"),
    ("staff_knowledge", "Staff knowledge", "Connaissances du personnel"),
    ("finding_information", "Finding information online", "Trouver l'information en ligne"),
    ("online_forms", "Online forms and technical problems",
     "Formulaires en ligne et problèmes techniques"),
    ("documents", "Documents and proof", "Documents et preuves"),
    ("language_of_service", "Language of service", "Langue de service"),
    ("accessibility", "Accessibility", "Accessibilité"),
    ("fees", "Fees", "Frais"),
    ("outcome", "The decision or outcome", "La décision ou le résultat"),
    ("phone_access", "Reaching someone by phone", "Joindre quelqu'un par téléphone"),
)
# fmt: on
NAME_MAX = 80


def ensure_built_in(session: Session) -> None:
    """Add the built-in themes that are missing (a renamed one keeps its new name)."""
    have = set(session.scalars(select(col(Theme.key)).where(col(Theme.key).is_not(None))))
    for key, en, fr in BUILT_IN:
        if key not in have:
            session.add(Theme(key=key, name={"en": en, "fr": fr}))
    session.flush()


def get(session: Session, theme_id: int) -> Theme | None:
    """A theme by id."""
    return session.get(Theme, theme_id)


def all_themes(session: Session) -> list[Theme]:
    """Every theme, in the order they were made (built-in first)."""
    return list(session.scalars(select(Theme).order_by(col(Theme.id))))


def by_key(session: Session) -> dict[str, int]:
    """Built-in theme ids by key."""
    rows = session.execute(select(col(Theme.key), col(Theme.id)).where(col(Theme.key).is_not(None)))
    return {key: id_ for key, id_ in rows}


def clean_name(en: str, fr: str) -> dict[str, str] | None:
    """A theme's name in both languages, trimmed; None if either is empty or too long."""
    name = {"en": " ".join(en.split()), "fr": " ".join(fr.split())}
    if not all(name.values()) or any(len(v) > NAME_MAX for v in name.values()):
        return None
    return name


def add(session: Session, name: dict[str, str]) -> Theme:
    """A new staff theme."""
    theme = Theme(name=name)
    session.add(theme)
    session.flush()
    return theme


def rename(session: Session, theme: Theme, name: dict[str, str]) -> None:
    """Give a theme a new name in both languages (its comments keep it)."""
    theme.name = name
    session.add(theme)
    session.flush()


def _retag(session: Session, pairs: Sequence[tuple[int, int]], sign: int) -> None:
    """Count (answer, theme) pairs in or out of the theme counts."""
    if not pairs:
        return
    ids = sorted({a for a, _ in pairs})
    comments = {
        c.answer_id: c
        for c in session.scalars(select(Comment).where(col(Comment.answer_id).in_(ids)))
    }
    add_theme_days(session, [(comments[a], t) for a, t in pairs if a in comments], sign)


def merge(session: Session, source: Theme, target: Theme) -> int:
    """Move every comment of `source` to `target`, then delete `source`; how many moved."""
    assert source.id is not None and target.id is not None and source.id != target.id
    pairs = list(
        session.execute(
            select(col(CommentTheme.answer_id), col(CommentTheme.theme_id)).where(
                col(CommentTheme.theme_id) == source.id
            )
        ).all()
    )
    already = set(
        session.scalars(
            select(col(CommentTheme.answer_id)).where(col(CommentTheme.theme_id) == target.id)
        )
    )
    _retag(session, [(a, t) for a, t in pairs], -1)
    moved = [a for a, _ in pairs if a not in already]
    if moved:
        session.execute(
            update(CommentTheme)
            .where(col(CommentTheme.theme_id) == source.id, col(CommentTheme.answer_id).in_(moved))
            .values(theme_id=target.id)
        )
    _retag(session, [(a, target.id) for a in moved], +1)
    session.execute(delete(CommentTheme).where(col(CommentTheme.theme_id) == source.id))
    session.delete(source)
    session.flush()
    return len(moved)


def themes_of(session: Session, answer_id: int) -> dict[int, str]:
    """A comment's theme ids and where each came from (staff or suggested)."""
    stmt = select(col(CommentTheme.theme_id), col(CommentTheme.source)).where(
        col(CommentTheme.answer_id) == answer_id
    )
    return {t: s for t, s in session.execute(stmt)}


def confirm(session: Session, comment: Comment, theme_ids: Sequence[int]) -> None:
    """Staff set a comment's themes: these are confirmed, any other (suggested or not) goes."""
    found = session.scalars(select(col(Theme.id)).where(col(Theme.id).in_(theme_ids)))
    known: set[int] = {t for t in found if t is not None}
    before = themes_of(session, comment.answer_id)
    _retag(session, [(comment.answer_id, t) for t in before if t not in known], -1)
    session.execute(
        delete(CommentTheme).where(
            col(CommentTheme.answer_id) == comment.answer_id,
            col(CommentTheme.theme_id).not_in(known)
            if known
            else col(CommentTheme.answer_id).is_not(None),
        )
    )
    for theme_id in sorted(known):
        if theme_id in before:
            session.execute(
                update(CommentTheme)
                .where(
                    col(CommentTheme.answer_id) == comment.answer_id,
                    col(CommentTheme.theme_id) == theme_id,
                )
                .values(source="staff", confidence=None)
            )
        else:
            session.add(
                CommentTheme(answer_id=comment.answer_id, theme_id=theme_id, source="staff")
            )
    session.flush()
    _retag(session, [(comment.answer_id, t) for t in sorted(known) if t not in before], +1)
    comment.reviewed = True
    session.add(comment)
    session.flush()


def suggest(session: Session, suggestions: dict[int, list[tuple[int, float]]]) -> None:
    """Store the classifier's suggestions for comments staff have not reviewed."""
    pairs = []
    for answer_id, found in suggestions.items():
        for theme_id, confidence in found:
            session.add(
                CommentTheme(
                    answer_id=answer_id,
                    theme_id=theme_id,
                    source="suggested",
                    confidence=confidence,
                )
            )
            pairs.append((answer_id, theme_id))
    session.flush()
    _retag(session, pairs, +1)

"""Suggest themes for new comments with a classifier trained on this server only.

scikit-learn (a well-kept library; nothing leaves the machine): TF-IDF over the folded
English and French stems (the search index's terms) and over character 3-5-grams (which
carry word forms the stemmers miss), then one logistic regression per theme (one-vs-rest),
as Canada.ca's page feedback tags comments. It trains on the built-in examples
(comments.examples) plus every comment whose themes staff confirmed, and is kept in the
database so every worker suggests alike. Classification runs in the background job, a
bounded batch at a time, never while a citizen waits.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from feedback.comments import examples, text, themes
from feedback.core.db import session_scope
from feedback.core.models import Answer, Comment, CommentTheme, ThemeModel, utcnow

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

THRESHOLD = 0.3  # a theme is suggested at this probability or above
MOST = 3  # suggestions per comment
BATCH = 500  # comments classified per run of the job


def _stems(said: str) -> list[str]:
    return text.index_terms(said).split()


@dataclass
class Model:
    """A trained classifier and the theme ids of its outputs."""

    pipeline: Pipeline
    labels: list[int]
    examples: int

    def suggest(self, texts: Sequence[str]) -> list[list[tuple[int, float]]]:
        """Per text, up to MOST (theme id, probability) at or above the threshold."""
        if not texts:
            return []
        probabilities = self.pipeline.predict_proba(list(texts))
        out = []
        for row in probabilities:
            ranked = sorted(zip(self.labels, row, strict=True), key=lambda p: -p[1])
            out.append([(t, round(float(p), 3)) for t, p in ranked[:MOST] if p >= THRESHOLD])
        return out


def train(labelled: Sequence[tuple[str, Sequence[int]]]) -> Model:
    """Fit on (text, theme ids) pairs; a text may have no theme (a negative example)."""
    # Imported here: scikit-learn takes seconds to import, and every server worker imports
    # this module at start-up (uvicorn kills a worker that is slow to start).
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer()
    y = binarizer.fit_transform([sorted(set(ids)) for _, ids in labelled])
    features = FeatureUnion(
        [
            ("stems", TfidfVectorizer(analyzer=_stems, sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(
                    preprocessor=text.fold,
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    sublinear_tf=True,
                ),
            ),
        ]
    )
    regression = LogisticRegression(C=20.0, class_weight="balanced", max_iter=2000)
    pipeline = Pipeline([("features", features), ("model", OneVsRestClassifier(regression))])
    pipeline.fit([t for t, _ in labelled], y)
    return Model(pipeline, [int(c) for c in binarizer.classes_], len(labelled))


def built_in_examples(session: Session) -> list[tuple[str, list[int]]]:
    """The built-in examples with their theme ids (examples of renamed themes still count)."""
    ids = themes.by_key(session)
    return [
        (said, [ids[k] for k in keys.split() if k in ids])
        for keys, _lang, said in examples.EXAMPLES
    ]


def confirmed(session: Session) -> list[tuple[str, list[int]]]:
    """Comments whose themes staff confirmed, with those themes (none is a valid answer)."""
    stmt = (
        select(col(Comment.answer_id), col(Answer.text))
        .join(Answer, col(Answer.id) == Comment.answer_id)
        .where(col(Comment.reviewed).is_(True))
    )
    rows = {aid: said or "" for aid, said in session.execute(stmt)}
    labels: dict[int, list[int]] = {aid: [] for aid in rows}
    tagged = select(col(CommentTheme.answer_id), col(CommentTheme.theme_id)).where(
        col(CommentTheme.answer_id).in_(select(col(Comment.answer_id)).where(col(Comment.reviewed)))
    )
    for aid, tid in session.execute(tagged):
        labels.setdefault(aid, []).append(tid)
    return [(rows[aid], labels[aid]) for aid in rows]


def save(session: Session, model: Model) -> None:
    """Keep the model in the database (the newest one is used)."""
    buffer = io.BytesIO()
    pickle.dump(model, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    labels = " ".join(str(i) for i in model.labels)
    session.add(ThemeModel(examples=model.examples, labels=labels, content=buffer.getvalue()))
    session.flush()


def load(session: Session) -> Model | None:
    """The newest stored model. Only this server writes it (never user input), so unpickling
    it is safe; a model from another library version is retrained rather than trusted."""
    stored = session.scalars(select(ThemeModel).order_by(col(ThemeModel.id).desc())).first()
    if stored is None:
        return None
    try:
        model = pickle.loads(stored.content)  # noqa: S301 - written by this server only
    except Exception:
        return None
    return model if isinstance(model, Model) else None


def retrain(session: Session) -> Model:
    """Train on the built-in examples and every confirmed comment, store, and keep 3 models."""
    model = train(built_in_examples(session) + confirmed(session))
    save(session, model)
    old = select(col(ThemeModel.id)).order_by(col(ThemeModel.id).desc()).offset(3)
    for stale in list(session.scalars(old)):
        session.delete(session.get(ThemeModel, stale))
    return model


def current(session: Session) -> Model:
    """The model to suggest with: the stored one, retrained when staff confirmed more."""
    model = load(session)
    reviewed = session.execute(
        select(func.count()).select_from(Comment).where(col(Comment.reviewed).is_(True))
    ).scalar_one()
    wanted = len(examples.EXAMPLES) + int(reviewed)
    if model is None or model.examples != wanted:
        model = retrain(session)
    return model


def classify_pending(session: Session, *, limit: int = BATCH, now: datetime | None = None) -> int:
    """Suggest themes for up to `limit` comments not yet classified, newest first; how many."""
    stmt = (
        select(col(Comment.answer_id), col(Answer.text))
        .join(Answer, col(Answer.id) == Comment.answer_id)
        .where(col(Comment.classified_at).is_(None))
        .order_by(col(Comment.answer_id).desc())
        .limit(limit)
    )
    pending = session.execute(stmt).all()
    if not pending:
        return 0
    model = current(session)
    # Many comments repeat the same words (and the demo's do): each distinct text once.
    distinct = sorted({said or "" for _, said in pending})
    by_text = dict(zip(distinct, model.suggest(distinct), strict=True))
    ids = [aid for aid, _ in pending]
    already = set(
        session.scalars(
            select(col(CommentTheme.answer_id)).where(col(CommentTheme.answer_id).in_(ids))
        )
    )
    themes.suggest(
        session, {aid: by_text[said or ""] for aid, said in pending if aid not in already}
    )
    moment = now or utcnow()
    session.execute(
        Comment.__table__.update()  # type: ignore[attr-defined]
        .where(col(Comment.answer_id).in_(ids))
        .values(classified_at=moment)
    )
    return len(pending)


def run(engine: Engine) -> str:
    """The scheduled job: suggest themes for a batch of new comments; a line for the log."""
    with session_scope(engine) as session:
        n = classify_pending(session)
    return f"{n} comments classified"

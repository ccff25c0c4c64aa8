"""Translations that may be stale: when a text changes in one language, the same text in the
other language is marked "needs review" until someone edits it or confirms it still holds.

A text is named by a part: "title", "<key>.text", "<key>.hint" or "<key>.option.<id>" (the
question key stays the same across versions). Marks live on the survey (Survey.needs_review)
and the go-live check lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from feedback.core.i18n import gettext_for
from feedback.core.models import Question, StaffUser, Survey
from feedback.staff import audit

Texts = dict[str, dict[str, str]]  # part -> {language: text}


def question_texts(question: Question | Mapping[str, Any], key: str | None = None) -> Texts:
    """The texts of one question by part: its wording, hint and option labels."""
    get = question.get if isinstance(question, Mapping) else lambda n: getattr(question, n)
    name = key or get("key")
    out: Texts = {f"{name}.text": dict(get("text") or {}), f"{name}.hint": dict(get("hint") or {})}
    for option in get("options") or []:
        out[f"{name}.option.{option['id']}"] = dict(option.get("label") or {})
    return out


def survey_texts(survey: Survey, questions: list[Question]) -> Texts:
    """Every text of a survey by part."""
    out: Texts = {"title": dict(survey.title or {})}
    for question in questions:
        out |= question_texts(question)
    return out


def note_changes(survey: Survey, before: Texts, after: Texts) -> None:
    """Mark the other language of each text changed in one language; clear what was edited.

    Only a change to a text that existed is a reason to doubt its translation: writing a
    missing translation, or clearing one, is not (the go-live check names missing texts).
    Editing a text that was marked clears its mark and marks nothing else.
    """
    marks = {(m["part"], m["language"]) for m in survey.needs_review or []}
    earlier = set(marks)
    languages = list(survey.languages)
    for part in set(before) | set(after):
        old, new = before.get(part, {}), after.get(part, {})
        changed = [c for c in languages if (old.get(c) or "") != (new.get(c) or "")]
        marks -= {(part, c) for c in changed}
        if part not in after:
            marks -= {(part, c) for c in languages}
            continue
        # Rewording a text that was up for review is the review itself, not news for the
        # other language (which would otherwise be marked back, and so on forever).
        reworded = [
            c
            for c in changed
            if (old.get(c) or "").strip()
            and (new.get(c) or "").strip()
            and (part, c) not in earlier
        ]
        if reworded:
            marks |= {
                (part, c) for c in languages if c not in changed and (new.get(c) or "").strip()
            }
    survey.needs_review = [{"part": p, "language": c} for p, c in sorted(marks)] or None


@dataclass(frozen=True)
class Item:
    """One text to check: where it is, in which language, and both wordings side by side."""

    part: str
    language: str
    place: str  # "the title", "question 2 (“...”): the hint", ... in the reader's language
    anchor: str  # where to edit it on the builder page
    changed: dict[str, str]  # the other languages' texts, the ones that changed
    text: str  # the text to check


def _place(part: str, questions: list[Question], lang: str) -> tuple[str, str]:
    _ = gettext_for(lang).gettext
    if part == "title":
        return _("the title"), "settings"
    key, _sep, rest = part.partition(".")
    position = next((i for i, q in enumerate(questions, 1) if q.key == key), 0)
    question = _("question %(n)d") % {"n": position}
    if rest == "text":
        return _("%(question)s: its wording") % {"question": question}, f"question-{key}"
    if rest == "hint":
        return _("%(question)s: its hint") % {"question": question}, f"question-{key}"
    return _("%(question)s: an answer option") % {"question": question}, f"question-{key}"


def items(survey: Survey, questions: list[Question], lang: str) -> list[Item]:
    """The texts marked for review that still exist, in the order of the survey."""
    texts = survey_texts(survey, questions)
    order = list(texts)
    found = []
    for mark in survey.needs_review or []:
        part, code = mark["part"], mark["language"]
        if part not in texts or not texts[part].get(code):
            continue  # the text is gone or empty: nothing left to compare
        place, anchor = _place(part, questions, lang)
        others = {c: t for c, t in texts[part].items() if c != code and t}
        found.append(Item(part, code, place, anchor, others, texts[part][code]))
    return sorted(found, key=lambda i: (order.index(i.part), i.language))


def messages(survey: Survey, questions: list[Question], lang: str) -> list[str]:
    """One go-live message per text whose translation needs review."""
    _ = gettext_for(lang).gettext
    names = {"en": _("in English"), "fr": _("in French")}
    return [
        _("Check %(place)s %(language)s: the other language changed since it was written.")
        % {"place": item.place, "language": names.get(item.language, item.language)}
        for item in items(survey, questions, lang)
    ]


def confirm(session: Session, *, user: StaffUser, survey: Survey, part: str, language: str) -> bool:
    """Someone checked the text and it still holds: clear its mark. False if it had none."""
    marks = survey.needs_review or []
    kept = [m for m in marks if not (m["part"] == part and m["language"] == language)]
    if len(kept) == len(marks):
        return False
    survey.needs_review = kept or None
    session.add(survey)
    audit.record(session, user, "survey.translation_confirmed", survey.id, part=part,
                 language=language)  # fmt: skip
    return True

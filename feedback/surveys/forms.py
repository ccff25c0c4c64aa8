"""How a survey's questions become HTML form controls (hosted page, kiosk, assisted entry),
and how the strings those controls post are read back as answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feedback.core.catalog import SCALE_RANGES
from feedback.core.i18n import gettext_for, pick
from feedback.core.models import Question
from feedback.core.numbers import whole_number


@dataclass(frozen=True)
class Choice:
    """One radio button or checkbox: the value sent and its visible label."""

    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """A question ready to draw: its controls, hint, end labels and reveal condition."""

    key: str
    kind: str
    text: str
    required: bool
    hint: str
    choices: list[Choice]
    multiple: bool
    max_length: int | None
    ends: tuple[str, str] | None  # labels at both ends of an NPS scale
    condition: str  # "Answer only if ..." for show_if questions, else ""
    reveal_on: tuple[str, str] | None  # (question key, space-separated values) for survey.js


def _scale_label(question: Question, value: str, lang: str) -> str:
    for point in question.scale:
        if point["id"] == value:
            return pick(point["label"], lang)
    return ""


def _choices(question: Question, lang: str) -> list[Choice]:
    if question.kind in ("choice", "multi"):
        return [Choice(o["id"], pick(o["label"], lang)) for o in question.options]
    if question.kind == "yes_no":
        _ = gettext_for(lang).gettext
        return [
            Choice("true", _scale_label(question, "true", lang) or _("Yes")),
            Choice("false", _scale_label(question, "false", lang) or _("No")),
        ]
    if question.kind in SCALE_RANGES:
        low, high = SCALE_RANGES[question.kind]
        labelled = question.kind != "nps"  # NPS labels only its two ends
        return [
            Choice(str(v), _scale_label(question, str(v), lang) if labelled else str(v))
            for v in range(low, high + 1)
        ]
    return []


def _condition(question: Question, by_key: dict[str, Question], lang: str) -> str:
    rule = question.show_if
    if not rule or rule.get("question") not in by_key:
        return ""
    source = by_key[rule["question"]]
    wanted = {str(v).lower() for v in rule.get("values", [])}
    labels = [c.label for c in _choices(source, lang) if c.value in wanted]
    _ = gettext_for(lang).gettext
    return _("Answer only if you chose “%(answer)s” for “%(question)s”.") % {
        "answer": " / ".join(labels),
        "question": pick(source.text, lang),
    }


def fields(questions: list[Question], lang: str) -> list[Field]:
    """The questions of a survey as fields to draw in `lang`."""
    by_key = {q.key: q for q in questions}
    out = []
    for q in questions:
        ends = None
        reveal_on = None
        if q.show_if:
            values = " ".join(str(v).lower() for v in q.show_if.get("values", []))
            reveal_on = (str(q.show_if.get("question")), values)
        if q.kind == "nps":
            ends = (_scale_label(q, "0", lang), _scale_label(q, "10", lang))
        out.append(
            Field(
                key=q.key,
                kind=q.kind,
                text=pick(q.text, lang),
                required=q.required,
                hint=pick(q.hint, lang),
                choices=_choices(q, lang),
                multiple=q.kind == "multi",
                max_length=q.max_length,
                ends=ends,
                condition=_condition(q, by_key, lang),
                reveal_on=reveal_on,
            )
        )
    return out


def answers_from_form(questions: list[Question], form: Mapping[str, list[str]]) -> dict[str, Any]:
    """Turn an HTML form's strings into typed answers; anything unreadable stays as sent."""
    answers: dict[str, Any] = {}
    for question in questions:
        values = [v for v in form.get(f"q_{question.key}", []) if v != ""]
        if not values:
            continue
        if question.kind == "multi":
            answers[question.key] = values
            continue
        raw = values[0]
        if question.kind == "yes_no":
            answers[question.key] = {"true": True, "false": False}.get(raw, raw)
        elif question.kind in SCALE_RANGES:
            number = whole_number(raw)
            answers[question.key] = number if number is not None else raw
        else:
            answers[question.key] = raw
    return answers

"""One answer checked against its question: its kind, its range or options, its length, and
whether the person could see it (show_if). Messages in the request's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from feedback.core.catalog import SCALE_RANGES, TEXT_MAX_LENGTH
from feedback.core.i18n import pick
from feedback.core.models import Question


def storable(text: str) -> bool:
    """False for text no database keeps as sent: a NUL (PostgreSQL refuses it) or a lone
    surrogate (JSON can carry one as \\ud800; it is not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def visible(question: Question, answers: Mapping[str, Any]) -> bool:
    """False for a question hidden by its show_if rule (its answer is then dropped)."""
    rule = question.show_if
    return not rule or answers.get(rule["question"]) in rule.get("values", [])


def check_answer(question: Question, value: Any, _: Callable[[str], str]) -> tuple[Any, str | None]:
    """Return (normalised value, error message or None) for one answer."""
    kind = question.kind
    if kind == "yes_no":
        return (value, None) if isinstance(value, bool) else (None, _("Answer yes or no."))
    if kind in SCALE_RANGES:
        low, high = SCALE_RANGES[kind]
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value, None
        return None, _("Choose a number from %(low)d to %(high)d.") % {"low": low, "high": high}
    option_ids = {o["id"] for o in question.options}
    if kind == "choice":
        if isinstance(value, str) and value in option_ids:
            return value, None
        return None, _("Choose one of the answers shown.")
    if kind == "multi":
        ok = isinstance(value, list) and all(isinstance(v, str) and v in option_ids for v in value)
        if ok and len(set(value)) == len(value):
            return value, None
        return None, _("Choose one or more of the answers shown.")
    if not isinstance(value, str) or not storable(value):
        return None, _("Enter your answer as text.")
    limit = min(question.max_length or TEXT_MAX_LENGTH, TEXT_MAX_LENGTH)
    if len(value) > limit:
        return None, _("Use %(max)d characters or fewer (you used %(n)d).") % {
            "max": limit,
            "n": len(value),
        }
    return value.strip(), None


def missing_template(kind: str, _: Callable[[str], str]) -> str:
    """What a required question of `kind` left empty says, its text as %(question)s."""
    if kind == "text":
        return _("Enter your answer: %(question)s")
    if kind == "multi":
        return _("Choose at least one answer: %(question)s")
    return _("Choose an answer: %(question)s")


def missing_message(question: Question, lang: str, _: Callable[[str], str]) -> str:
    """What a required question left empty says."""
    return missing_template(question.kind, _) % {"question": pick(question.text, lang)}


def empty(value: Any) -> bool:
    """True for no answer: nothing, an empty text or list, or only spaces."""
    return (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, str) and not value.strip())
    )

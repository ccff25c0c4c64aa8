"""Reading the builder's question form: texts, options, show-if rules and the scale.

Split from builder_questions (which saves what this reads), so each stays a readable size.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from sqlmodel import Session

from feedback.core.catalog import DRIVERS, KINDS, LANGUAGES, SCALE_RANGES, Option
from feedback.core.i18n import gettext_for
from feedback.core.models import Question, Survey
from feedback.core.numbers import whole_number
from feedback.surveys import definitions as surveys
from feedback.surveys.builder import Form, Invalid, first
from feedback.surveys.scales import (
    AGREEMENT_5,
    AGREEMENT_7,
    EASE_5,
    NPS_ENDS,
    SATISFACTION_5,
    YES_NO,
)

TEXT_MAX = 500
OPTION_MAX = 120
OPTIONS_MAX = 15
# The labelled 5-point scales a rating5 question may use.
SCALES_5: dict[str, tuple[Option, ...]] = {
    "satisfaction": SATISFACTION_5,
    "ease": EASE_5,
    "agreement": AGREEMENT_5,
}
_DEFAULT_SCALES: dict[str, tuple[Option, ...]] = {
    "yes_no": YES_NO,
    "rating5": SATISFACTION_5,
    "ces7": AGREEMENT_7,
    "nps": NPS_ENDS,
}


def scale_for(kind: str, name: str = "") -> list[dict[str, Any]]:
    """The stored scale labels of a kind (rating5 may pick satisfaction, ease or agreement)."""
    points = SCALES_5.get(name) if kind == "rating5" else None
    return [asdict(o) for o in (points or _DEFAULT_SCALES.get(kind, ()))]


def texts(form: Form, prefix: str) -> dict[str, str]:
    return {code: first(form, f"{prefix}_{code}") for code in LANGUAGES}


def _parse_options(
    form: Form, question: Question, errors: dict[str, str], _: Any
) -> list[dict[str, Any]]:
    ids = list(form.get("opt_id", []))
    rows = zip(ids, form.get("opt_en", []), form.get("opt_fr", []), strict=False)
    known = {o["id"] for o in question.options}
    out: list[dict[str, Any]] = []
    for option_id, en, fr in rows:
        label = {k: v.strip() for k, v in (("en", en), ("fr", fr)) if v.strip()}
        if not label:
            continue  # an empty row is a removed option, or an unused new one
        if any(len(v) > OPTION_MAX for v in label.values()):
            errors["options"] = _("Keep each option to %(max)d characters.") % {"max": OPTION_MAX}
        if option_id not in known:
            option_id = _new_option_id(label.get("en") or label.get("fr", ""), out, known)
        out.append({"id": option_id, "label": label})
    if len(out) > OPTIONS_MAX:
        errors["options"] = _("Offer at most %(max)d options.") % {"max": OPTIONS_MAX}
    return out


def _new_option_id(label: str, taken: list[dict[str, Any]], known: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:30] or "option"
    used = known | {o["id"] for o in taken}
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def _parse_show_if(
    form: Form, earlier: list[Question], errors: dict[str, str], _: Any
) -> dict[str, Any] | None:
    picked = [v.split("=", 1) for v in form.get("show_if", []) if "=" in v]
    if not picked:
        return None
    keys = {k for k, _v in picked}
    sources = {q.key: q for q in earlier}
    if len(keys) > 1 or not keys <= set(sources):
        errors["show_if"] = _("Choose answers of one earlier question only.")
        return None
    source = sources[keys.pop()]
    values: list[bool | int | str] = []
    for _k, raw in picked:
        if source.kind == "yes_no":
            values.append(raw == "true")
        elif source.kind in SCALE_RANGES:
            number = whole_number(raw)
            values.append(number if number is not None else raw)
        else:
            values.append(raw)
    return {"question": source.key, "values": values}


def parse_question(
    session: Session, survey: Survey, question: Question, form: Form, lang: str
) -> dict[str, Any]:
    """The question's new fields from its form; raises Invalid with a message per field."""
    _ = gettext_for(lang).gettext
    errors: dict[str, str] = {}
    kind = first(form, "kind")
    if kind not in KINDS:
        errors["kind"] = _("Choose the kind of question.")
        kind = question.kind
    driver = first(form, "driver") or None
    if driver is not None and driver not in DRIVERS:
        errors["driver"] = _("Choose a driver from the list.")
    text, hint = texts(form, "text"), texts(form, "hint")
    for field, values in (("text", text), ("hint", hint)):
        for code, value in values.items():
            if len(value) > TEXT_MAX:
                errors[f"{field}_{code}"] = _(
                    "Use %(max)d characters or fewer (you used %(n)d)."
                ) % {"max": TEXT_MAX, "n": len(value)}
    if survey.status == "live":
        # People are answering: a change may not leave a text missing in any language.
        for code in survey.languages:
            if not text.get(code):
                errors[f"text_{code}"] = _("Enter the text in every language: this survey is live.")
    options = _parse_options(form, question, errors, _) if kind in ("choice", "multi") else []
    current = surveys.questions_of(session, survey.id)
    earlier = [q for q in current if q.position < question.position and q.key != question.key]
    show_if = _parse_show_if(form, earlier, errors, _)
    if errors:
        raise Invalid(errors)
    # A new kind takes its default labels; a 5-point scale may switch to another named one;
    # anything else (such as a template's own labels) is kept as it is.
    picked = first(form, "scale")
    scale = question.scale
    if kind != question.kind or (kind == "rating5" and picked in SCALES_5):
        scale = scale_for(kind, picked)
    return {
        "kind": kind,
        "driver": driver,
        "required": first(form, "required") == "1",
        "text": {k: v for k, v in text.items() if v},
        "hint": {k: v for k, v in hint.items() if v} or None,
        "options": options,
        "scale": scale,
        "show_if": show_if,
    }

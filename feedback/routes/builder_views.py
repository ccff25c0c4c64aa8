"""What the builder's edit page shows: each question's form and the settings form, filled
from the database or, after an error, from what was typed."""

from __future__ import annotations

from typing import Any

from feedback.core.catalog import LANGUAGES
from feedback.core.i18n import N_
from feedback.core.models import Question, Survey
from feedback.surveys import builder, forms
from feedback.surveys import builder_questions as bq
from feedback.surveys.builder import Form

KIND_NAMES = {
    "yes_no": N_("Yes or no"),
    "rating5": N_("Scale of 1 to 5"),
    "nps": N_("Likelihood to recommend, 0 to 10"),
    "ces7": N_("Effort, scale of 1 to 7"),
    "choice": N_("One choice from a list"),
    "multi": N_("Several choices from a list"),
    "text": N_("Comment (free text)"),
}
SCALE_NAMES = {
    "satisfaction": N_("Very dissatisfied … Very satisfied"),
    "ease": N_("Very difficult … Very easy"),
    "agreement": N_("Strongly disagree … Strongly agree"),
}


def question_view(
    question: Question,
    candidates: list[forms.Field],
    answered: bool,
    form: Form | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What a question's form shows: the stored question, or what was typed and its errors."""
    view: dict[str, Any] = {
        "q": question,
        "answered": answered,
        "candidates": candidates,
        "errors": errors or {},
        "kind": question.kind,
        "driver": question.driver or "",
        "required": question.required,
        "text": {code: (question.text or {}).get(code, "") for code in LANGUAGES},
        "hint": {code: (question.hint or {}).get(code, "") for code in LANGUAGES},
        "options": [
            {"id": o["id"], "en": o["label"].get("en", ""), "fr": o["label"].get("fr", "")}
            for o in question.options
        ],
        "scale": bq.scale_name(question),
        "show_if": {
            f"{question.show_if['question']}={str(v).lower()}"
            for v in question.show_if.get("values", [])
        }
        if question.show_if
        else set(),
    }
    if form is not None:
        view.update(
            kind=builder.first(form, "kind") or question.kind,
            driver=builder.first(form, "driver"),
            required=builder.first(form, "required") == "1",
            text={code: builder.first(form, f"text_{code}") for code in LANGUAGES},
            hint={code: builder.first(form, f"hint_{code}") for code in LANGUAGES},
            options=[
                {"id": i, "en": en, "fr": fr}
                for i, en, fr in zip(
                    form.get("opt_id", []),
                    form.get("opt_en", []),
                    form.get("opt_fr", []),
                    strict=False,
                )
                if en.strip() or fr.strip()
            ],
            scale=builder.first(form, "scale"),
            show_if=set(form.get("show_if", [])),
        )
    return view


def settings_view(survey: Survey, form: Form | None) -> dict[str, Any]:
    """The settings form: the stored values, or what was typed when it had errors."""
    if form is not None:
        return {
            "title": {code: builder.first(form, f"title_{code}") for code in LANGUAGES},
            "channels": list(form.get("channels", [])),
            "origins": "\n".join(form.get("allowed_origins", [])).strip(),
            "retention_days": builder.first(form, "retention_days"),
            "client_limit": builder.first(form, "client_limit_per_minute"),
        }
    return {
        "title": {code: survey.title.get(code, "") for code in LANGUAGES},
        "channels": survey.channels,
        "origins": "\n".join(survey.allowed_origins),
        "retention_days": survey.retention_days,
        "client_limit": survey.client_limit_per_minute,
    }

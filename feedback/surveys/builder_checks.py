"""What keeps a survey from going live: each missing translation, and broken questions."""

from __future__ import annotations

from sqlmodel import Session

from feedback.core.catalog import SCALE_RANGES
from feedback.core.i18n import gettext_for, pick
from feedback.core.models import Question, Survey
from feedback.surveys import builder_review
from feedback.surveys import definitions as surveys


def _in_language(code: str, lang: str) -> str:
    """ "in English", "in French": the phrase that fits inside the messages below."""
    _ = gettext_for(lang).gettext
    names = {"en": _("in English"), "fr": _("in French")}
    return names.get(code, code)


def _question_name(position: int, question: Question, lang: str) -> str:
    _ = gettext_for(lang).gettext
    wording = pick(question.text, lang) if question.text else ""
    if wording:
        short = wording if len(wording) <= 60 else wording[:57] + "…"
        return _("Question %(n)d (“%(text)s”)") % {"n": position, "text": short}
    return _("Question %(n)d") % {"n": position}


def question_problems(
    question: Question, position: int, earlier: list[Question], languages: list[str], lang: str
) -> list[str]:
    """Every reason this question is not ready, in the staff member's language."""
    _ = gettext_for(lang).gettext
    name = _question_name(position, question, lang)
    out: list[str] = []
    for code in languages:
        language = _in_language(code, lang)
        if not (question.text or {}).get(code, "").strip():
            out.append(
                _("%(question)s: the text %(language)s is missing.")
                % {"question": name, "language": language}
            )
        if question.hint and any(question.hint.values()) and not question.hint.get(code):
            out.append(
                _("%(question)s: the hint %(language)s is missing.")
                % {"question": name, "language": language}
            )
        for number, option in enumerate(question.options, start=1):
            if not (option.get("label") or {}).get(code, "").strip():
                out.append(
                    _("%(question)s: option %(n)d %(language)s is missing.")
                    % {"question": name, "n": number, "language": language}
                )
    if question.kind in ("choice", "multi") and len(question.options) < 2:
        out.append(_("%(question)s: add at least two options.") % {"question": name})
    rule = question.show_if
    sources = {q.key: q for q in earlier}
    if rule and rule.get("question") not in sources:
        out.append(
            _("%(question)s: it is shown after a question that is not before it.")
            % {"question": name}
        )
    elif rule and not {str(v).lower() for v in rule.get("values", [])} <= _values(
        sources[rule["question"]]
    ):
        # The question it depends on changed kind or lost an option since the rule was made.
        out.append(
            _("%(question)s: the answers that show it no longer exist. Choose them again.")
            % {"question": name}
        )
    return out


def _values(question: Question) -> set[str]:
    """Every answer a question can take, as show_if rules spell them."""
    if question.kind in ("choice", "multi"):
        return {str(o["id"]).lower() for o in question.options}
    if question.kind == "yes_no":
        return {"true", "false"}
    low, high = SCALE_RANGES.get(question.kind, (0, -1))
    return {str(v) for v in range(low, high + 1)}


def missing_for_live(
    session: Session,
    survey: Survey,
    lang: str,
    *,
    title: dict[str, str] | None = None,
    reviews: bool = False,
) -> list[str]:
    """Why the survey cannot take answers yet, one message each; empty when it can.

    `reviews`: also each translation marked for review (checked when going live; a live
    survey's edits are not refused for them, or fixing one wording would be impossible).
    """
    _ = gettext_for(lang).gettext
    out: list[str] = []
    title = survey.title if title is None else title
    for code in survey.languages:
        if not (title or {}).get(code, "").strip():
            out.append(
                _("The title %(language)s is missing.") % {"language": _in_language(code, lang)}
            )
    if not survey.channels:
        out.append(_("Choose at least one channel."))
    questions = surveys.questions_of(session, survey.id)
    if not questions:
        out.append(_("Add at least one question."))
    for index, question in enumerate(questions):
        out.extend(
            question_problems(question, index + 1, questions[:index], survey.languages, lang)
        )
    if reviews:
        out.extend(builder_review.messages(survey, questions, lang))
    return out

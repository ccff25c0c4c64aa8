"""Labelled answer scales and the shared texts of the built-in templates, in English and French.

Official wordings follow REFERENCE.md word for word. French style: plain apostrophe, no space
before "?", a non-breaking space before ":".
"""

from __future__ import annotations

from feedback.core.catalog import Option, QuestionSpec, Text

# --- Labelled scales: ids are the point's value as a string ------------------------------

SATISFACTION_5: tuple[Option, ...] = (
    Option("1", {"en": "Very dissatisfied", "fr": "Très insatisfait"}),
    Option("2", {"en": "Dissatisfied", "fr": "Insatisfait"}),
    Option("3", {"en": "Neither satisfied nor dissatisfied", "fr": "Ni satisfait ni insatisfait"}),
    Option("4", {"en": "Satisfied", "fr": "Satisfait"}),
    Option("5", {"en": "Very satisfied", "fr": "Très satisfait"}),
)

EASE_5: tuple[Option, ...] = (
    Option("1", {"en": "Very difficult", "fr": "Très difficile"}),
    Option("2", {"en": "Difficult", "fr": "Difficile"}),
    Option("3", {"en": "Neither easy nor difficult", "fr": "Ni facile ni difficile"}),
    Option("4", {"en": "Easy", "fr": "Facile"}),
    Option("5", {"en": "Very easy", "fr": "Très facile"}),
)

AGREEMENT_5: tuple[Option, ...] = (
    Option("1", {"en": "Strongly disagree", "fr": "Fortement en désaccord"}),
    Option("2", {"en": "Disagree", "fr": "En désaccord"}),
    Option("3", {"en": "Neither agree nor disagree", "fr": "Ni d'accord ni en désaccord"}),
    Option("4", {"en": "Agree", "fr": "D'accord"}),
    Option("5", {"en": "Strongly agree", "fr": "Fortement d'accord"}),
)

AGREEMENT_7: tuple[Option, ...] = (
    Option("1", {"en": "Strongly disagree", "fr": "Fortement en désaccord"}),
    Option("2", {"en": "Disagree", "fr": "En désaccord"}),
    Option("3", {"en": "Somewhat disagree", "fr": "Plutôt en désaccord"}),
    Option("4", {"en": "Neither agree nor disagree", "fr": "Ni d'accord ni en désaccord"}),
    Option("5", {"en": "Somewhat agree", "fr": "Plutôt d'accord"}),
    Option("6", {"en": "Agree", "fr": "D'accord"}),
    Option("7", {"en": "Strongly agree", "fr": "Fortement d'accord"}),
)

# NPS labels only its two ends; the points between are plain numbers.
NPS_ENDS: tuple[Option, ...] = (
    Option("0", {"en": "Not at all likely", "fr": "Pas du tout probable"}),
    Option("10", {"en": "Extremely likely", "fr": "Extrêmement probable"}),
)

YES_NO: tuple[Option, ...] = (
    Option("true", {"en": "Yes", "fr": "Oui"}),
    Option("false", {"en": "No", "fr": "Non"}),
)

# A-11 v2 asks trust as thumbs up/down on a statement, so the words are agree/disagree.
THUMBS: tuple[Option, ...] = (
    Option("true", {"en": "Agree", "fr": "D'accord"}),
    Option("false", {"en": "Disagree", "fr": "Pas d'accord"}),
)

# --- Shared pieces --------------------------------------------------------------------------

DEFAULT_PARAMS: dict[str, Text] = {
    "service": {"en": "this service", "fr": "ce service"},
    "task": {"en": "do what you came to do", "fr": "faire ce que vous êtes venu faire"},
}

NO_PERSONAL_INFO: Text = {
    "en": "Do not include personal information, such as your name, phone number, email "
    "or social insurance number.",
    "fr": "N'incluez pas de renseignements personnels, comme votre nom, votre numéro de "
    "téléphone, votre courriel ou votre numéro d'assurance sociale.",
}

GC_PAGE_NOTICE: Text = {
    "en": "You will not get a reply. Do not include personal information, such as your "
    "telephone number, email, social insurance number (SIN), or financial, medical or work "
    "details.",
    "fr": "Vous ne recevrez pas de réponse. N'incluez pas de renseignements personnels, comme "
    "votre numéro de téléphone, votre courriel, votre numéro d'assurance sociale (NAS) ou des "
    "détails financiers, médicaux ou professionnels.",
}

ANY_FEEDBACK: Text = {"en": "Any additional feedback?", "fr": "Avez-vous d'autres commentaires?"}
DO_BETTER: Text = {"en": "What could we do better?", "fr": "Que pourrions-nous faire de mieux?"}
CHOOSE_ALL: Text = {
    "en": "Choose all that apply.",
    "fr": "Choisissez toutes les réponses qui s'appliquent.",
}


def comment(text: Text, *, max_length: int = 1000, hint: Text = NO_PERSONAL_INFO) -> QuestionSpec:
    """An optional free-text `comment` question with a personal-information reminder."""
    return QuestionSpec(
        "comment", "text", dict(text), driver="comment", max_length=max_length, hint=dict(hint)
    )

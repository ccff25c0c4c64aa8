"""The widget's interface strings, from the catalogue the hosted page reads.

The survey's definition carries them (its `texts` field), so embed.js carries no language of
its own and says what the hosted form says, in the same words, by construction.
"""

from __future__ import annotations

from typing import Any

from feedback.answers.answer_checks import missing_template
from feedback.core.catalog import KINDS
from feedback.core.i18n import N_, gettext_for

# Each language's name in itself, as the hosted page's language switch shows it.
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}

# The widget's own messages, where the hosted page has no words of its own for them.
_OWN = {
    "tab": N_("Feedback"),
    "close": N_("Close"),
    "saved": N_("Answer saved."),
    "failed": N_("Sorry, your feedback could not be sent."),
    "waiting": N_("Not sent yet. We will keep trying."),
}


def texts_in(lang: str) -> dict[str, Any]:
    """The widget's strings in one language.

    `of` goes between a step's number and the number of steps ("2 of 3"); `missing[kind]` goes
    before the text of a required question of that kind left empty.
    """
    _ = gettext_for(lang).gettext
    return {
        "language": LANGUAGE_NAMES.get(lang, lang),
        "required": _("(required)"),
        "next": _("Next"),
        "send": _("Send"),
        "of": _("%(number)s of %(total)s") % {"number": "", "total": ""},
        "problem": _("There is a problem"),
        "thanks": _("Thank you. Your feedback was sent."),
        **{key: _(message) for key, message in _OWN.items()},
        "missing": {kind: missing_template(kind, _) % {"question": ""} for kind in KINDS},
    }


def widget_texts(languages: list[str]) -> dict[str, dict[str, Any]]:
    """The strings in each of a survey's languages (the widget switches without asking again)."""
    return {lang: texts_in(lang) for lang in languages}

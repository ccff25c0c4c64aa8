"""Channel vocabulary, question kinds and the built-in bilingual survey templates.

Everything here is plain data: no database, no web. Text a person reads is a mapping
from language code to text, so a third language is data, not a schema change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Text = dict[str, str]
"""Text a person reads, per language: {"en": ..., "fr": ...}."""

LANGUAGES: tuple[str, ...] = ("en", "fr")

Mode = Literal["self_service", "assisted"]


@dataclass(frozen=True)
class Channel:
    """One way a citizen meets the service, and whether a person helped."""

    id: str
    label: Text
    mode: Mode


CHANNELS: dict[str, Channel] = {
    c.id: c
    for c in (
        Channel("web", {"en": "Website", "fr": "Site Web"}, "self_service"),
        Channel("mobile_app", {"en": "Mobile app", "fr": "Application mobile"}, "self_service"),
        Channel("kiosk", {"en": "Self-service kiosk", "fr": "Borne libre-service"}, "self_service"),
        Channel(
            "ivr",
            {"en": "Automated phone line", "fr": "Ligne téléphonique automatisée"},
            "self_service",
        ),
        Channel("sms", {"en": "Text message", "fr": "Message texte"}, "self_service"),
        Channel("email", {"en": "Email", "fr": "Courriel"}, "assisted"),
        Channel("chat", {"en": "Live chat", "fr": "Clavardage"}, "assisted"),
        Channel("phone", {"en": "Phone (agent)", "fr": "Téléphone (agent)"}, "assisted"),
        Channel("in_person", {"en": "In person", "fr": "En personne"}, "assisted"),
        Channel("mail", {"en": "Mail / paper", "fr": "Courrier / papier"}, "assisted"),
        Channel("video", {"en": "Video call", "fr": "Appel vidéo"}, "assisted"),
    )
}

MODE_LABELS: dict[Mode, Text] = {
    "self_service": {"en": "Self-service", "fr": "Libre-service"},
    "assisted": {"en": "Assisted", "fr": "Avec aide"},
}

Kind = Literal["yes_no", "rating5", "nps", "ces7", "choice", "multi", "text"]
KINDS: tuple[Kind, ...] = ("yes_no", "rating5", "nps", "ces7", "choice", "multi", "text")

# Inclusive numeric range of each scale kind.
SCALE_RANGES: dict[str, tuple[int, int]] = {"rating5": (1, 5), "nps": (0, 10), "ces7": (1, 7)}

DRIVERS: tuple[str, ...] = (
    "satisfaction",
    "trust",
    "ease",
    "efficiency",
    "timeliness",
    "effectiveness",
    "fairness",
    "courtesy",
    "knowledge",
    "employee",
    "outcome",
    "recommend",
    "task_completion",
    "findability",
    "what_went_well",
    "what_went_badly",
    "other_channel",
    "comment",
)

TEXT_MAX_LENGTH = 2000
"""Upper bound on any free-text answer; a question may set a lower one."""


@dataclass(frozen=True)
class Option:
    """One choice of a choice/multi question, or one labelled point of a scale."""

    id: str
    label: Text


@dataclass(frozen=True)
class ShowIf:
    """Reveal a question only when another question's answer is one of `values`."""

    question: str
    values: tuple[bool | int | str, ...]


@dataclass(frozen=True)
class QuestionSpec:
    """A question of a template. `text` may hold {service} and {task} placeholders."""

    key: str
    kind: Kind
    text: Text
    driver: str | None = None
    required: bool = False
    options: tuple[Option, ...] = ()
    # Labels of scale points, ids being the point's value as a string ("1".."5", "true").
    scale: tuple[Option, ...] = ()
    show_if: ShowIf | None = None
    max_length: int | None = None
    hint: Text | None = None


@dataclass(frozen=True)
class Template:
    """A built-in survey: its wording in every language and its question order."""

    id: str
    title: Text
    description: Text
    questions: tuple[QuestionSpec, ...]
    # Default wording of the placeholders, per language.
    params: dict[str, Text] = field(default_factory=dict)


def fill(text: Text, params: dict[str, Text]) -> Text:
    """Replace {placeholders} in each language's text with that language's value."""
    out: Text = {}
    for lang, value in text.items():
        out[lang] = value.format(**{k: v.get(lang, v.get("en", "")) for k, v in params.items()})
    return out

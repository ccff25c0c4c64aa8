"""Languages: Babel catalogues, negotiation from the request, per-language text picking."""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from feedback.core.catalog import LANGUAGES, Text

LOCALE_DIR = Path(__file__).parent.parent / "locale"
DEFAULT_LANGUAGE = "en"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The message catalogue of `lang`; English is the source language."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT_LANGUAGE or not po.exists():
        return gettext.NullTranslations()
    # Compiled in memory from the .po file so that nothing is built at install time.
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def gettext_for(lang: str) -> gettext.NullTranslations:
    """Translations object for a supported language (English for anything else)."""
    return translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def parse_accept_language(header: str | None) -> list[str]:
    """Primary language subtags from an Accept-Language header, best first."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            ranked.append((-quality, index, tag.strip().split("-")[0].lower()))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(
    requested: str | None, accept_language: str | None, available: tuple[str, ...] | list[str]
) -> str:
    """Pick the language: an explicit `lang=` first, then Accept-Language, then the first one."""
    if requested and requested.lower()[:2] in available:
        return requested.lower()[:2]
    for tag in parse_accept_language(accept_language):
        if tag in available:
            return tag
    return DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in available else available[0]


def pick(text: Text | None, lang: str) -> str:
    """The text in `lang`, falling back to English, then to any language present."""
    if not text:
        return ""
    return text.get(lang) or text.get(DEFAULT_LANGUAGE) or next(iter(text.values()), "")


def N_(message: str) -> str:
    """Mark a message for extraction where it is translated later, at run time."""
    return message


def other_language(lang: str) -> str:
    """The language the toggle switches to."""
    return "fr" if lang == "en" else "en"

"""Remove personal information from free-text comments and hash IPs for rate limits.

Only standard-library regular expressions: detection is deliberately conservative where a false
positive would mangle ordinary feedback (years, amounts, dates, counts), and strict where the
shape is unambiguous (Luhn-checked SIN and card numbers, postal codes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Canonical order of `Scrubbed.removed`, so the UI message does not depend on detection order.
KINDS: tuple[str, ...] = ("email", "phone", "sin", "card", "passport", "postal_code", "address")

# English markers are what is stored; the UI translates the kinds list for the person.
MARKERS: dict[str, str] = {
    "email": "[email removed]",
    "phone": "[phone removed]",
    "sin": "[SIN removed]",
    "card": "[card removed]",
    "passport": "[passport removed]",
    "postal_code": "[postal code removed]",
    "address": "[address removed]",
}
# The marker is written in the language of the comment, so a French comment reads as French.
MARKERS_FR: dict[str, str] = {
    "email": "[courriel retiré]",
    "phone": "[téléphone retiré]",
    "sin": "[NAS retiré]",
    "card": "[carte retirée]",
    "passport": "[passeport retiré]",
    "postal_code": "[code postal retiré]",
    "address": "[adresse retirée]",
}

# The lookbehind keeps the scan linear: a match may only start where a local part can start.
EMAIL_RE = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
# What is removed: the email plus the rest of its token ("a@b.ca2@c.ca"), so no leftover
# fragment can read as an email once a marker stands before it.
_EMAIL_SPAN_RE = re.compile(EMAIL_RE.pattern + r"(?:[\w%+@-]|\.(?=[\w.%+@-]))*")

# Maximal runs of digit groups joined by one space, no-break space or dash. Cards and SINs are
# looked for group by group inside a run, so a failed candidate never hides an overlapping real
# one ("000 046 454 286") and a card followed by another number ("... 1111 2 times") is found.
_DIGIT_RUN_RE = re.compile(r"(?<!\d)\d+(?:[ \u00a0-]\d+)*(?!\d)")
_RUN_SEP_RE = re.compile(r"([ \u00a0-])")

# NANP: area code and exchange start with 2-9, which spares most 10-digit reference numbers.
_PHONE_RE = re.compile(
    r"(?<!\d)(?:\+?1[ .\u00a0-]?)?(?:\([2-9]\d{2}\)|[2-9]\d{2})[ .\u00a0-]?[2-9]\d{2}"
    r"[ .\u00a0-]?\d{4}(?!\d)(?:\s*(?i:ext\.?|extension|x|poste)\s*#?\s*\d{1,6}(?!\d))?"
)

_PASSPORT_RE = re.compile(r"\b[A-Za-z]{2}\d{6}\b")

# Canada Post never uses D F I O Q U, and W Z never start a code.
_POSTAL_RE = re.compile(
    r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ \u00a0-]?\d[ABCEGHJ-NPRSTV-Z]\d\b", re.IGNORECASE
)

# Street names must be capitalised (or ordinals like 5th / 3e): lowercase prose such as
# "3 hours on the road" then never reads as an address.
_NAME = r"(?:[A-ZÀ-ÖØ-Þ][\w'’]*(?:[.-][\w'’]+)*|\d+(?:st|nd|rd|th|e|er|re)\b)"
_UNIT = r"\b(?i:apt|apartment|unit|suite|app|appartement|bureau|logement)\.?\s*#?\s*\d{1,5}\w?\b"
_CIVIC = rf"(?:{_UNIT},?\s+)?\b\d{{1,6}}(?:-\d{{1,6}})?[A-Za-z]?\b,?"
_TAIL = rf"(?:\s+(?:East|West|North|South|Est|Ouest|Nord|Sud|[NSEWO])(?![\w-]))?(?:,?\s+{_UNIT})?"
_EN_TYPES = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|crescent|cres|court|ct|way|"
    "place|pl|terrace|parkway|pkwy|highway|hwy|circle|cir|trail|square|sq"
)
# Types that are never English words after a number, so "45 rue principale" may be lowercase.
_FR_ONLY = "rue|boul|boulevard|bd|chemin|ch|rang|rte|montée|côte|allée|impasse"
_FR_TYPES = f"{_FR_ONLY}|avenue|av|route|place|pl|promenade|prom|croissant|terrasse|carré"
# Between a French type and the name: "boul. ", "chemin du ", "rue de l'".
_FR_GLUE = r"\b\.?\s+(?:(?:de|du|des|la|le|les)\s+|[ldLD]['’])*"
# English puts the type after the name ("123 Main Street"), French before ("45 rue Sainte-...").
_ADDRESS_RE = re.compile(
    rf"{_CIVIC}\s+(?:{_NAME}(?:\s+{_NAME}){{0,2}}\s+(?i:{_EN_TYPES})\b"
    rf"|(?:(?i:{_FR_ONLY}){_FR_GLUE}[^\W\d_][\w'’]*(?:-[\w'’]+)*"
    rf"|(?i:{_FR_TYPES}){_FR_GLUE}{_NAME})(?: +{_NAME}){{0,2}}){_TAIL}"
)


_ANY_DIGIT_RE = re.compile(r"\d")  # the same digits as the patterns' \d

# Given a run's digit groups and a start index, the index of the group ending a match, or None.
_EndFinder = Callable[[list[str], int], int | None]


@dataclass(frozen=True)
class Scrubbed:
    """Cleaned text and the kinds of personal information that were removed from it."""

    text: str
    removed: tuple[str, ...]


def luhn_valid(digits: str) -> bool:
    """Return True when a non-empty string of decimal digits passes the Luhn checksum."""
    # isdecimal() matches exactly what `\d` matches, so every regex hit can be checked here.
    if not digits or not digits.isdecimal():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_end(groups: list[str], start: int) -> int | None:
    """Index of the last group of the longest Luhn-valid card starting at `start`, if any."""
    best = None
    total = 0
    for j in range(start, len(groups)):
        total += len(groups[j])
        if total > 19:
            break
        if total >= 13 and len(groups[j]) >= 3 and luhn_valid("".join(groups[start : j + 1])):
            best = j
        # Printed cards group by 4 to 6 (only the last group may be shorter): this keeps phone
        # numbers (3-3-4) and dates (4-2-2) from being glued into a "card".
        if len(groups[j]) < 4:
            break
    return best


def _sin_end(groups: list[str], start: int) -> int | None:
    """Index of the last group of a Luhn-valid SIN (9 digits or 3-3-3) at `start`, if any."""
    if len(groups[start]) == 9:
        end = start
    elif [len(g) for g in groups[start : start + 3]] == [3, 3, 3]:
        end = start + 2
    else:
        return None
    # A 9-digit number failing Luhn is some other reference number: keep it.
    return end if luhn_valid("".join(groups[start : end + 1])) else None


def _run_replacer(kind: str, find_end: _EndFinder) -> Callable[[re.Match[str]], str]:
    """Replacement function rewriting a digit run with each `kind` span found by `find_end`."""

    def replace(match: re.Match[str]) -> str:
        parts = _RUN_SEP_RE.split(match.group(0))
        groups, seps = parts[0::2], parts[1::2]
        pieces: list[str] = []
        i = 0
        while i < len(groups):
            end = find_end(groups, i)
            pieces.append(groups[i] if end is None else MARKERS[kind])
            i = (i if end is None else end) + 1
            if i < len(groups):
                pieces.append(seps[i - 1])
        return "".join(pieces)

    return replace


def _marker(kind: str) -> Callable[[re.Match[str]], str]:
    """Replacement function that always substitutes the marker of `kind`."""
    return lambda _match: MARKERS[kind]


# Detection order: emails first (they may hold digits), then cards (the longest digit runs),
# then Luhn-checked SINs, then phones, so no shorter pattern eats part of a longer number.
_PASSES: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    ("email", _EMAIL_SPAN_RE, _marker("email")),
    ("card", _DIGIT_RUN_RE, _run_replacer("card", _card_end)),
    ("sin", _DIGIT_RUN_RE, _run_replacer("sin", _sin_end)),
    ("phone", _PHONE_RE, _marker("phone")),
    ("passport", _PASSPORT_RE, _marker("passport")),
    ("postal_code", _POSTAL_RE, _marker("postal_code")),
    ("address", _ADDRESS_RE, _marker("address")),
)


def scrub(text: str, lang: str = "en") -> Scrubbed:
    """Replace personal information with markers written in `lang`; list the kinds removed."""
    found: set[str] = set()
    # Every pass needs an "@" (email) or a digit (the others): most comments have neither,
    # and are then left as they are without running seven patterns over them.
    has_at, has_digit = "@" in text, _ANY_DIGIT_RE.search(text) is not None
    for kind, pattern, replace in _PASSES:
        if not (has_at if kind == "email" else has_digit):
            continue
        new_text = pattern.sub(replace, text)
        # Luhn-checked passes may leave every candidate untouched, so compare, don't count.
        if new_text != text:
            found.add(kind)
            text = new_text
    if lang == "fr":
        for kind in found:
            text = text.replace(MARKERS[kind], MARKERS_FR[kind])
    return Scrubbed(text=text, removed=tuple(k for k in KINDS if k in found))

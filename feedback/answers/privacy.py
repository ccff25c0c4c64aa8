"""Remove personal information from free-text comments, in time linear in the text.

Only standard-library regular expressions, written so that no pattern can backtrack more
than a bounded amount at any position: every run of spaces, digits or letters that two
parts of a pattern could share is matched possessively (`\\s++`, Python 3.11), and the
separators between parts are a few characters at most. tests/answers/test_privacy_speed.py times
crafted worst cases against ordinary text of the same length, and bench/scrub_speed.py prints
the ratios. Detection is conservative where a false positive would mangle ordinary feedback
(years, amounts, dates, counts) and strict where the shape is unambiguous (Luhn-checked SIN
and card numbers, postal codes).

Text is matched in its NFKC form (full-width digits and `＠` read as ASCII ones, no-break
spaces as spaces, any script's decimal digits as ASCII ones), and each match is replaced in
the original text, so nothing a person wrote is changed except what is removed. A character
whose NFKC form is long and holds no digit or "@" (U+FDFA is 18 characters) is matched as it
is, so crafted text cannot grow the work past a few times its length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

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

# Dashes people type between digit groups once NFKC has made ASCII of what it can
# (hyphen, figure dash, en dash, em dash, horizontal bar, minus).
_DASHES = "\\-\u2010\u2012\u2013\u2014\u2015\u2212"
# Between digit groups: a dot or dash with at most a space each side ("613 - 555"), or one or
# two spaces. Possessive, and a digit must follow: nothing to try again at any position.
_SEP = f"(?: [.{_DASHES}]?+ ?+|[.{_DASHES}] ?+)"

# The lookbehind keeps the scan linear: a match may only start where a local part can start.
# Up to three spaces round "@", or "(at)" / "[at]", is an email written to dodge filters
# ("john  @  example.com", "john [at] example.com"); the domain must still end in ".tld".
_AT = r" {0,3}+(?:@|\((?i:at)\)|\[(?i:at)\]) {0,3}+"
_AT_WORD_RE = re.compile(r"\((?i:at)\)|\[(?i:at)\]")
EMAIL_RE = re.compile(rf"(?<![\w.%+-])[\w.%+-]++{_AT}[\w-]++(?:\.[\w-]++)*\.[^\W\d_]{{2,}}")
# What is removed: the email plus the rest of its token ("a@b.ca2@c.ca"), so no leftover
# fragment can read as an email once a marker stands before it.
_EMAIL_SPAN_RE = re.compile(EMAIL_RE.pattern + r"(?:[\w%+@-]|\.(?=[\w.%+@-]))*+")

# Maximal runs of digit groups joined by one separator. Cards and SINs are looked for group
# by group inside a run, so a failed candidate never hides an overlapping real one
# ("000 046 454 286") and a card followed by another number ("... 1111 2 times") is found.
# A run must span 9 characters to hold a SIN or card: the lookahead skips short ones ("(20)")
# in C, not one by one in Python (if it fails at a run's start it fails at every later one).
_DIGIT_RUN_RE = re.compile(rf"(?<!\d)(?=[\d .{_DASHES}]{{9}})\d++(?:{_SEP}\d++)*+")
_GROUP_RE = re.compile(r"\d+")
_THREE_DIGITS = re.compile(r"\d{3}")  # a run without one holds neither a card nor a SIN

# NANP: area code and exchange start with 2-9, which spares most 10-digit reference numbers.
_PHONE_RE = re.compile(
    rf"(?<!\d)(?:\+?1{_SEP}?)?(?:\([2-9]\d{{2}}\)|[2-9]\d{{2}}){_SEP}?+[2-9]\d{{2}}"
    rf"{_SEP}?+\d{{4}}(?!\d)(?:\s*+(?i:ext\.?|extension|x|poste)\s*+#?+\s*+\d{{1,6}}(?!\d))?+"
)

# Two letters and six digits; with a space between, the letters must be capitals and not a
# common word or abbreviation ("ID 123456", "no 123456" are file numbers).
_NOT_PASSPORT = "ID|NO|NR|PO|TO|IS|IN|ON|AT|OF|OR|BY|AN|AS|IT|DE|DU|LA|LE|ET|EN|AU|UN|SI|CE|QC"
# Right after the word passport / passeport, the spaced form may be lower case too
# ("passport ab 123456", "passeport no : ab 123456"); only the number (group "id") is removed.
_PASSPORT_RE = re.compile(
    rf"\b(?:[A-Za-z]{{2}}|(?!(?:{_NOT_PASSPORT}) )[A-Z]{{2}} )\d{{6}}\b"
    r"|\b(?i:passe?port(?:[^\w\n]{1,3}+(?:no|number|num[ée]ro|n[°o])\b\.?+)?+[^\w\n]{1,3}+)"
    rf"(?P<id>(?!(?i:{_NOT_PASSPORT}) )[A-Za-z]{{2}} \d{{6}}\b)"
)

# Canada Post never uses D F I O Q U, and W Z never start a code.
_POSTAL_RE = re.compile(
    r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d\b", re.IGNORECASE
)

# Street names written with a capital (or ordinals like 5th / 3e) may be anything; names in
# lower case must not be common words, so "3 hours down the road" never reads as an address.
_NAME = r"(?:[A-ZÀ-ÖØ-Þ][\w'’]*+(?:[.-][\w'’]++)*+|\d++(?:st|nd|rd|th|e|er|re)\b)"
_STOP = (
    "the|a|an|on|in|at|to|of|for|by|from|with|and|or|but|my|our|your|his|her|their|this|that|"
    "these|those|down|up|along|across|over|off|into|onto|per|each|every|more|less|than|other|"
    "same|wrong|long|short|whole|full|extra|hours?|hrs?|mins?|minutes?|days?|weeks?|months?|"
    "years?|times?|people|persons?|calls?|km|miles?|blocks?|steps?|seconds?|secs?|lines?|pages?"
)
_LOW_NAME = rf"(?:(?!(?:{_STOP})\b)[a-zß-öø-ÿ][\w'’]*+(?:[.-][\w'’]++)*+)"
_UNIT = (
    r"\b(?i:apt|apartment|unit|suite|app|appartement|bureau|logement)\.?+\s*+#?+\s*+\d{1,5}\w?\b"
)
_CIVIC = rf"(?:{_UNIT},?+\s++)?\b\d{{1,6}}(?:-\d{{1,6}})?[A-Za-z]?\b,?+"
_TAIL = (
    rf"(?:\s++(?:East|West|North|South|Est|Ouest|Nord|Sud|[NSEWO])(?![\w-]))?(?:,?+\s++{_UNIT})?"
)
_EN_TYPES = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|crescent|cres|court|ct|way|"
    "place|pl|terrace|parkway|pkwy|highway|hwy|circle|cir|trail|square|sq"
)
# Types that follow lower-case names: never a common word after one ("2 more at the court").
_EN_STRONG = "street|st|avenue|ave|road|rd|boulevard|blvd|drive|crescent|cres|lane|parkway|pkwy"
# Types that are never English words after a number, so "45 rue principale" may be lowercase.
_FR_ONLY = "rue|boul|boulevard|bd|chemin|ch|rang|rte|montée|côte|allée|impasse"
_FR_TYPES = f"{_FR_ONLY}|avenue|av|route|place|pl|promenade|prom|croissant|terrasse|carré"
# Between a French type and the name: "boul. ", "chemin du ", "rue de l'".
_FR_GLUE = r"\b\.?+\s++(?:(?:de|du|des|la|le|les)\s++|[ldLD]['’])*+"
# The same with at least one article: "45 avenue des pins" may then be lowercase too.
_FR_ARTICLE = r"\b\.?+\s++(?:(?:de|du|des|la|le|les)\s++|[ldLD]['’])++"
_FR_WORD = r"[^\W\d_][\w'’]*+(?:-[\w'’]++)*+"
# English puts the type after the name ("123 Main Street"), French before ("45 rue Sainte-...").
_ADDRESS_RE = re.compile(
    rf"{_CIVIC}\s++(?:{_NAME}(?:\s++{_NAME}){{0,2}}\s++(?i:{_EN_TYPES})\b"
    rf"|{_LOW_NAME}(?:\s++{_LOW_NAME}){{0,2}}\s++(?i:{_EN_STRONG})\b"
    rf"|(?:(?i:{_FR_ONLY}){_FR_GLUE}{_FR_WORD}|(?i:{_FR_TYPES}){_FR_ARTICLE}{_FR_WORD}"
    rf"|(?i:{_FR_TYPES}){_FR_GLUE}{_NAME})(?: ++{_NAME}){{0,2}}){_TAIL}"
)

_DOUBLED = str.maketrans("0123456789", "0246813579")
_ANY_DIGIT_RE = re.compile(r"\d")  # the same digits as the patterns' \d
_OTHER_DIGIT_RE = re.compile(r"[^\D0-9]")  # a decimal digit of another script than ASCII
_KEEPS_FORM_RE = re.compile(r"[\d@]")
_SHORT_FORM = 4  # longest NFKC form used for matching unless it holds a digit or "@"
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")
_MASK = "\x00"  # stands in for removed text: no pattern matches it, positions stay put

# Given a run's digit groups and a start index, the index of the group ending a match, or None.
_EndFinder = Callable[[list[str], int], int | None]
# A pass: the (start, end) spans to remove from the (normalised, masked) text.
_Finder = Callable[[str], Iterator[tuple[int, int]]]


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
    if not digits.isascii():  # other scripts' decimal digits, as `\d` matches them
        digits = "".join(str(int(ch)) for ch in digits)
    # Every second digit from the right doubled (less 9 past 9), by table: run on every
    # candidate of every digit run, so kept to a few C-level calls.
    backwards = digits[::-1]
    doubled = backwards[1::2].translate(_DOUBLED)
    return (sum(map(int, backwards[0::2])) + sum(map(int, doubled))) % 10 == 0


def _card_end(groups: list[str], start: int) -> int | None:
    """Index of the last group of the longest Luhn-valid card starting at `start`, if any."""
    if len(groups[start]) < 4:
        return None  # the loop below would stop at once: spare the call's work
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
    size = len(groups[start])
    if size == 9:
        end = start
    elif (
        size == 3
        and start + 2 < len(groups)
        and len(groups[start + 1]) == 3 == len(groups[start + 2])
    ):
        end = start + 2
    else:
        return None
    # A 9-digit number failing Luhn is some other reference number: keep it.
    return end if luhn_valid("".join(groups[start : end + 1])) else None


def _run_finder(find_end: _EndFinder) -> _Finder:
    """A pass removing, inside each digit run, the groups `find_end` says make one number."""

    def find(text: str) -> Iterator[tuple[int, int]]:
        for run in _DIGIT_RUN_RE.finditer(text):
            digits = run.group(0)
            if _THREE_DIGITS.search(digits) is None:
                continue  # "1 2 3 4 ...": nothing to find, however long
            spans = [g.span() for g in _GROUP_RE.finditer(digits)]
            groups = [digits[a:b] for a, b in spans]
            i = 0
            while i < len(groups):
                end = find_end(groups, i)
                if end is not None:
                    yield run.start() + spans[i][0], run.start() + spans[end][1]
                    i = end
                i += 1

    return find


def _pattern_finder(pattern: re.Pattern[str]) -> _Finder:
    # A named group "id" that took part is what is removed; the rest is context.
    return lambda text: (
        m.span("id") if "id" in pattern.groupindex and m.start("id") >= 0 else m.span()
        for m in pattern.finditer(text)
    )


# Detection order: emails first (they may hold digits), then cards (the longest digit runs),
# then Luhn-checked SINs, then phones, so no shorter pattern eats part of a longer number.
_PASSES: tuple[tuple[str, _Finder], ...] = (
    ("email", _pattern_finder(_EMAIL_SPAN_RE)),
    ("card", _run_finder(_card_end)),
    ("sin", _run_finder(_sin_end)),
    ("phone", _pattern_finder(_PHONE_RE)),
    ("passport", _pattern_finder(_PASSPORT_RE)),
    ("postal_code", _pattern_finder(_POSTAL_RE)),
    ("address", _pattern_finder(_ADDRESS_RE)),
)


def _ascii_digits(text: str) -> str:
    """`text` with every decimal digit of any script as its ASCII digit (lengths unchanged)."""
    digits = set(_OTHER_DIGIT_RE.findall(text))
    if not digits:
        return text
    return text.translate({ord(d): str(unicodedata.decimal(d)) for d in digits})


@lru_cache(maxsize=4096)
def _form(ch: str) -> str:
    """How one character is matched: its NFKC form, unless NFKC drops it, or makes it long
    (U+FDFA, 18 characters) with no digit or "@" to find in it; then the character itself."""
    form = _ascii_digits(unicodedata.normalize("NFKC", ch))
    if not form or (len(form) > _SHORT_FORM and _KEEPS_FORM_RE.search(form) is None):
        return ch
    return form


def _one_to_one() -> dict[int, str]:
    """Characters whose NFKC form is one ASCII character: spaces, full-width forms, `＠`."""
    table = {}
    for code in [0xA0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000, *range(0xFF01, 0xFF5F)]:
        form = unicodedata.normalize("NFKC", chr(code))
        if len(form) == 1 and form.isascii():
            table[code] = form
    table[0xFE6B] = "@"  # small commercial at
    return table


_ONE_TO_ONE = _one_to_one()


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """`text` in NFKC, character by character, and the original index of each character
    (None when every character kept its place); only non-ASCII characters that the common
    one-to-one table does not cover are looked at one by one."""
    if text.isascii():
        return text, None
    text = _ascii_digits(text.translate(_ONE_TO_ONE))  # the same length: positions unchanged
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text, None
    parts: list[str] = []
    origin: list[int] = []
    pos = 0
    for run in _NON_ASCII_RE.finditer(text):
        parts.append(text[pos : run.start()])
        origin.extend(range(pos, run.start()))
        forms = list(map(_form, run.group()))  # C-level loops: this is the per-character cost
        parts += forms
        origin += [i for i, form in enumerate(forms, run.start()) for _ in form]
        pos = run.end()
    parts.append(text[pos:])
    origin.extend(range(pos, len(text)))
    return "".join(parts), origin


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each span overwritten by the mask, in one pass."""
    pieces, pos = [], 0
    for start, end in spans:
        pieces += [text[pos:start], _MASK * (end - start)]
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def scrub(text: str, lang: str = "en") -> Scrubbed:
    """Replace personal information with markers written in `lang`; list the kinds removed."""
    # Every pass needs an "@" (email) or a digit (the others): most comments have neither,
    # and are then left as they are without running seven patterns over them.
    norm, origin = _normalised(text)
    has_at = "@" in norm or _AT_WORD_RE.search(norm) is not None
    has_digit = _ANY_DIGIT_RE.search(norm) is not None
    if not has_at and not has_digit:
        return Scrubbed(text=text, removed=())
    found: list[tuple[int, int, str]] = []
    for kind, find in _PASSES:
        if not (has_at if kind == "email" else has_digit):
            continue
        spans = list(find(norm))
        if spans:
            found += [(start, end, kind) for start, end in spans]
            norm = _masked(norm, spans)  # later passes never see what was removed
    if not found:
        return Scrubbed(text=text, removed=())
    markers = MARKERS_FR if lang == "fr" else MARKERS
    pieces, pos = [], 0
    for start, end, kind in sorted(found):
        if origin is not None:
            start, end = origin[start], origin[end - 1] + 1
        if start < pos:  # two spans inside one original character: already replaced
            continue
        pieces += [text[pos:start], markers[kind]]
        pos = end
    pieces.append(text[pos:])
    kinds = {kind for _start, _end, kind in found}
    return Scrubbed(text="".join(pieces), removed=tuple(k for k in KINDS if k in kinds))

"""Remove personal information from free-text comments, in time linear in the text.

The patterns, and why none can backtrack far, are in `privacy_patterns`; here are the
passes that run them, the Luhn check that confirms card and SIN numbers, and the mapping
between the text as written and the text as matched.

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

from feedback.answers.privacy_patterns import (
    ADDRESS_RE,
    AT_WORD_RE,
    DIGIT_RUN_RE,
    EMAIL_SPAN_RE,
    GROUP_RE,
    KINDS,
    MARKERS,
    MARKERS_FR,
    PASSPORT_RE,
    PHONE_RE,
    POSTAL_RE,
    THREE_DIGITS,
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
        for run in DIGIT_RUN_RE.finditer(text):
            digits = run.group(0)
            if THREE_DIGITS.search(digits) is None:
                continue  # "1 2 3 4 ...": nothing to find, however long
            spans = [g.span() for g in GROUP_RE.finditer(digits)]
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
    ("email", _pattern_finder(EMAIL_SPAN_RE)),
    ("card", _run_finder(_card_end)),
    ("sin", _run_finder(_sin_end)),
    ("phone", _pattern_finder(PHONE_RE)),
    ("passport", _pattern_finder(PASSPORT_RE)),
    ("postal_code", _pattern_finder(POSTAL_RE)),
    ("address", _pattern_finder(ADDRESS_RE)),
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
    has_at = "@" in norm or AT_WORD_RE.search(norm) is not None
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

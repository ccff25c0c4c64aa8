"""What the scrubber looks for, as data: the kinds of personal information, the markers that
replace them in English and French, and the patterns that find each kind.

Only standard-library regular expressions, written so that no pattern can backtrack more
than a bounded amount at any position: every run of spaces, digits or letters that two
parts of a pattern could share is matched possessively (`\\s++`, Python 3.11), and the
separators between parts are a few characters at most. tests/answers/test_privacy_speed.py times
crafted worst cases against ordinary text of the same length, and bench/scrub_speed.py prints
the ratios. Detection is conservative where a false positive would mangle ordinary feedback
(years, amounts, dates, counts) and strict where the shape is unambiguous (Luhn-checked SIN
and card numbers, postal codes).
"""

from __future__ import annotations

import re

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
AT_WORD_RE = re.compile(r"\((?i:at)\)|\[(?i:at)\]")
EMAIL_RE = re.compile(rf"(?<![\w.%+-])[\w.%+-]++{_AT}[\w-]++(?:\.[\w-]++)*\.[^\W\d_]{{2,}}")
# What is removed: the email plus the rest of its token ("a@b.ca2@c.ca"), so no leftover
# fragment can read as an email once a marker stands before it.
EMAIL_SPAN_RE = re.compile(EMAIL_RE.pattern + r"(?:[\w%+@-]|\.(?=[\w.%+@-]))*+")

# Maximal runs of digit groups joined by one separator. Cards and SINs are looked for group
# by group inside a run, so a failed candidate never hides an overlapping real one
# ("000 046 454 286") and a card followed by another number ("... 1111 2 times") is found.
# A run must span 9 characters to hold a SIN or card: the lookahead skips short ones ("(20)")
# in C, not one by one in Python (if it fails at a run's start it fails at every later one).
DIGIT_RUN_RE = re.compile(rf"(?<!\d)(?=[\d .{_DASHES}]{{9}})\d++(?:{_SEP}\d++)*+")
GROUP_RE = re.compile(r"\d+")
THREE_DIGITS = re.compile(r"\d{3}")  # a run without one holds neither a card nor a SIN

# NANP: area code and exchange start with 2-9, which spares most 10-digit reference numbers.
PHONE_RE = re.compile(
    rf"(?<!\d)(?:\+?1{_SEP}?)?(?:\([2-9]\d{{2}}\)|[2-9]\d{{2}}){_SEP}?+[2-9]\d{{2}}"
    rf"{_SEP}?+\d{{4}}(?!\d)(?:\s*+(?i:ext\.?|extension|x|poste)\s*+#?+\s*+\d{{1,6}}(?!\d))?+"
)

# Two letters and six digits; with a space between, the letters must be capitals and not a
# common word or abbreviation ("ID 123456", "no 123456" are file numbers).
_NOT_PASSPORT = "ID|NO|NR|PO|TO|IS|IN|ON|AT|OF|OR|BY|AN|AS|IT|DE|DU|LA|LE|ET|EN|AU|UN|SI|CE|QC"
# Right after the word passport / passeport, the spaced form may be lower case too
# ("passport ab 123456", "passeport no : ab 123456"); only the number (group "id") is removed.
PASSPORT_RE = re.compile(
    rf"\b(?:[A-Za-z]{{2}}|(?!(?:{_NOT_PASSPORT}) )[A-Z]{{2}} )\d{{6}}\b"
    r"|\b(?i:passe?port(?:[^\w\n]{1,3}+(?:no|number|num[ée]ro|n[°o])\b\.?+)?+[^\w\n]{1,3}+)"
    rf"(?P<id>(?!(?i:{_NOT_PASSPORT}) )[A-Za-z]{{2}} \d{{6}}\b)"
)

# Canada Post never uses D F I O Q U, and W Z never start a code.
POSTAL_RE = re.compile(
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
ADDRESS_RE = re.compile(
    rf"{_CIVIC}\s++(?:{_NAME}(?:\s++{_NAME}){{0,2}}\s++(?i:{_EN_TYPES})\b"
    rf"|{_LOW_NAME}(?:\s++{_LOW_NAME}){{0,2}}\s++(?i:{_EN_STRONG})\b"
    rf"|(?:(?i:{_FR_ONLY}){_FR_GLUE}{_FR_WORD}|(?i:{_FR_TYPES}){_FR_ARTICLE}{_FR_WORD}"
    rf"|(?i:{_FR_TYPES}){_FR_GLUE}{_NAME})(?: ++{_NAME}){{0,2}}){_TAIL}"
)

"""Urgent comments: a threat, thoughts of self-harm, or someone in danger, in English or French.

A maintained list of phrases, matched on word boundaries over the text folded to lowercase
without accents, flags a comment as it is stored (microseconds, so a citizen never waits).
Idioms that use the same words harmlessly ("kill time", "dying to know", "shoot me an email")
are removed before matching. The false-positive rate is measured on a corpus of innocent
texts (tests/comments/test_comments_urgent.py); a flag is a prompt for a person to read the comment,
never a verdict.
"""

from __future__ import annotations

import re

from feedback.comments.text import fold

# (reason, patterns). Patterns are regular expressions over folded text; \b marks words.
# fmt: off
PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("self_harm", (
        r"kill (my ?self|me)\b(?! time)", r"end (it all|my life)", r"suicid\w*",
        r"take my (own )?life", r"want(ed)? to die", r"better off dead", r"hurt myself",
        r"no reason to live", r"me (tuer|suicider)", r"mettre fin a (mes jours|ma vie)",
        r"envie de mourir", r"veux mourir", r"en finir avec la vie", r"me faire du mal",
    )),
    ("threat", (
        r"(i'?ll|i will|going to|gonna) (kill|shoot|stab|hurt|beat|attack)\b(?! time)",
        r"(bomb|blow up|burn down|shoot up) (the|your|this) (office|building|place)",
        r"\b(bring|bringing) a (gun|knife|weapon)", r"you('ll| will) (pay|regret)",
        r"watch your back", r"je vais (te |vous |les |le |la )?(tuer|frapper|poignarder)",
        r"faire sauter (le|votre|ce) (bureau|batiment|immeuble)",
        r"mettre le feu (au|a votre) (bureau|batiment)", r"vous allez le regretter",
        r"(apporter|amener) une? (arme|fusil|couteau)",
    )),
    ("danger", (
        r"(he|she|they|my (husband|wife|partner|father|mother)) (beats?|hits?) (me|my|the)",
        r"(child|kid|baby|senior|elder)\w* (is|are) (being )?(abused|hurt|in danger)",
        r"abus(e|ed|ing) (my|the|a) (child|kid|senior|parent)", r"not safe at home",
        r"afraid for my life",
        r"(il|elle|mon (mari|conjoint|pere)|ma (femme|conjointe|mere)) me (bat|frappe)",
        r"violence conjugale",
        r"(enfant|aine) (est |sont )?(maltraite|en danger)", r"peur pour ma vie",
        r"pas en securite (chez moi|a la maison)",
    )),
)
# Harmless uses of the same words, removed before matching.
IDIOMS: tuple[str, ...] = (
    r"kill(ing|ed)? (some |the )?time", r"dying to (know|see|try|get)",
    r"shoot me an? (e-?mail|message|note|line|text)",
    r"killer (app|feature|deal)", r"(this|that|the wait|it) (is|was) killing me", r"to die for",
    r"bored to death", r"scared me to death", r"drop[ -]dead", r"deadline",
    r"shoot (for|a quick)", r"tuer le temps", r"mort de rire", r"je meurs d'envie",
)
# fmt: on
_COMPILED = tuple(
    (reason, re.compile(r"\b(?:" + "|".join(patterns) + r")")) for reason, patterns in PHRASES
)
_IDIOMS = re.compile(r"\b(?:" + "|".join(IDIOMS) + r")\b")
REASONS = tuple(reason for reason, _ in PHRASES)


def reason(text: str) -> str | None:
    """Why a comment is urgent ("self_harm", "threat", "danger"), or None."""
    folded = _IDIOMS.sub(" ", fold(text).replace("’", "'"))
    for why, pattern in _COMPILED:
        if pattern.search(folded):
            return why
    return None

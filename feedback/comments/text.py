"""Comment text folded for search, and the words counted as frequent terms.

Search must ignore case and accents and match word forms in English and French ("attente"
finds "L'attente", "etait" finds "était", "wait" finds "waiting"), and give the same answers
on SQLite and PostgreSQL. So the folding happens here, in Python, once: each word is
lowered, stripped of its accents and cut to its Snowball stem in both languages (a query's
language is unknown, and a French comment often holds English words). The index holds those
stems; a query word matches a comment holding either of its two stems.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

from feedback.comments.stopwords import BY_LANGUAGE

_STEMMERS = (snowballstemmer.stemmer("english"), snowballstemmer.stemmer("french"))
_FOLDED_WORD = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
MAX_QUERY_WORDS = 8
MIN_TERM = 3
MAX_TERM = 60


def fold(text: str) -> str:
    """Lowercase without accents: "L'Été" -> "l'ete"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    # Apostrophes split words, so the elided article of "l'attente" is a one-letter word
    # (dropped) and "attente" stands alone.
    return [w for w in _FOLDED_WORD.findall(fold(text)) if len(w) > 1 and w != "qu"]


@lru_cache(maxsize=50_000)
def stems(word: str) -> tuple[str, ...]:
    """A folded word's English and French stems (one when they agree)."""
    found = tuple(dict.fromkeys(s.stemWord(word) for s in _STEMMERS))
    return tuple(s for s in found if s)


def index_terms(text: str) -> str:
    """What the full-text index holds for a comment: its distinct stems, space separated."""
    out: dict[str, None] = {}
    for word in _words(text):
        for stem in stems(word):
            out[stem] = None
    return " ".join(out)


def query_terms(text: str) -> list[tuple[str, ...]]:
    """A search's words, each as the stems that match it (every word must match)."""
    seen: dict[tuple[str, ...], None] = {}
    for word in _words(text)[:MAX_QUERY_WORDS]:
        seen[stems(word)] = None
    return [alternatives for alternatives in seen if alternatives]


def fts5_query(words: list[tuple[str, ...]]) -> str:
    """SQLite FTS5 MATCH text: `("wait") AND ("attent" OR "attente")`; stems are [a-z0-9]."""
    return " AND ".join("(" + " OR ".join(f'"{s}"' for s in alts) + ")" for alts in words)


def tsquery(words: list[tuple[str, ...]]) -> str:
    """PostgreSQL to_tsquery('simple', ...) text of the same query."""
    return " & ".join("(" + " | ".join(f"'{s}'" for s in alts) + ")" for alts in words)


def terms(text: str, lang: str) -> set[str]:
    """The distinct content words of one comment as people wrote them, lowered (term counts).

    French elisions (l', d', qu'...) are split off; words under three letters, numbers and
    stop words are left out. A word counts once per comment.
    """
    stop = BY_LANGUAGE.get(lang, frozenset())
    out = set()
    for match in _WORD.finditer(text.lower().replace("’", "'")):
        word = _ELISION.sub("", match.group())
        if MIN_TERM <= len(word) <= MAX_TERM and word not in stop:
            out.add(word)
    return out

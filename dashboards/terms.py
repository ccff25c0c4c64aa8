"""The most frequent terms of comments per period and language, stop words removed.

A term counts once per comment (how many people mentioned it, not how often one person
repeated it). French elisions (l’, d’, qu’…) are split off; words under three letters,
numbers and stop words (dashboards.stopwords) are left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from dashboards import series
from dashboards.stopwords import BY_LANGUAGE

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
MIN_LENGTH = 3


def tokens(text: str, lang: str) -> set[str]:
    """The distinct content words of one comment, lowercased."""
    stop = BY_LANGUAGE.get(lang, frozenset())
    out = set()
    for match in _WORD.finditer(text.lower().replace("’", "'")):
        word = _ELISION.sub("", match.group())
        if len(word) >= MIN_LENGTH and word not in stop:
            out.add(word)
    return out


@dataclass
class PeriodTerms:
    """One period's comment count and top terms, per language."""

    period: date
    comments: Counter[str] = field(default_factory=Counter)
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def top(self, lang: str, n: int = 8) -> list[tuple[str, int]]:
        """The `n` terms most comments in `lang` mention, ties in alphabetical order."""
        counter = self.counts.get(lang, Counter())
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def by_period(
    comments: Iterable[tuple[date, str, str]], *, grain: str, languages: Iterable[str]
) -> list[PeriodTerms]:
    """Term counts per period (newest first) from (day, language, text) triples."""
    wanted = tuple(languages)
    periods: dict[date, PeriodTerms] = {}
    for day, lang, text in comments:
        if lang not in wanted:
            continue
        start = series.period_start(day, grain)
        bucket = periods.setdefault(start, PeriodTerms(start))
        bucket.comments[lang] += 1
        bucket.counts.setdefault(lang, Counter()).update(tokens(text, lang))
    return [periods[p] for p in sorted(periods, reverse=True)]

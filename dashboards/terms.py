"""The most frequent terms of comments per period and language, for the comments page.

The counts come from the daily term aggregates (feedback.comments.counts); a term counts
once per comment (how many people mentioned it, not how often one person repeated it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date


@dataclass
class PeriodTerms:
    """One period's comment count and top terms, per language."""

    period: date
    comments: Counter[str] = field(default_factory=Counter)
    counts: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def top(self, lang: str, n: int = 8) -> list[tuple[str, int]]:
        """The `n` terms most comments in `lang` mention, ties in alphabetical order."""
        return sorted(self.counts.get(lang, []), key=lambda kv: (-kv[1], kv[0]))[:n]


def period_terms(
    period: date, comments: dict[str, int], top: dict[str, list[tuple[str, int]]]
) -> PeriodTerms | None:
    """A period's row of the terms table; None when it has no comments."""
    if not any(comments.values()):
        return None
    return PeriodTerms(period, Counter(comments), top)

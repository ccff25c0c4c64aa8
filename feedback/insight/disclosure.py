"""Disclosure control for published tables: withhold small cells, then enough others that no
withheld cell can be worked out from the published ones by any sum or difference.

A published table here is a total and groups of parts that add up to it (a scorecard's
channels, and its quarters). A cell with fewer answers than the minimum is withheld
(primary); where a group would then have one withheld part, that part equals the total
minus the published parts, so the smallest other part with answers is withheld too
(secondary). Two or more unknowns in a group's one equation leave each one unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    """A published figure's key and the number of answers behind it."""

    key: str
    n: int


def withheld(total: Cell, groups: Sequence[Sequence[Cell]], minimum: int) -> frozenset[str]:
    """The keys to withhold: primary (0 < n < minimum) and the secondary ones they need."""
    out = {c.key for g in groups for c in g if 0 < c.n < minimum}
    if 0 < total.n < minimum:
        out.add(total.key)
    changed = True
    while changed:
        changed = False
        for group in groups:
            hidden = [c for c in group if c.key in out and c.n > 0]
            if len(hidden) != 1 or total.key in out:
                continue
            shown = sorted(
                (c for c in group if c.key not in out and c.n > 0), key=lambda c: (c.n, c.key)
            )
            if shown:
                out.add(shown[0].key)
            else:  # nothing else to hide: the lone part is the total, so hide the total
                out.add(total.key)
            changed = True
        # A withheld total with a group whose parts are all published would be recovered
        # as their sum: hide a part of that group as well (then the rule above pairs it).
        if total.key in out:
            for group in groups:
                if not any(c.key in out for c in group if c.n > 0):
                    shown = sorted((c for c in group if c.n > 0), key=lambda c: (c.n, c.key))
                    if shown:
                        out.add(shown[0].key)
                        changed = True
    return frozenset(out)

"""Secondary suppression: no withheld scorecard figure can be worked out from the others."""

from __future__ import annotations

import itertools
import random

import numpy as np

from feedback.insight.disclosure import Cell, withheld

MIN = 10


def _table(rng: random.Random) -> tuple[int, list[int], list[int]]:
    """A total with channel parts and quarter parts that both add up to it."""
    channels = [rng.choice([0, 1, 2, 3, 5, 8, 9, 12, 30, 200]) for _ in range(rng.randint(1, 6))]
    total = sum(channels)
    cuts = sorted(rng.randint(0, total) for _ in range(3))
    quarters = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    return total, channels, quarters


def _recoverable(
    total: int, channels: list[int], quarters: list[int], hidden: set[str]
) -> list[str]:
    """Hidden cells fixed by the published ones: any linear combination of the equations
    total = sum(channels) = sum(quarters), found through the null space of the unknowns."""
    keys = (
        ["overall"]
        + [f"c{i}" for i in range(len(channels))]
        + [f"q{i}" for i in range(len(quarters))]
    )
    unknown = [k for k in keys if k in hidden]
    if not unknown:
        return []
    rows = []
    for prefix, size in (("c", len(channels)), ("q", len(quarters))):
        row = {"overall": 1.0} | {f"{prefix}{i}": -1.0 for i in range(size)}
        rows.append([row.get(k, 0.0) for k in unknown])
    a = np.array(rows)
    _, s, vt = np.linalg.svd(a)
    rank = int((s > 1e-9).sum())
    null = vt[rank:]  # basis of the unknowns' freedom
    return [k for j, k in enumerate(unknown) if null.shape[0] == 0 or np.allclose(null[:, j], 0)]


def _withheld_keys(total: int, channels: list[int], quarters: list[int]) -> set[str]:
    cells = withheld(
        Cell("overall", total),
        [[Cell(f"c{i}", n) for i, n in enumerate(channels)],
         [Cell(f"q{i}", n) for i, n in enumerate(quarters)]],
        MIN,
    )  # fmt: skip
    return set(cells)


def test_primary_cells_are_withheld_and_nothing_else_without_need() -> None:
    assert _withheld_keys(300, [200, 100], [75, 75, 75, 75]) == set()
    hidden = _withheld_keys(212, [200, 3, 9], [53, 53, 53, 53])
    assert {"c1", "c2"} <= hidden and "overall" not in hidden


def test_a_lone_small_channel_takes_a_partner() -> None:
    hidden = _withheld_keys(235, [200, 5, 30], [60, 60, 60, 55])
    assert hidden == {"c1", "c2"}  # the smallest other channel goes with it


def test_the_check_catches_primary_suppression_alone() -> None:
    # Without secondary suppression the small channel is the total minus the others.
    assert _recoverable(235, [200, 5, 30], [60, 60, 60, 55], {"c1"}) == ["c1"]


def test_no_withheld_figure_is_recoverable_by_any_linear_combination() -> None:
    rng = random.Random(16)
    for _ in range(3000):
        total, channels, quarters = _table(rng)
        hidden = _withheld_keys(total, channels, quarters)
        # Every primary cell is withheld.
        assert all(f"c{i}" in hidden for i, n in enumerate(channels) if 0 < n < MIN)
        assert all(f"q{i}" in hidden for i, n in enumerate(quarters) if 0 < n < MIN)
        # Empty cells (n = 0) are shown as "no answers": they are known, so drop them.
        known_zero = {f"c{i}" for i, n in enumerate(channels) if n == 0}
        known_zero |= {f"q{i}" for i, n in enumerate(quarters) if n == 0}
        found = _recoverable(total, channels, quarters, hidden - known_zero)
        assert [k for k in found if k in hidden] == [], (total, channels, quarters, hidden)


def test_every_sum_and_difference_of_published_cells_misses_the_withheld_ones() -> None:
    rng = random.Random(7)
    for _ in range(150):
        total, channels, quarters = _table(rng)
        hidden = _withheld_keys(total, channels, quarters)
        values = {"overall": total} | {f"c{i}": n for i, n in enumerate(channels)}
        values |= {f"q{i}": n for i, n in enumerate(quarters)}
        shown = [k for k in values if k not in hidden]
        secret = {k: values[k] for k in hidden if values[k] > 0}
        # Try every combination of published cells with signs -1, 0, +1, here and on a second
        # table that differs only in the withheld cells (keeping every sum): if any combination
        # equalled a withheld cell in both, that cell would be given away.
        for signs in itertools.product((-1, 0, 1), repeat=len(shown)):
            got = sum(s * values[k] for s, k in zip(signs, shown, strict=True))
            for key, value in secret.items():
                if got == value:
                    assert _ambiguous(key, total, channels, quarters, hidden), (key, signs)


def _ambiguous(
    key: str, total: int, channels: list[int], quarters: list[int], hidden: set[str]
) -> bool:
    """Another table with the same published cells gives `key` a different value."""
    zero = {f"c{i}" for i, n in enumerate(channels) if n == 0} | {
        f"q{i}" for i, n in enumerate(quarters) if n == 0
    }
    return key not in _recoverable(total, channels, quarters, hidden - zero)

"""Whole numbers typed by people or sent by machines, read without surprises.

`str.isdigit()` accepts characters such as "²" that `int()` refuses, and `int()` accepts
numbers with thousands of digits that no database column holds; both ended in 500s.
"""

from __future__ import annotations

import re

_WHOLE = re.compile(r"-?[0-9]{1,18}")
BIGINT_MAX = 2**63 - 1  # the largest id a BIGINT column holds


def whole_number(text: str | None, *, lo: int = -BIGINT_MAX, hi: int = BIGINT_MAX) -> int | None:
    """The ASCII whole number in `text` if it lies within [lo, hi], else None."""
    if text is None or not _WHOLE.fullmatch(text.strip()):
        return None
    value = int(text)
    return value if lo <= value <= hi else None

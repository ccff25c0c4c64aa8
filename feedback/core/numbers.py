"""Whole numbers typed by people or sent by machines, read without surprises.

`str.isdigit()` accepts characters such as "²" that `int()` refuses, and `int()` accepts
numbers with thousands of digits that no database column holds; both ended in 500s.
"""

from __future__ import annotations

import re

from starlette.convertors import IntegerConvertor, register_url_convertor

_WHOLE = re.compile(r"-?[0-9]{1,18}")
BIGINT_MAX = 2**63 - 1  # the largest id a BIGINT column holds


def whole_number(text: str | None, *, lo: int = -BIGINT_MAX, hi: int = BIGINT_MAX) -> int | None:
    """The ASCII whole number in `text` if it lies within [lo, hi], else None."""
    if text is None or not _WHOLE.fullmatch(text.strip()):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


class IdConvertor(IntegerConvertor):
    """Starlette's `{name:int}`, held to the ids a BIGINT column holds (at most 18 digits):
    a longer number does not match the route (404) instead of overflowing the database."""

    regex = "[0-9]{1,18}"


def bound_path_ids() -> None:
    """Make every `{name:int}` route parameter an IdConvertor; call before routes are built."""
    register_url_convertor("int", IdConvertor())

"""Calendar days typed by people or sent by machines, read within the range the product
supports, so that no date at either end of the calendar reaches arithmetic that overflows.

`date.fromisoformat` takes 0001-01-01 and 9999-12-31; a day before or after them, a period
around them, or a time zone applied to them does not exist, and ended in 500s.
"""

from __future__ import annotations

from datetime import date

from feedback.core.i18n import gettext_for

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


class DayError(ValueError):
    """Not a day (`kind` "form") or outside FIRST_DAY..LAST_DAY (`kind` "range")."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def parse_day(text: str) -> date:
    """The day in `text` (YYYY-MM-DD); DayError if it is not one or is out of range."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise DayError("form") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DayError("range")
    return day


def in_range(year: int) -> bool:
    """True for a year whose days are all supported (quarters, months)."""
    return FIRST_DAY.year <= year <= LAST_DAY.year


def message(error: DayError, raw: str, lang: str) -> str:
    """What to tell the person, in their language."""
    _ = gettext_for(lang).gettext
    if error.kind == "range":
        return _("Choose a date from %(first)s to %(last)s.") % {
            "first": FIRST_DAY.isoformat(),
            "last": LAST_DAY.isoformat(),
        }
    return _("“%(value)s” is not a date. Use the form 2026-01-31.") % {"value": raw[:20]}

"""When and where demo respondents answer: weekly rhythm, hours, seasons, offices and pages."""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta

from seed.answers import table

# --- When and where people answer ------------------------------------------------------------

# Volume Monday..Sunday: offices and agents close at weekends, the web never does.
# fmt: off
_OFFICE_WEEK = (1.1, 1.05, 1.0, 1.0, 0.95, 0.08, 0.005)
WEEKDAYS: dict[str, tuple[float, ...]] = {
    "in_person": _OFFICE_WEEK, "phone": (1.15, 1.05, 1.0, 1.0, 0.9, 0.04, 0.005),
    "video": _OFFICE_WEEK, "kiosk": _OFFICE_WEEK, "mail": (1.0, 1.0, 1.0, 1.0, 1.0, 0.05, 0.01),
    "chat": (1.1, 1.0, 1.0, 1.0, 0.9, 0.2, 0.1), "email": (1.05, 1.0, 1.0, 1.0, 0.95, 0.3, 0.25),
    "ivr": (1.1, 1.0, 1.0, 1.0, 0.95, 0.5, 0.4), "web": (1.0, 1.0, 0.98, 0.95, 0.85, 0.6, 0.65),
    "mobile_app": (0.95, 0.95, 0.95, 0.95, 0.9, 0.75, 0.8),
    "sms": (1.0, 1.0, 1.0, 1.0, 1.0, 0.4, 0.3),
}
# Local (Eastern) hours and their weights; times are stored in UTC.
_OFFICE_HOURS = {8: 3, 9: 8, 10: 9, 11: 8, 12: 6, 13: 7, 14: 8, 15: 7, 16: 4}
_LINE_HOURS = {8: 4, 9: 9, 10: 10, 11: 9, 12: 7, 13: 8, 14: 8, 15: 7, 16: 6, 17: 4, 18: 2, 19: 1}
_ONLINE_HOURS = {0: 1, 6: 1, 7: 3, 8: 5, 9: 6, 10: 6, 11: 6, 12: 7, 13: 6, 14: 6, 15: 6, 16: 5,
                 17: 5, 18: 6, 19: 8, 20: 9, 21: 8, 22: 5, 23: 2}
HOURS: dict[str, dict[int, int]] = {
    "in_person": _OFFICE_HOURS, "video": _OFFICE_HOURS, "kiosk": _OFFICE_HOURS,
    "mail": _OFFICE_HOURS, "phone": _LINE_HOURS, "chat": _LINE_HOURS,
    "ivr": {**_LINE_HOURS, 7: 2, 20: 2, 21: 1}, "web": _ONLINE_HOURS,
    "mobile_app": _ONLINE_HOURS, "email": _ONLINE_HOURS, "sms": _ONLINE_HOURS,
}
FRENCH = 0.27  # share answering in French where the touchpoint says nothing more
# (touchpoint, weight, share in French, effect on scores)
_OFFICES = (("ottawa-downtown", 35, 0.15, 0.0), ("gatineau", 20, 0.6, 0.1),
            ("montreal-east", 20, 0.75, -0.1), ("toronto-north", 25, 0.05, -0.15))
_PAGES = {
    "licences": (("/renew", 35, 0.0), ("/renew/step-2", 15, -0.1),
                 ("/renew/confirmation", 15, 0.3), ("/fees", 20, 0.2),
                 ("/documents-required", 15, -0.35)),
    "benefits": (("/apply", 30, 0.0), ("/apply/step-3", 20, -0.2),
                 ("/payment-dates", 30, 0.2), ("/eligibility", 20, -0.1)),
    "permits": (("/apply", 35, 0.0), ("/apply/step-3", 20, -0.25), ("/inspections", 25, 0.1),
                ("/status", 20, 0.1)),
}
# Share of responses an agent entered for the person (assisted entry).
AGENT_ENTRY = {"phone": 0.6, "in_person": 0.25, "video": 0.4}
BUSY = ("phone", "in_person", "ivr")  # waits grow with the seasonal volume
# fmt: on


Touch = tuple[str | None, float, float]


def touchpoints(service: str, template: str, channel: str) -> list[Touch]:
    """A lookup table of (touchpoint, share in French, score effect) for one stream."""
    if channel in ("in_person", "kiosk"):
        return table({(t, fr, eff): w for t, w, fr, eff in _OFFICES})
    if channel == "web":
        pages: dict[Touch, float] = {(t, FRENCH, eff): w for t, w, eff in _PAGES[service]}
        if template != "gc_page_feedback":  # page feedback always knows its page
            pages[(None, FRENCH, 0.0)] = 10
        return table(pages)
    return [(None, FRENCH, 0.0)]


def season(day: date) -> float:
    """Volume by time of year: busy in spring and early summer, quiet over the holidays."""
    factor = 1 + 0.3 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 145) / 365.25)
    if (day.month, day.day) in ((1, 1), (7, 1), (12, 25), (12, 26)):
        return factor * 0.15
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 2):
        return factor * 0.45
    return factor


def utc_shift(day: date) -> int:
    """Hours from Eastern time to UTC on `day` (daylight time from March to early November)."""
    march = date(day.year, 3, 8) + timedelta(days=(6 - date(day.year, 3, 8).weekday()) % 7)
    november = date(day.year, 11, 1) + timedelta(days=(6 - date(day.year, 11, 1).weekday()) % 7)
    return 4 if march <= day < november else 5


def start_day(today: date, months: int) -> date:
    """The first day of the `months` months that end with `today`."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day) + timedelta(days=1)

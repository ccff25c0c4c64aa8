"""Local days: every day, week, month and quarter shown or counted is the service's own.

Instants are stored in UTC; a service's IANA time zone turns them into its local calendar.
A response at 03:30 UTC on 1 December counts on 30 November in America/Toronto.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from feedback.core.times import as_utc

DEFAULT_ZONE = "UTC"
GRAINS = ("day", "week", "month", "quarter")


@lru_cache(maxsize=256)
def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo of an IANA name; UTC for None or a name this machine does not know."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def is_zone(name: str) -> bool:
    """True for a canonical IANA time zone name (such as America/Toronto or UTC)."""
    return name in _zone_names()


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def zone_names() -> list[str]:
    """Every IANA zone name, sorted (for pickers)."""
    return sorted(_zone_names())


def local_day(moment: datetime, zone_name: str | None) -> date:
    """The service's local day of an instant (a naive instant is UTC)."""
    return as_utc(moment).astimezone(zone(zone_name)).date()


def today(zone_name: str | None, now: datetime | None = None) -> date:
    """Today in the service's zone."""
    return local_day(now or datetime.now(UTC), zone_name)


def day_start(day: date, zone_name: str | None) -> datetime:
    """The UTC instant at which a local day begins (its first valid local time)."""
    local = datetime.combine(day, time.min).replace(tzinfo=zone(zone_name))
    return local.astimezone(UTC)


def day_range(first: date, last: date, zone_name: str | None) -> tuple[datetime, datetime]:
    """UTC bounds [start, end) covering the local days first..last inclusive."""
    return day_start(first, zone_name), day_start(last + timedelta(days=1), zone_name)


def period_start(day: date, grain: str) -> date:
    """The first day of the day's week (Monday), month or quarter; the day itself for "day"."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    return day


def period_end(day: date, grain: str) -> date:
    """The last day of the period that holds `day` (date.max at the calendar's end)."""
    start = period_start(day, grain)
    if grain == "day":
        return start
    if grain == "week":
        return start + timedelta(days=6) if start <= date.max - timedelta(days=6) else date.max
    index = start.month - 1 + (1 if grain == "month" else 3)
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, 1) - timedelta(days=1) if year <= date.max.year else date.max


@dataclass(frozen=True)
class Period:
    """One period of a chart or table, and whether the data could cover it whole."""

    start: date
    end: date
    partial: bool  # cut short by the window's edges or not over yet


def periods(since: date, until: date, grain: str, today_local: date) -> list[Period]:
    """The periods of a window, each marked partial when the window or today cuts it short."""
    out: list[Period] = []
    cursor = period_start(since, grain)
    while cursor <= until:
        end = period_end(cursor, grain)
        partial = cursor < since or end > until or end >= today_local
        out.append(Period(cursor, end, partial))
        if end == date.max:
            break
        cursor = end + timedelta(days=1)
    return out


def offsets(
    zone_name: str | None, first: datetime, last: datetime
) -> list[tuple[datetime | None, int]]:
    """The zone's UTC offsets (seconds) over [first, last]: (from this UTC instant, offset).

    The first entry starts at None (from the beginning); each next one at a change of offset
    (daylight saving, a zone's new rules). So SQL can turn instants into local days with a
    CASE over a handful of bounds instead of a time zone database (SQLite has none).
    """
    tz = zone(zone_name)
    start, end = as_utc(first), as_utc(last)

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    out: list[tuple[datetime | None, int]] = [(None, offset(start))]
    step = timedelta(days=1)  # no zone changes its offset twice within a day
    cursor = start
    while cursor < end:
        following = end if end - cursor <= step else cursor + step
        if offset(following) != out[-1][1]:
            low, high = cursor, following  # offset(low) is the last one; find the change
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == out[-1][1] else (low, middle)
            out.append((high.replace(microsecond=0), offset(high)))
        cursor = following
    return out

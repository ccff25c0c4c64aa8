"""Local days in a service's zone: the calendar a manager reads, whatever the UTC date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from feedback.core import local_time


def test_a_toronto_night_counts_on_the_previous_day() -> None:
    moment = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    assert local_time.local_day(moment, "America/Toronto") == date(2026, 11, 30)
    assert local_time.local_day(moment, "UTC") == date(2026, 12, 1)
    assert local_time.local_day(moment.replace(tzinfo=None), "America/Toronto") == date(
        2026, 11, 30
    )


def test_day_range_follows_daylight_saving() -> None:
    start, end = local_time.day_range(date(2026, 3, 8), date(2026, 3, 8), "America/Toronto")
    assert (end - start).total_seconds() == 23 * 3600  # the spring-forward day is 23 hours
    assert start == datetime(2026, 3, 8, 5, tzinfo=UTC)


def test_unknown_zone_falls_back_to_utc_and_is_refused_by_is_zone() -> None:
    assert local_time.zone("Mars/Olympus").key == "UTC"
    assert not local_time.is_zone("Mars/Olympus")
    assert local_time.is_zone("America/Toronto") and local_time.is_zone("UTC")


def test_periods_mark_the_cut_and_unfinished_ones_partial() -> None:
    got = local_time.periods(date(2026, 1, 15), date(2026, 4, 10), "month", date(2026, 4, 10))
    assert [(p.start, p.partial) for p in got] == [
        (date(2026, 1, 1), True),  # cut by the window's start
        (date(2026, 2, 1), False),
        (date(2026, 3, 1), False),
        (date(2026, 4, 1), True),  # not over yet
    ]
    quarters = local_time.periods(date(2026, 1, 1), date(2026, 6, 30), "quarter", date(2026, 12, 7))
    assert [(p.start, p.end, p.partial) for p in quarters] == [
        (date(2026, 1, 1), date(2026, 3, 31), False),
        (date(2026, 4, 1), date(2026, 6, 30), False),
    ]


def test_the_calendars_ends_do_not_overflow() -> None:
    for grain in local_time.GRAINS:
        assert local_time.period_end(date.max, grain) == date.max
        assert local_time.period_start(date.min, grain) >= date.min
        got = local_time.periods(date(9999, 12, 1), date.max, grain, date(2026, 12, 7))
        assert got[-1].end == date.max

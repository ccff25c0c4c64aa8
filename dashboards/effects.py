"""What each dated change did: the score in the weeks before it against the weeks after."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dashboards import views
from dashboards.series import Row
from feedback.insight.headline import Measure
from feedback.insight.significance import Change

WEEKS = 8  # long enough to gather answers, short enough that little else changed


@dataclass(frozen=True)
class Window:
    """The days compared around a change: before is [day - 8 weeks, day), after from day on."""

    before_since: date
    before_until: date
    after_since: date
    after_until: date

    @property
    def after_days(self) -> int:
        """Days of the after window that have happened (fewer for a recent change)."""
        return (self.after_until - self.after_since).days + 1


def window(day: date, today: date, weeks: int = WEEKS) -> Window:
    """The before and after windows of a change made on `day`, cut at the last whole day
    (yesterday in the service's zone: today is not over)."""
    span = timedelta(weeks=weeks)
    after_until = min(day + span - timedelta(days=1), today - timedelta(days=1))
    return Window(day - span, day - timedelta(days=1), day, max(day, after_until))


@dataclass(frozen=True)
class Effect:
    """A change with the score before and after it and whether the difference is real."""

    day: date
    label: str
    window: Window
    before: Measure
    after: Measure
    change: Change  # after minus before; its verdict is settled with the page's others

    @property
    def enough(self) -> bool:
        """Both sides have enough answers to conclude."""
        return self.change.enough

    @property
    def complete(self) -> bool:
        """The whole after window has happened."""
        return self.window.after_days >= WEEKS * 7


def effect(
    day: date,
    label: str,
    span: Window,
    before: Sequence[Row],
    after: Sequence[Row],
    kind: str,
) -> Effect:
    """The headline after a change against the headline before it."""
    found = views.compare(after, before, kind)
    return Effect(day, label, span, found.previous, found.current, found.change)

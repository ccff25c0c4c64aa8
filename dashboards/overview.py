"""The overview's cards: each survey's headline against the period before, its weekly trend
and its channels, with every change on the page judged as one family."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from dashboards import series, views
from dashboards.series import Row
from dashboards.views import Headline, Spark

SPARK_WEEKS = 26


@dataclass(frozen=True)
class Window:
    """The days a card compares: [since, until] against the same number of days before."""

    since: date
    until: date

    @property
    def days(self) -> int:
        """Days in the window."""
        return (self.until - self.since).days + 1

    @property
    def before(self) -> date:
        """The first day of the window before."""
        return self.since - timedelta(days=self.days)

    @property
    def spark_since(self) -> date:
        """The first day of the sparkline's weeks."""
        return self.until - timedelta(weeks=SPARK_WEEKS - 1)

    @property
    def first_day(self) -> date:
        """The first day any part of a card needs."""
        return min(self.before, self.spark_since)


def window(since: date, until: date, today: date) -> Window:
    """The compared window: whole local days only (today is not over, so it is left out)."""
    end = views.last_whole_day(until, today)
    return Window(min(since, end), end)


@dataclass(frozen=True)
class Card:
    """One survey's row of the overview (and its channels' rows when asked)."""

    headline: Headline
    spark: Spark
    weeks: list[series.Point]
    channels: list[tuple[str, Headline]]


def card(rows: Sequence[Row], kind: str, w: Window, *, today: date, by_channel: bool) -> Card:
    """A card from daily (day, channel, value, count) rows covering `w.first_day`..`w.until`."""
    since, until, before, spark = w.since, w.until, w.before, w.spark_since
    now = [r for r in rows if since <= r[0] <= until]
    then = [r for r in rows if before <= r[0] < since]
    weekly = [r for r in rows if spark <= r[0] <= until]
    weeks = series.by_channel(
        weekly, kind, since=spark, until=until, grain="week", today=today
    ).get(series.ALL, [])
    channels = []
    if by_channel:
        for c in sorted({r[1] for r in now} | {r[1] for r in then}):
            channels.append(
                (
                    c,
                    views.compare(
                        [r for r in now if r[1] == c], [r for r in then if r[1] == c], kind
                    ),
                )
            )
    return Card(views.compare(now, then, kind), views.sparkline(weeks), weeks, channels)


def judge(cards: Sequence[Card | None]) -> list[Card | None]:
    """Every change the page shows (surveys and channel rows) judged together (Holm)."""
    flat = []
    for c in cards:
        if c is not None:
            flat.append(c.headline)
            flat.extend(h for _, h in c.channels)
    judged = iter(views.judge_headlines(flat))
    out: list[Card | None] = []
    for c in cards:
        if c is None:
            out.append(None)
            continue
        head = next(judged)
        channels = [(ch, next(judged)) for ch, _ in c.channels]
        out.append(replace(c, headline=head, channels=channels))
    return out


def significant_count(cards: Sequence[Card | None]) -> int:
    """How many changes on the page are called significant."""
    return sum(
        (c.headline.change.significant + sum(h.change.significant for _, h in c.channels))
        for c in cards
        if c is not None
    )

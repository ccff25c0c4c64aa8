"""False signals and power of the dashboards' claims, by seeded simulation.

Usage: python bench/false_signals.py [--runs 400] [--seed 16] [--quick]

Data in which nothing changes go through the product's own code, the functions the pages
call (dashboards.overview.card and judge for the overview, dashboards.control.control_charts
for the survey page, feedback.insight.alerts.weekly_counts and feedback.insight.watch.check
for the weekly alerts), at three volumes: the demo's (4,000 responses a year spread over its
seven surveys and their channels as seed/demo.py spreads them), 10 and 1,000 answers a month
on every channel. It prints, each with a 95% Wilson interval over the runs:
- the share of overview views (by channel) with any change called "significant";
- the share of survey pages (12 months, each channel) with any control-chart mark;
- false alerts per channel-year (weekly checks over a year);
and the power left: a real 10-point drop over the last three whole months, 200 answers a
month, called significant on the overview or marked on the survey page.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards import control, overview, series  # noqa: E402
from feedback.insight import alerts, watch  # noqa: E402
from feedback.insight.intervals import wilson  # noqa: E402

# The demo's surveys: headline kind and (channel, share of all responses) as in seed/demo.py.
DEMO: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = (
    ("yes_no", (("web", 22),)),
    ("rating5", (("in_person", 9), ("phone", 8), ("video", 1), ("chat", 3), ("email", 2),
                 ("mail", 1), ("kiosk", 2), ("ivr", 3))),
    ("yes_no", (("web", 9), ("mobile_app", 4))),
    ("rating5", (("web", 7), ("mobile_app", 4), ("phone", 6), ("in_person", 4), ("sms", 3))),
    ("rating5", (("chat", 3), ("email", 2), ("video", 1))),
    ("nps", (("in_person", 3), ("phone", 2), ("email", 1), ("mail", 0.5))),
    ("ces7", (("web", 3), ("kiosk", 1), ("mobile_app", 1))),
)  # fmt: skip
DEMO_PER_YEAR = 4000
# A stable answer: (value, probability) per kind; successes are 4-5, yes, 9-10, 5-7.
GOOD = {"rating5": "5", "yes_no": "1", "nps": "10", "ces7": "6"}
BAD = {"rating5": "2", "yes_no": "0", "nps": "3", "ces7": "2"}
PASSIVE = "8"  # NPS passives: neither promoter nor detractor

TODAY = date(2026, 12, 7)  # a Monday: the months and weeks before it are whole
MONTHS = 24  # 12 shown, 12 before them as the control charts' baselines


@dataclass(frozen=True)
class Stream:
    """One survey's channel: its kind, answers a month and share of good answers."""

    kind: str
    channel: str
    per_month: float
    p: float


def surveys(volume: str, rng: np.random.Generator) -> list[list[Stream]]:
    """The demo's surveys, each channel with a stable share drawn once per run."""
    total = sum(w for _, chans in DEMO for _, w in chans)
    out = []
    for kind, chans in DEMO:
        streams = []
        for channel, weight in chans:
            per_month = {"demo": DEMO_PER_YEAR * weight / total / 12, "10": 10, "1000": 1000}
            streams.append(Stream(kind, channel, per_month[volume], float(rng.uniform(0.55, 0.92))))
        out.append(streams)
    return out


def _days(months: int) -> list[date]:
    first = TODAY - timedelta(days=round(months * 30.44))
    return [first + timedelta(days=i) for i in range((TODAY - first).days)]


def daily_rows(
    streams: list[Stream],
    rng: np.random.Generator,
    days: list[date],
    drop: tuple[date, float] = (TODAY, 0.0),
) -> list[series.Row]:
    """(day, channel, value, count) rows: each day's answers drawn around the monthly volume."""
    rows: list[series.Row] = []
    after = np.array([d >= drop[0] for d in days])
    for s in streams:
        n = rng.poisson(s.per_month * 12 / 365.25, size=len(days))
        good = rng.binomial(n, np.where(after, s.p - drop[1], s.p))
        rest = n - good
        if s.kind == "nps":  # the rest split between passives and detractors
            passive = rng.binomial(rest, 0.4)
            cells = ((GOOD["nps"], good), (PASSIVE, passive), (BAD["nps"], rest - passive))
        else:
            cells = ((GOOD[s.kind], good), (BAD[s.kind], rest))
        for value, counts in cells:
            rows += [(d, s.channel, value, int(c)) for d, c in zip(days, counts, strict=True) if c]
    return rows


def _summed(rows: list[series.Row], start: Callable[[date], date]) -> list[series.Row]:
    """Rows summed by period, dated by its first day (what the database's sums return)."""
    cells: dict[tuple[date, str, str], int] = {}
    for day, channel, value, n in rows:
        key = (start(day), channel, value)
        cells[key] = cells.get(key, 0) + n
    return [(d, c, v, n) for (d, c, v), n in cells.items()]


def _month(day: date) -> date:
    return day.replace(day=1)


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


# ---- the three pages, through the functions they call --------------------------------


def overview_view(
    all_rows: list[list[series.Row]], kinds: list[str], by_channel: bool = True
) -> list[overview.Card | None]:
    """One overview view of the last 90 whole days, its changes judged together."""
    w = overview.window(TODAY - timedelta(days=90), TODAY - timedelta(days=1), TODAY)
    cards = [
        overview.card(rows, kind, w, today=TODAY, by_channel=by_channel)
        for rows, kind in zip(all_rows, kinds, strict=True)
    ]
    return overview.judge(cards)


def survey_marks(rows: list[series.Row], kind: str) -> int:
    """How many marks one survey page's control charts (12 months, month grain) show."""
    since, until = date(TODAY.year - 1, TODAY.month, 1), TODAY  # the current month is partial
    monthly = _summed(rows, _month)
    shown = [r for r in monthly if r[0] >= since]
    trend = series.by_channel(shown, kind, since=since, until=until, grain="month", today=TODAY)
    first = control.history_since(since, "month")
    history = series.by_channel(monthly, kind, since=first, until=until, grain="month", today=TODAY)
    channels = len({r[1] for r in rows})
    return len(control.control_charts(trend, history, "month", channels).judgement.marks)


def channel_alerts(rows: list[series.Row], kind: str, weeks: int = 52) -> tuple[int, int]:
    """(alerts sent, channel-weeks watched) over `weeks` weekly checks, as the job runs them."""
    found = watched = 0
    monday = _week(TODAY)
    weekly = _summed(rows, _week)
    last: dict[tuple[str, str], date] = {}  # the last alert sent per channel and direction
    for k in range(weeks, 0, -1):
        week = monday - timedelta(weeks=k)
        first = week - timedelta(weeks=watch.HISTORY_WEEKS - 1)
        inside = [r for r in weekly if first <= r[0] <= week]
        for channel, counts in alerts.weekly_counts(inside, kind, first).items():
            result = watch.check(counts)
            watched += result.watched
            f = result.finding
            if f is None:
                continue
            # The job stays quiet on a channel and direction it alerted within QUIET_WEEKS.
            before = last.get((channel, f.direction))
            if before is not None and week - before <= timedelta(weeks=alerts.QUIET_WEEKS):
                continue
            last[(channel, f.direction)] = week
            found += 1
    return found, watched


# ---- runs ---------------------------------------------------------------------------


def share(hits: int, runs: int) -> str:
    """A share with its 95% Wilson interval."""
    iv = wilson(hits, runs)
    low, high = 100 * (iv.low or 0), 100 * (iv.high or 0)
    return f"{100 * (iv.estimate or 0):.1f}% (95% {low:.1f}-{high:.1f}%)"


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def _volume_key(volume: str) -> int:
    return int(volume) if volume.isdigit() else 0


def stable_views(volume: str, runs: int, seed: int) -> tuple[int, int, int]:
    """(overview views with any "significant", by channel and by survey only; survey pages
    with any mark) out of `runs`, on data in which nothing changes."""
    rng = _rng(seed, 0, _volume_key(volume))
    days = _days(7)  # 90 days, the 90 before and the sparkline's 26 weeks
    views = plain = pages = 0
    for _ in range(runs):
        chosen = surveys(volume, rng)
        rows = [daily_rows(s, rng, days) for s in chosen]
        kinds = [s[0].kind for s in chosen]
        views += overview.significant_count(overview_view(rows, kinds)) > 0
        plain += overview.significant_count(overview_view(rows, kinds, by_channel=False)) > 0
    long_days = _days(MONTHS)
    for _ in range(runs):
        survey = surveys(volume, rng)[1]  # the counter survey: eight channels
        pages += survey_marks(daily_rows(survey, rng, long_days), survey[0].kind) > 0
    return views, plain, pages


def overview_only(volume: str, runs: int, seed: int) -> str:
    """The share of overview views (by channel) with any "significant", alone."""
    rng = _rng(seed, 3, _volume_key(volume))
    days, hits = _days(7), 0
    for _ in range(runs):
        chosen = surveys(volume, rng)
        rows = [daily_rows(s, rng, days) for s in chosen]
        hits += overview.significant_count(overview_view(rows, [s[0].kind for s in chosen])) > 0
    return share(hits, runs)


def alert_rate(volume: str, runs: int, seed: int) -> tuple[int, int]:
    """(false alerts, channel-weeks watched) over `runs` simulated years of one survey."""
    rng = _rng(seed, 1, _volume_key(volume))
    days = _days(24)
    found = channel_weeks = 0
    for _ in range(runs):
        survey = surveys(volume, rng)[1]
        a, w = channel_alerts(daily_rows(survey, rng, days), survey[0].kind)
        found += a
        channel_weeks += w
    return found, channel_weeks


def _three_months_ago() -> date:
    first = TODAY.replace(day=1)
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def power(runs: int, seed: int, by_channel: bool = False) -> tuple[int, int, int]:
    """A 10-point drop over the last 3 whole months at 200 answers a month, shown on an
    overview with the demo's other surveys: (called significant there, marked on its survey
    page, either) out of `runs`."""
    rng = _rng(seed, 2, int(by_channel))
    days = _days(MONTHS)
    start = _three_months_ago()
    called = marked = either = 0
    for _ in range(runs):
        stream = [Stream("rating5", "web", 200, float(rng.uniform(0.6, 0.85)))]
        rows = daily_rows(stream, rng, days, (start, 0.10))
        others = surveys("demo", rng)
        page_rows = [rows] + [daily_rows(s, rng, _days(7)) for s in others]
        kinds = ["rating5"] + [s[0].kind for s in others]
        first = overview_view(page_rows, kinds, by_channel)[0]
        a = first is not None and first.headline.change.significant
        b = survey_marks(rows, "rating5") > 0
        called += a
        marked += b
        either += a or b
    return called, marked, either


def main(argv: list[str] | None = None) -> int:
    """Run every simulation and print its results."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="a tenth of the runs")
    parser.add_argument(
        "--overview", choices=("demo", "10", "1000"), help="only the overview by channel"
    )
    args = parser.parse_args(argv)
    runs = max(20, args.runs // 10) if args.quick else args.runs
    started = time.monotonic()
    print(f"runs per figure: {runs}, seed {args.seed}")
    if args.overview:
        found = overview_only(args.overview, runs, args.seed)
        print(f"overview by channel, {args.overview} a month: {found}")
        return 0
    for volume in ("demo", "10", "1000"):
        views, plain, pages = stable_views(volume, runs, args.seed)
        found, weeks = alert_rate(volume, max(10, runs // 8), args.seed)
        years = weeks / 52
        rate = found / years if years else 0.0
        print(f"stable data, volume {volume} a month:")
        print(f"  overview views with any 'significant', by channel: {share(views, runs)}")
        print(f"  overview views with any 'significant', surveys only: {share(plain, runs)}")
        print(f"  survey pages with any control-chart mark: {share(pages, runs)}")
        print(
            f"  false alerts: {found} in {years:.0f} channel-years = {rate:.2f} a channel-year"
            f" (designed: at most {watch.RATE_PER_YEAR})"
        )
    for by_channel in (False, True):
        called, marked, either = power(runs, args.seed, by_channel)
        where = "overview by channel" if by_channel else "overview"
        print(f"power, 10-point drop over 3 whole months, 200 answers a month ({where}):")
        print(f"  significant on the overview {share(called, runs)}")
        print(f"  marked on the survey page {share(marked, runs)}")
        print(f"  either {share(either, runs)}")
    print(f"{time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

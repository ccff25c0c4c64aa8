"""Public scorecards: what a service publishes of its headline scores over a year, with the
figures too small to show withheld (and any that would let one be worked out), and the
changes it made. Read from the daily aggregates only, so a scorecard costs O(days).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from feedback.core.catalog import CHANNELS
from feedback.core.models import ChangeEvent, Question, Service, Survey, Theme
from feedback.insight import disclosure, events, headline, metrics, queries
from feedback.insight.summaries import Quarter
from feedback.surveys import definitions as surveys


def headline_interval(counts: Mapping[str, int], kind: str) -> metrics.Interval:
    """The headline share (top box, or yes) of a value -> count mapping from the aggregates."""
    numeric = {int(v): n for v, n in counts.items() if v.lstrip("-").isdigit()}
    return metrics.score_for_kind(kind, numeric)


def _tally(rows: Iterable[tuple[date, str, str, int]]) -> dict[str, dict[str, int]]:
    """Value counts per channel, plus "" for every channel together."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, channel, value, n in rows:
        out[channel][value] += n
        out[""][value] += n
    return out


@dataclass(frozen=True)
class PublicScore:
    """A survey's headline score over a year, overall, per channel and per quarter."""

    survey: Survey
    question: Question
    overall: metrics.Interval
    channels: list[tuple[str, metrics.Interval]]
    quarters: list[tuple[Quarter, metrics.Interval]]
    # Figures not shown: too few answers, or enough to work out one that has too few.
    withheld: frozenset[str] = frozenset()
    # NPS surveys publish their NPS (-100..100), keyed like `withheld`, as on the dashboards.
    nps: dict[str, metrics.NpsResult] = field(default_factory=dict)


@dataclass(frozen=True)
class Scorecard:
    """What a service publishes: scores with intervals and the changes it made."""

    service: Service
    since: date
    until: date
    scores: list[PublicScore]
    changes: list[ChangeEvent]
    # The comment themes each change cites (never comment text), by event id.
    themes: dict[int, list[Theme]] = field(default_factory=dict)


def _channel_order(channel: str) -> tuple[int, str]:
    order = list(CHANNELS)
    return (order.index(channel) if channel in order else len(order), channel)


def public_services(session: Session) -> list[Service]:
    """Services that chose to publish a scorecard."""
    stmt = select(Service).where(col(Service.public_scorecard).is_(True)).order_by(col(Service.id))
    return list(session.exec(stmt))


def set_scorecard(session: Session, *, service_id: str, public: bool) -> Service | None:
    """Turn a service's public scorecard on or off; None if there is no such service."""
    service = session.get(Service, service_id)
    if service is not None:
        service.public_scorecard = public
        session.add(service)
    return service


def scorecard(session: Session, *, service: Service, today: date, minimum: int = 1) -> Scorecard:
    """The year up to `today` (the service's local day; its quarter is marked "so far"):
    each live or closed survey's score, with small figures withheld and any that would
    reveal them (keys "overall", "channel:web", "quarter:2026-Q1"); every change, newest
    first."""
    until = today
    since = until - timedelta(days=364)
    quarters = [Quarter.of(until)]
    for _ in range(3):
        quarters.insert(0, quarters[0].previous())
    # Whole quarters, even where the first one starts before the year shown overall.
    window = queries.Filters(since=min(since, quarters[0].start), until=until)
    scores = []
    for survey in surveys.all_surveys(session, [service.id]):
        question = surveys.headline_question(surveys.questions_of(session, survey.id))
        if survey.status == "draft" or question is None or question.id is None:
            continue
        rows = queries.daily_answers(session, question_id=question.id, filters=window)
        tally = _tally(r for r in rows if r[0] >= since)
        per_quarter = []
        for q in quarters:
            inside = [r for r in rows if q.start <= r[0] <= q.end]
            per_quarter.append((q, headline_interval(_tally(inside)[""], question.kind)))
        overall = headline_interval(tally[""], question.kind)
        # Channels in the vocabulary's order: self-service first, then assisted.
        channels = [
            (c, headline_interval(tally[c], question.kind))
            for c in sorted((c for c in tally if c), key=_channel_order)
        ]
        hidden = disclosure.withheld(
            disclosure.Cell("overall", overall.n),
            [
                [disclosure.Cell(f"channel:{c}", iv.n) for c, iv in channels],
                # Not always the same days as the year, but near enough to be treated alike.
                [disclosure.Cell(f"quarter:{q}", iv.n) for q, iv in per_quarter],
            ],
            minimum,
        )
        nps: dict[str, metrics.NpsResult] = {}
        if question.kind == "nps":
            nps["overall"] = metrics.nps(headline.numeric(tally[""]))
            nps |= {f"channel:{c}": metrics.nps(headline.numeric(tally[c])) for c, _ in channels}
            for q in quarters:
                in_quarter = _tally(r for r in rows if q.start <= r[0] <= q.end)[""]
                nps[f"quarter:{q}"] = metrics.nps(headline.numeric(in_quarter))
        scores.append(PublicScore(survey, question, overall, channels, per_quarter, hidden, nps))
    everything = queries.Filters(since=date(1970, 1, 1), until=until)
    changes = queries.change_events(session, service_id=service.id, filters=everything)
    cited = events.cited_themes(session, [e.id for e in changes if e.id is not None])
    return Scorecard(service, since, until, scores, list(reversed(changes)), cited)

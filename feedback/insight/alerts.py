"""Alerts: find a channel whose headline share left its expected range, record it once, and
have it delivered to the service's subscribers; plus the subscriptions themselves.

Each week (Monday to Sunday in the service's time zone) the latest whole week of a live
survey's headline share on each channel is checked by feedback.insight.watch: the week
alone and the last 4 and 13 weeks summed, against the 26 weeks before, with exact tails
sized so that a channel that did not change alerts at most watch.RATE_PER_YEAR times a
year. The unique (question, channel, week) row is the claim: whichever process inserts it
sends, so several servers checking at once still send each signal at most once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from feedback.core import local_time
from feedback.core.db import session_scope
from feedback.core.models import AlertSignal, AlertSubscription, Service, StaffUser, Survey, utcnow
from feedback.core.settings import Settings
from feedback.insight import alert_delivery, queries, watch
from feedback.insight.alert_delivery import Candidate
from feedback.insight.scorecards import headline_interval
from feedback.staff.auth import can_see_service
from feedback.surveys import definitions as surveys

log = logging.getLogger("feedback.alerts")

# After an alert, the same channel and direction stay quiet while the longest window
# still holds the weeks that raised it: one shift, one message.
QUIET_WEEKS = max(watch.WINDOWS)


def latest_complete_week(today: date) -> date:
    """The Monday of the last full week before `today`'s week."""
    return today - timedelta(days=today.weekday() + 7)


def weekly_counts(
    rows: list[tuple[date, str, str, int]], kind: str, first: date
) -> dict[str, list[tuple[int, int]]]:
    """(successes, answers) per channel for the HISTORY_WEEKS weeks from `first` (a Monday)."""
    cells: dict[str, list[dict[str, int]]] = {}
    for day, channel, value, n in rows:
        index = (day - first).days // 7
        if 0 <= index < watch.HISTORY_WEEKS:
            weeks = cells.setdefault(channel, [{} for _ in range(watch.HISTORY_WEEKS)])
            weeks[index][value] = weeks[index].get(value, 0) + n
    out = {}
    for channel, weeks in cells.items():
        scores = [headline_interval(w, kind) for w in weeks]
        out[channel] = [(round((s.estimate or 0) * s.n), s.n) for s in scores]
    return out


@dataclass(frozen=True)
class Watched:
    """One survey's channel as the weekly check sees it."""

    survey: Survey
    channel: str
    week: date
    check: watch.Check


def watched(
    session: Session,
    *,
    today: date | None = None,
    now: datetime | None = None,
    service_ids: list[str] | None = None,
) -> list[tuple[Watched, Candidate | None]]:
    """Every live survey's channels, checked; `today` (if given) is every service's local day."""
    out: list[tuple[Watched, Candidate | None]] = []
    for survey in surveys.live_surveys(session):
        if service_ids is not None and survey.service_id not in service_ids:
            continue
        question = surveys.headline_question(surveys.questions_of(session, survey.id))
        if question is None or question.id is None:
            continue
        service = session.get(Service, survey.service_id)
        local = today or local_time.today(service.time_zone if service else None, now)
        week = latest_complete_week(local)
        first = week - timedelta(weeks=watch.HISTORY_WEEKS - 1)
        window = queries.Filters(since=first, until=week + timedelta(days=6))
        rows = queries.daily_answers(session, question_id=question.id, filters=window)
        for channel, weeks in sorted(weekly_counts(rows, question.kind, first).items()):
            found = watch.check(weeks)
            item = Watched(survey, channel, week, found)
            f = found.finding
            candidate = None
            if f is not None:
                candidate = Candidate(
                    survey.id, survey.title, survey.service_id,
                    service.name if service else {"en": survey.service_id},
                    question.id, question.key, question.text, channel, week,
                    f.x, f.n, f.value, f.low, f.high, f.centre, f.weeks,
                )  # fmt: skip
            out.append((item, candidate))
    return out


def _quiet(session: Session, c: Candidate) -> bool:
    """The channel already alerted the same way within QUIET_WEEKS."""
    stmt = select(AlertSignal.id).where(
        AlertSignal.question_id == c.question_id,
        AlertSignal.channel == c.channel,
        AlertSignal.direction == c.direction,
        col(AlertSignal.period) < c.week,
        col(AlertSignal.period) >= c.week - timedelta(weeks=QUIET_WEEKS),
    )
    return session.exec(stmt).first() is not None


def detect(
    session: Session, *, today: date | None = None, now: datetime | None = None
) -> list[Candidate]:
    """Every live survey's channel whose latest whole week (or 4 or 13) left its range."""
    found = [c for _, c in watched(session, today=today, now=now) if c is not None]
    return [c for c in found if not _quiet(session, c)]


@dataclass(frozen=True)
class Expectation:
    """What the alerts of some services promise: channels watched, false alerts a year."""

    watched: int
    thin: int
    per_year: float


def expectation(
    session: Session, *, service_ids: list[str] | None, now: datetime | None = None
) -> Expectation:
    """How many channels are watched and how many false alerts a year to expect of them."""
    items = [w for w, _ in watched(session, now=now, service_ids=service_ids)]
    checks = [w.check for w in items]
    return Expectation(
        sum(c.watched for c in checks),
        sum(not c.watched for c in checks),
        watch.false_alerts_per_year(checks),
    )


def record(session: Session, candidate: Candidate) -> int | None:
    """Store the signal unless it is known; the new row's id means this process sends it."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = AlertSignal.__table__  # type: ignore[attr-defined]
    stmt = (
        insert(table)
        .values(
            survey_id=candidate.survey_id,
            question_id=candidate.question_id,
            channel=candidate.channel,
            period=candidate.week,
            direction=candidate.direction,
            value=candidate.value,
            low=candidate.low,
            high=candidate.high,
            created_at=utcnow(),
        )  # fmt: skip
        .on_conflict_do_nothing(index_elements=["question_id", "channel", "period"])
        .returning(table.c.id)
    )
    new_id = session.execute(stmt).scalar_one_or_none()
    session.commit()
    return int(new_id) if new_id is not None else None


def recipients(session: Session, service_id: str) -> tuple[list[str], list[str]]:
    """The emails and webhook URLs of active subscribers who may still see the service."""
    stmt = (
        select(StaffUser, AlertSubscription)
        .join(AlertSubscription, col(AlertSubscription.user_id) == col(StaffUser.id))
        .where(AlertSubscription.service_id == service_id, col(StaffUser.active).is_(True))
    )
    emails: set[str] = set()
    hooks: set[str] = set()
    for user, subscription in session.exec(stmt):
        if not can_see_service(user, service_id):
            continue
        if user.email:
            emails.add(user.email)
        if subscription.webhook_url:
            hooks.add(subscription.webhook_url)
    return sorted(emails), sorted(hooks)


def deliver(
    engine: Engine,
    settings: Settings,
    c: Candidate,
    signal_id: int,
    *,
    backoff: float = 1.0,
    sleep: Callable = time.sleep,
) -> tuple[int, int]:
    """Email and call the webhooks of a new signal; returns (emails sent, webhooks called)."""
    with session_scope(engine) as session:
        emails, hooks = recipients(session, c.service_id)
    emailed: list[str] = []
    if emails and settings.smtp_host:
        message = alert_delivery.email_message(c, settings)
        emailed = alert_delivery.email_all(settings, emails, message, backoff, sleep)
    called = 0
    secret = settings.alert_webhook_secret
    if hooks and secret:
        body = alert_delivery.webhook_body(c, signal_id, settings.base_url)
        for url in hooks:
            post = lambda u=url: alert_delivery.post_webhook(  # noqa: E731
                u, body, secret, allow_private=settings.webhook_allow_private
            )
            # The host only: a webhook address may carry a secret in its path.
            where = urlsplit(url).hostname or "?"
            called += alert_delivery.retry(post, f"webhook to {where}", backoff, sleep)
    with session_scope(engine) as session:
        signal = session.get(AlertSignal, signal_id)
        assert signal is not None
        # A timestamp says everyone was told; none left is the record of a failure.
        if emails and len(emailed) == len(emails):
            signal.emailed_at = utcnow()
        if hooks and called == len(hooks):
            signal.webhook_at = utcnow()
        session.add(signal)
    return len(emailed), called


@dataclass
class RunReport:
    """What one check found and sent."""

    signals: int = 0
    new: int = 0
    emails: int = 0
    webhooks: int = 0


def run(
    engine: Engine,
    settings: Settings,
    *,
    today: date | None = None,
    backoff: float = 1.0,
    sleep: Callable = time.sleep,
) -> RunReport:
    """Detect signals, record the new ones and deliver those this process recorded."""
    report = RunReport()
    with session_scope(engine) as session:
        candidates = detect(session, today=today)
    report.signals = len(candidates)
    for candidate in candidates:
        with session_scope(engine) as session:
            signal_id = record(session, candidate)
        if signal_id is None:
            continue
        report.new += 1
        emails, hooks = deliver(
            engine, settings, candidate, signal_id, backoff=backoff, sleep=sleep
        )
        report.emails += emails
        report.webhooks += hooks
    return report


def job(settings: Settings) -> Callable[[Engine], str]:
    """`run` as a scheduled job (feedback.jobs): one line saying what it found and sent."""

    def check(engine: Engine) -> str:
        r = run(engine, settings)
        return f"{r.signals} signals, {r.new} new, {r.emails} emails, {r.webhooks} webhooks sent"

    return check

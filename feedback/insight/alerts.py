"""Control-limit alerts: find a channel's week outside its p-chart limits, record it once,
and have it delivered to the service's subscribers; plus the subscriptions themselves.

A signal is the latest complete week (Monday to Sunday, UTC) of a live survey's headline
score on one channel, outside the 3-sigma p-chart limits around the 12 weeks before it.
The unique (question, channel, week) row is the claim: whichever process inserts it sends,
so several servers checking at once still send each signal at most once.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from feedback.core.db import session_scope
from feedback.core.models import AlertSignal, AlertSubscription, Service, StaffUser, Survey, utcnow
from feedback.core.settings import Settings
from feedback.insight import alert_delivery, metrics, queries
from feedback.insight.alert_delivery import BASELINE_WEEKS, Candidate
from feedback.insight.summaries import headline_interval
from feedback.staff.auth import can_see_service
from feedback.surveys import definitions as surveys

log = logging.getLogger("feedback.alerts")

# Below these counts a 3-sigma limit on a proportion is too rough to wake anyone for.
MIN_WEEK_ANSWERS = 10
MIN_BASELINE_ANSWERS = 50
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def latest_complete_week(today: date) -> date:
    """The Monday of the last full week before `today`'s week."""
    return today - timedelta(days=today.weekday() + 7)


def detect(session: Session, *, today: date) -> list[Candidate]:
    """Every live survey's channel whose latest complete week is outside its limits."""
    week = latest_complete_week(today)
    first = week - timedelta(weeks=BASELINE_WEEKS)
    window = queries.Filters(since=first, until=week + timedelta(days=6))
    found = []
    for survey in surveys.live_surveys(session):
        question = surveys.headline_question(surveys.questions_of(session, survey.id))
        if question is None or question.id is None:
            continue
        service = session.get(Service, survey.service_id)
        cells: dict[str, list[dict[str, int]]] = defaultdict(
            lambda: [defaultdict(int) for _ in range(BASELINE_WEEKS + 1)]
        )
        rows = queries.daily_answers(session, question_id=question.id, filters=window)
        for day, channel, value, n in rows:
            cells[channel][(day - first).days // 7][value] += n
        for channel, weeks in sorted(cells.items()):
            scores = [headline_interval(w, question.kind) for w in weeks]
            points = [(round((s.estimate or 0) * s.n), s.n) for s in scores]
            if points[-1][1] < MIN_WEEK_ANSWERS:
                continue
            if sum(n for _, n in points[:-1]) < MIN_BASELINE_ANSWERS:
                continue
            chart = metrics.p_chart(points, baseline=slice(0, BASELINE_WEEKS))
            last = chart.points[-1]
            if not last.signal or last.p is None or last.low is None or last.high is None:
                continue
            found.append(
                Candidate(
                    survey.id,
                    survey.title,
                    survey.service_id,
                    service.name if service else {"en": survey.service_id},
                    question.id,
                    question.key,
                    question.text,
                    channel,
                    week,
                    last.x,
                    last.n,
                    last.p,
                    last.low,
                    last.high,
                    chart.centre or 0.0,
                )  # fmt: skip
            )
    return found


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
        candidates = detect(session, today=today or utcnow().date())
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


# ---- subscriptions and what the settings page shows ----


def valid_email(text: str) -> bool:
    """A plausible single email address."""
    return len(text) <= 200 and bool(_EMAIL.fullmatch(text))


def subscriptions(session: Session, *, user_id: int) -> dict[str, AlertSubscription]:
    """A user's subscriptions by service id."""
    stmt = select(AlertSubscription).where(AlertSubscription.user_id == user_id)
    return {s.service_id: s for s in session.exec(stmt)}


def save_settings(
    session: Session,
    *,
    user_id: int,
    email: str | None,
    choices: dict[str, tuple[bool, str | None]],
) -> None:
    """Store a user's email and, per service, whether they want alerts and their webhook."""
    user = session.get(StaffUser, user_id)
    assert user is not None
    user.email = email or None
    session.add(user)
    existing = subscriptions(session, user_id=user_id)
    for service_id, (on, webhook_url) in choices.items():
        found = existing.get(service_id)
        if not on:
            if found is not None:
                session.delete(found)
            continue
        found = found or AlertSubscription(user_id=user_id, service_id=service_id)
        found.webhook_url = webhook_url or None
        session.add(found)


def recent_signals(
    session: Session, *, service_ids: list[str] | None, limit: int = 20
) -> list[tuple[AlertSignal, Survey]]:
    """The newest signals of some services (all when None), with their survey."""
    stmt = select(AlertSignal, Survey).join(Survey, col(Survey.id) == AlertSignal.survey_id)
    if service_ids is not None:
        stmt = stmt.where(col(Survey.service_id).in_(service_ids))
    stmt = stmt.order_by(col(AlertSignal.period).desc(), col(AlertSignal.id).desc()).limit(limit)
    return [(signal, survey) for signal, survey in session.exec(stmt)]

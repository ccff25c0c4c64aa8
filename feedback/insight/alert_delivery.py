"""Telling people about a control-limit signal: a bilingual plain-text email over SMTP and a
JSON webhook signed with HMAC-SHA256, each retried with backoff; a failure is logged and
left unmarked on the signal, never raised."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage

from babel.dates import format_date
from babel.numbers import format_percent

from feedback.core import outbound
from feedback.core.catalog import CHANNELS
from feedback.core.i18n import gettext_for, pick
from feedback.core.models import utcnow
from feedback.core.settings import Settings
from feedback.insight.watch import BASELINE_WEEKS

log = logging.getLogger("feedback.alerts")

ATTEMPTS = 3


@dataclass(frozen=True)
class Candidate:
    """A week outside its control limits, with what a message about it needs."""

    survey_id: str
    survey_title: dict[str, str]
    service_id: str
    service_name: dict[str, str]
    question_id: int
    question_key: str
    question_text: dict[str, str]
    channel: str
    week: date
    x: int
    n: int
    value: float
    low: float
    high: float
    centre: float
    weeks: int = 1  # the window that left its range: the week alone, or the last 4 or 13

    @property
    def direction(self) -> str:
        """'down' when the score fell below its limits, else 'up'."""
        return "down" if self.value < self.low else "up"


class Permanent(Exception):
    """A refusal that trying again will not change (a 4xx answer)."""


def retry(action: Callable[[], None], what: str, backoff: float, sleep: Callable) -> bool:
    """Run `action` up to ATTEMPTS times, waiting backoff, then 4 x backoff, between tries."""
    for attempt in range(ATTEMPTS):
        try:
            action()
            return True
        except Permanent as error:
            log.warning("%s failed, not retried: %s", what, error)
            return False
        except (OSError, smtplib.SMTPException) as error:
            log.warning("%s failed (try %d of %d): %s", what, attempt + 1, ATTEMPTS, error)
            if attempt + 1 < ATTEMPTS:
                sleep(backoff * 4**attempt)
    return False


def _email_text(c: Candidate, base_url: str, lang: str) -> tuple[str, str]:
    """Subject and body of the alert in one language."""
    _ = gettext_for(lang).gettext

    def pct(value: float) -> str:
        return format_percent(value, format="#,##0 %", locale=lang)

    names = {
        "survey": pick(c.survey_title, lang),
        "service": pick(c.service_name, lang),
        "channel": pick(CHANNELS[c.channel].label, lang) if c.channel in CHANNELS else c.channel,
    }
    where = (
        _("below the expected range of %(low)s to %(high)s")
        if c.direction == "down"
        else _("above the expected range of %(low)s to %(high)s")
    ) % {"low": pct(c.low), "high": pct(c.high)}
    week = format_date(c.week, format="long", locale=lang)
    if c.weeks == 1:
        head = _(
            "The score of “%(survey)s” (%(service)s) on the channel “%(channel)s” left its "
            "expected range in the week of %(week)s."
        ) % {**names, "week": week}
    else:
        head = _(
            "The score of “%(survey)s” (%(service)s) on the channel “%(channel)s” left its "
            "expected range over the %(n)s weeks up to the week of %(week)s."
        ) % {**names, "week": week, "n": c.weeks}
    lines = [
        head,
        _("%(value)s of %(n)s answers were positive, %(where)s.")
        % {"value": pct(c.value), "n": c.n, "where": where},
        _(
            "The range comes from the %(weeks)s weeks before, when %(centre)s were positive. "
            "Alerts are set so that a channel that did not change sends a false alert about "
            "once every two years: this is worth a look."
        )
        % {"weeks": BASELINE_WEEKS, "centre": pct(c.centre)},
        _("Question: “%(question)s”") % {"question": pick(c.question_text, lang)},
        _("See the trend: %(url)s")
        % {"url": f"{base_url}/dashboard/surveys/{c.survey_id}?grain=week&lang={lang}"},
        _("You get this email because you asked for alerts on this service. To stop them: %(url)s")
        % {"url": f"{base_url}/dashboard/alerts?lang={lang}"},
    ]
    return _("Alert: %(survey)s, %(channel)s") % names, "\n\n".join(lines)


def email_message(c: Candidate, settings: Settings) -> EmailMessage:
    """A plain-text email in English then French (the subject in both)."""
    en_subject, en_body = _email_text(c, settings.base_url, "en")
    fr_subject, fr_body = _email_text(c, settings.base_url, "fr")
    message = EmailMessage()
    message["Subject"] = f"{en_subject} / {fr_subject}"
    message["From"] = settings.smtp_from
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(f"{en_body}\n\n---- Français ----\n\n{fr_body}\n")
    return message


def send_email(settings: Settings, to: list[str], message: EmailMessage) -> list[str]:
    """Send `message` to each address separately over one connection; returns who got it."""
    assert settings.smtp_host
    sent: list[str] = []
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        for address in to:
            del message["To"]
            message["To"] = address
            smtp.send_message(message, from_addr=settings.smtp_from, to_addrs=[address])
            sent.append(address)
    return sent


def email_all(
    settings: Settings, to: list[str], message: EmailMessage, backoff: float, sleep: Callable
) -> list[str]:
    """Send to everyone, retrying a failed connection for those not yet sent to."""
    pending = list(to)

    def attempt() -> None:
        for address in send_email(settings, pending, message):
            pending.remove(address)

    retry(attempt, "alert email", backoff, sleep)
    return [a for a in to if a not in pending]


def sign(secret: str, body: bytes) -> str:
    """The X-Feedback-Signature header value: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(
    url: str,
    body: bytes,
    secret: str,
    *,
    allow_private: bool = False,
    timeout: float = 10,
    event: str = "control_limit_signal",
) -> None:
    """POST the signed JSON body; raises on a refused address, a network error or a non-2xx."""
    # Checked at send time too: a name may have been pointed at a private address since.
    try:
        addresses = outbound.vetted_addresses(url, allow_private=allow_private)
    except outbound.WebhookError as problem:
        private = str(problem) == "private"
        raise Permanent("the address is not public" if private else "bad URL") from None
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "feedback-collector alerts",
        "X-Feedback-Event": event,
        "X-Feedback-Signature": sign(secret, body),
    }
    # Sent to the addresses just checked, so DNS cannot answer differently in between.
    status, error = outbound.post(url, body, headers, timeout, addresses=addresses)
    if status is not None and 200 <= status < 300:
        return
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        raise Permanent(error)
    raise OSError(error)


def webhook_body(c: Candidate, signal_id: int, base_url: str) -> bytes:
    """The webhook's JSON: what left its limits, by how much, and where to look."""
    data = {
        "event": "control_limit_signal",
        "signal_id": signal_id,
        "service": {"id": c.service_id, "name": c.service_name},
        "survey": {"id": c.survey_id, "title": c.survey_title},
        "question": {"id": c.question_key, "text": c.question_text},
        "channel": c.channel,
        "week_start": c.week.isoformat(),
        "week_end": (c.week + timedelta(days=6)).isoformat(),
        "window_weeks": c.weeks,
        "direction": c.direction,
        "positive": c.x,
        "answers": c.n,
        "score": c.value,
        "low": c.low,
        "high": c.high,
        "centre": c.centre,
        "baseline_weeks": BASELINE_WEEKS,
        "dashboard_url": f"{base_url}/dashboard/surveys/{c.survey_id}?grain=week",
        "sent_at": utcnow().isoformat(),
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()

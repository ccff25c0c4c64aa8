"""What a checked submission goes through before it is stored, cheapest first.

1. A replay: its idempotency key is stored already. Answered with the stored id when the body
   is the same, refused (422 idempotency_mismatch) when it is not, so a key is never a way
   into someone else's answers.
2. The rate limits of its client and survey (429).
3. Only then the scrubber (privacy.scrub), which costs time in proportion to the text: a
   flood of replays or of refused posts costs a lookup each, never a scan of its comments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session

from feedback.answers.intake import Pending, Rejected, personal_information
from feedback.answers.privacy import scrub
from feedback.core import limits
from feedback.core.i18n import gettext_for
from feedback.core.models import Question, Response, Survey

LIMIT_WINDOW = 60  # seconds: the per-client and per-survey limits are per minute

_RESPONSES = Response.__table__  # type: ignore[attr-defined]
_FIND_KEYS = select(
    _RESPONSES.c.idempotency_key, _RESPONSES.c.id, _RESPONSES.c.idempotency_hash
).where(
    _RESPONSES.c.survey_id == bindparam("survey_id"),
    _RESPONSES.c.idempotency_key.in_(bindparam("keys", expanding=True)),
)
# PostgreSQL: one probe of the (survey, key) unique index per key, one text for any number
# of keys (prepared once). With `key IN (...)` each key cost the unique index a descent, so
# while the statistics lagged behind a growing table (a new database, until autovacuum's
# ANALYZE) one descent of the (survey, submitted_at) index looked cheaper, and read the
# survey's every response: 2-4 ms a batch at 8,000 rows. Key by key, the unique index is
# costed no higher than that scan, and lower as soon as statistics exist.
_FIND_KEYS_PG = (
    "SELECT given.key, found.id, found.idempotency_hash FROM unnest(%s::VARCHAR[]) AS given(key) "
    "JOIN LATERAL (SELECT id, idempotency_hash FROM response WHERE survey_id = %s "
    "AND idempotency_key = given.key LIMIT 1) AS found ON true"
)

# (survey id, idempotency key) -> (stored response id, hash of the body it was stored with)
Known = dict[tuple[str, str], tuple[int, str | None]]


def mismatch(lang: str) -> Rejected:
    """422 idempotency_mismatch: this key was stored with another body."""
    _ = gettext_for(lang).gettext
    message = _(
        "This Idempotency-Key was already used with different answers. "
        "Use a new key for new answers."
    )
    return Rejected(422, "idempotency_mismatch", message)


def same_body(stored_hash: str | None, body_hash: str | None) -> bool:
    """True when a replay's body is the stored one (rows stored before hashes: any body)."""
    return stored_hash is None or stored_hash == body_hash


def replays(session: Session, items: Sequence[Pending]) -> Known:
    """The stored response of each (survey, idempotency key) among `items` already stored."""
    wanted: dict[str, set[str]] = {}
    for item in items:
        if item.idempotency_key is not None:
            wanted.setdefault(item.survey.id, set()).add(item.idempotency_key)
    found: Known = {}
    conn = session.connection()
    for survey_id, keys in wanted.items():
        rows: Any
        if conn.dialect.name == "postgresql":
            rows = conn.exec_driver_sql(_FIND_KEYS_PG, (sorted(keys), survey_id))
        else:
            rows = session.execute(_FIND_KEYS, {"survey_id": survey_id, "keys": sorted(keys)})
        found |= {(survey_id, key): (id_, digest) for key, id_, digest in rows}
    return found


def too_many(lang: str, wait: int) -> Rejected:
    """429 too_many, with the seconds to wait."""
    _ = gettext_for(lang).gettext
    message = _("Too many answers were sent from here. Please try again in a minute.")
    return Rejected(429, "too_many", message, retry_after=wait)


def throttle(session: Session, *, checks: Sequence[tuple[str, int]], lang: str) -> None:
    """Count one hit on each (key, limit per minute); over any limit, roll back and refuse (429).

    The counters live in the database, so every worker sees the same counts.
    """
    # One statement for all counters, locked in the same (sorted) order as a batch of
    # submissions locks them, so PostgreSQL never finds the two waiting on each other.
    counts, wait = limits.count_many(session, {key: 1 for key, _ in checks}, window=LIMIT_WINDOW)
    if any(counts[key] > limit for key, limit in checks):
        session.rollback()  # a refused attempt does not count, nor extend the wait
        raise too_many(lang, wait)


def client_checks(
    survey: Survey, client: str | None, client_limit: int | None = None, survey_cap: int = 0
) -> tuple[tuple[str, int], ...]:
    """The counters a submission from `client` (a salted hash, see protect.py) counts against:
    the client's (default limit: the survey's) and, if `survey_cap` > 0, the survey's own."""
    if client is None:
        return ()
    checks = [(f"submit:{survey.id}:{client}", client_limit or survey.client_limit_per_minute)]
    if survey_cap > 0:
        checks.append((f"submit:{survey.id}", survey_cap))
    return tuple(checks)


def admit(session: Session, items: Sequence[Pending], now: datetime) -> list[Rejected | None]:
    """Count each item against its limits in order; refuse (429) those over any limit.

    One statement counts the whole batch; hits of refused items are taken back, so a refused
    attempt neither counts nor extends the wait, as with one submission at a time.
    """
    hits: dict[str, int] = {}
    for item in items:
        for key, _limit in item.checks:
            hits[key] = hits.get(key, 0) + 1
    if not hits:
        return [None] * len(items)
    counts, wait = limits.count_many(session, hits, window=LIMIT_WINDOW, now=now)
    used = {key: counts[key] - n for key, n in hits.items()}  # what others had counted before
    verdicts: list[Rejected | None] = []
    for item in items:
        if all(used[key] + 1 <= limit for key, limit in item.checks):
            for key, _limit in item.checks:
                used[key] += 1
            verdicts.append(None)
        else:
            verdicts.append(too_many(item.lang, wait))
    refunds = {key: counts[key] - used[key] for key in hits}
    limits.refund(session, refunds, window=LIMIT_WINDOW, now=now)
    return verdicts


def refund(session: Session, items: Sequence[Pending], now: datetime) -> None:
    """Take back the hits of admitted items that were refused after all (a preview)."""
    hits: dict[str, int] = {}
    for item in items:
        for key, _limit in item.checks:
            hits[key] = hits.get(key, 0) + 1
    limits.refund(session, hits, window=LIMIT_WINDOW, now=now)


def scrub_pending(item: Pending) -> Pending | Rejected:
    """Remove personal information from a checked submission's texts, once the cheaper
    refusals have passed; a preview that would remove some is refused (422)."""
    if item.scrubbed:
        return item
    accepted: list[tuple[Question, Any]] = []
    removed: list[str] = []
    texts: dict[str, str] = {}
    for question, value in item.accepted:
        if question.kind == "text":
            scrubbed = scrub(value, item.submission.language)
            value = scrubbed.text
            removed.extend(k for k in scrubbed.removed if k not in removed)
            if scrubbed.removed:
                texts[question.key] = value
        accepted.append((question, value))
    if item.preview and texts:
        return personal_information(item.lang, texts, tuple(removed))
    return dataclasses.replace(item, accepted=accepted, removed=tuple(removed), scrubbed=True)

"""One path for every answer, from any channel: validate, scrub, de-duplicate, store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from feedback.answers.answer_checks import (
    check_answer,
    empty,
    missing_message,
    storable,
    visible,
)
from feedback.answers.privacy import scrub
from feedback.core.catalog import CHANNELS
from feedback.core.i18n import gettext_for
from feedback.core.models import Question, Survey, utcnow
from feedback.core.times import as_utc

TOUCHPOINT_MAX = 100
IDEMPOTENCY_KEY_MAX = 128


@dataclass(frozen=True)
class Submission:
    """A response as any channel hands it in, before validation."""

    channel: str
    language: str
    answers: Mapping[str, Any]
    touchpoint: str | None = None
    assisted: bool = False
    # How it came in (hosted, widget, kiosk, assisted, paper, api) and, for assisted entry,
    # the staff user who typed it: kept with the response (see core/models/responses.py).
    source: str | None = None
    entered_by: int | None = None
    # Sent from a staff preview (a signed preview token the route checked): stored apart.
    test: bool = False

    def __post_init__(self) -> None:
        # Agents type the touchpoint in assisted entry and anyone can put one in a link: it is
        # scrubbed wherever a submission is made (a too-long one is refused by `validate`).
        touchpoint = self.touchpoint
        if isinstance(touchpoint, str) and len(touchpoint) <= TOUCHPOINT_MAX:
            object.__setattr__(self, "touchpoint", scrub(touchpoint, self.language).text or None)


@dataclass(frozen=True)
class Stored:
    """The outcome of a stored (or replayed) submission."""

    id: int
    created: bool
    removed: tuple[str, ...] = ()


@dataclass
class Rejected(Exception):
    """A submission that cannot be stored, with messages in the request's language."""

    status: int
    code: str
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before trying again (429); sent as Retry-After.
    retry_after: int | None = None
    # What the scrubber took out, when the person is asked to check before storing (preview).
    removed: tuple[str, ...] = ()


def validate(
    survey: Survey,
    questions: list[Question],
    submission: Submission,
    lang: str,
    *,
    partial: bool = False,
    kept: Collection[str] = (),
    preview: bool = False,
    scrub_texts: bool = True,
) -> tuple[list[tuple[Question, Any]], tuple[str, ...]]:
    """Check a submission against its survey; return the answers to store and what was scrubbed.

    `partial`: more answers will follow (amend), so a missing required answer is no error yet.
    `kept`: keys whose values are already stored and clean, so they are not scrubbed again.
    `preview`: if scrubbing changed a text, refuse (422 personal_information) with the scrubbed
    texts in `fields`, so the person sees what will be removed before anything is stored.
    `scrub_texts=False`: texts are left as sent, for `scrub_pending` to clean later.
    """
    _ = gettext_for(lang).gettext
    errors: dict[str, str] = {}
    if submission.channel not in CHANNELS or submission.channel not in survey.channels:
        errors["channel"] = _("This survey is not offered on this channel.")
    if submission.language not in survey.languages:
        errors["language"] = _("Choose English or French.")
    touchpoint = submission.touchpoint
    if touchpoint is not None and (
        not isinstance(touchpoint, str)
        or len(touchpoint) > TOUCHPOINT_MAX
        or not storable(touchpoint)
    ):
        errors["touchpoint"] = _("The touchpoint must be text of at most %(max)d characters.") % {
            "max": TOUCHPOINT_MAX
        }
    by_key = {q.key: q for q in questions}
    for key in submission.answers:
        if key not in by_key:
            # Named back as sent, but only as much as can be written out (JSON is UTF-8).
            name = str(key)[:40].encode("utf-8", "replace").decode("utf-8")
            errors[name] = _("This question is not part of the survey.")
    accepted: list[tuple[Question, Any]] = []
    removed: list[str] = []
    scrubbed_texts: dict[str, str] = {}
    for question in questions:
        value = submission.answers.get(question.key)
        if not visible(question, submission.answers):
            continue  # answers to questions the person could not see are dropped
        if empty(value):
            if question.required and not partial:
                errors[question.key] = missing_message(question, lang, _)
            continue
        if question.key in kept:
            accepted.append((question, value))
            continue
        clean, error = check_answer(question, value, _)
        if error:
            errors[question.key] = error
            continue
        if question.kind == "text" and scrub_texts:
            scrubbed = scrub(clean, submission.language)
            clean = scrubbed.text
            removed.extend(k for k in scrubbed.removed if k not in removed)
            if scrubbed.removed:
                scrubbed_texts[question.key] = clean
        accepted.append((question, clean))
    if partial and not accepted and not errors:
        errors["answers"] = _("Answer at least one question.")
    if errors:
        # A channel the survey lacks is no answer the person can fix: said as the message,
        # which the widget shows (no question of its form carries the `channel` error).
        summary = errors.get("channel") or _("Some answers need your attention.")
        raise Rejected(422, "invalid", summary, errors)
    if preview and scrubbed_texts:
        raise personal_information(lang, scrubbed_texts, tuple(removed))
    return accepted, tuple(removed)


def personal_information(lang: str, texts: dict[str, str], removed: tuple[str, ...]) -> Rejected:
    _ = gettext_for(lang).gettext
    message = _(
        "To protect your privacy, we removed personal information from your comment. "
        "Check it, then send it again."
    )
    return Rejected(422, "personal_information", message, texts, removed=removed)


def body_hash(submission: Submission) -> str:
    """SHA-256 of a submission's canonical form, stored with its idempotency key: the same
    key with another body is refused, so a key is never a way into someone else's answers."""
    body = {
        "channel": submission.channel,
        "language": submission.language,
        "touchpoint": submission.touchpoint,
        "assisted": submission.assisted,
        "answers": submission.answers,
    }
    # ensure_ascii: a lone surrogate (which JSON can carry) still hashes.
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def answer_rows(response_id: int, accepted: list[tuple[Question, Any]]) -> list[dict[str, Any]]:
    """The answer rows of one response as column values (one row per option of a multi)."""
    rows: list[dict[str, Any]] = []
    for question, value in accepted:
        row: dict[str, Any] = {"response_id": response_id, "question_id": question.id}
        row |= {"value": None, "option": None, "text": None}
        if question.kind == "multi":
            rows += [row | {"option": v} for v in value]
            continue
        if question.kind == "choice":
            row["option"] = value
        elif question.kind == "text":
            row["text"] = value
        else:
            row["value"] = float(value)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Pending:
    """A checked submission, ready to store: what `prepare` made of it, with no database read."""

    survey: Survey
    questions: list[Question]
    submission: Submission
    accepted: list[tuple[Question, Any]]
    removed: tuple[str, ...]
    submitted_at: datetime
    lang: str
    idempotency_key: str | None = None
    # (counter key, limit per minute) pairs this submission counts against.
    checks: tuple[tuple[str, int], ...] = ()
    # The body's hash, stored with the idempotency key (see body_hash).
    body_hash: str | None = None
    # False until scrub_pending has cleaned the texts (after the cheap refusals).
    scrubbed: bool = True
    preview: bool = False


def check_open(survey: Survey | None, lang: str) -> Survey:
    """The survey if it takes answers now; otherwise a 404 (unknown, draft) or 410 (closed)."""
    _ = gettext_for(lang).gettext
    if survey is None or survey.status == "draft":
        raise Rejected(404, "not_found", _("This survey does not exist."))
    if survey.status != "live":
        raise Rejected(410, "closed", _("This survey is closed. Thank you for your interest."))
    return survey


def prepare(
    survey: Survey | None,
    questions: list[Question],
    submission: Submission,
    lang: str,
    *,
    idempotency_key: str | None = None,
    submitted_at: datetime | None = None,
    partial: bool = False,
    preview: bool = False,
    checks: tuple[tuple[str, int], ...] = (),
) -> Pending:
    """Check a submission (open survey, key, answers, scrubbing) without touching the database.

    Raises Rejected; what it returns, `store_many` stores. See `validate` for the flags.
    """
    survey = check_open(survey, lang)
    if idempotency_key is not None and (
        not idempotency_key
        or len(idempotency_key) > IDEMPOTENCY_KEY_MAX
        or not idempotency_key.isprintable()
    ):
        _ = gettext_for(lang).gettext
        raise Rejected(400, "bad_idempotency_key", _("The Idempotency-Key header is not valid."))
    # Texts are scrubbed later (scrub_pending), after the replay and rate-limit checks.
    accepted, removed = validate(
        survey, questions, submission, lang, partial=partial, scrub_texts=False
    )
    # Stored in UTC: SQLite keeps no offset, and daily aggregates are UTC days.
    moment = as_utc(submitted_at) if submitted_at else utcnow()
    digest = body_hash(submission) if idempotency_key is not None else None
    return Pending(
        survey, questions, submission, accepted, removed, moment, lang, idempotency_key, checks,
        body_hash=digest, scrubbed=False, preview=preview,
    )  # fmt: skip


def submission_from_json(body: Any, *, lang: str, source: str | None = None) -> Submission:
    """Read the API's JSON body; a wrong shape is a 422 naming the field."""
    _ = gettext_for(lang).gettext
    if not isinstance(body, dict):
        raise Rejected(422, "invalid", _("The request body must be a JSON object."))
    errors: dict[str, str] = {}
    answers = body.get("answers")
    if not isinstance(answers, dict):
        errors["answers"] = _("Give the answers as an object keyed by question id.")
    for name in ("channel", "language"):
        if not isinstance(body.get(name), str):
            errors[name] = _("This field is required and must be text.")
    touchpoint = body.get("touchpoint")
    if touchpoint is not None and not isinstance(touchpoint, str):
        errors["touchpoint"] = _("The touchpoint must be text of at most %(max)d characters.") % {
            "max": TOUCHPOINT_MAX
        }
    if errors:
        raise Rejected(422, "invalid", _("Some answers need your attention."), errors)
    return Submission(
        channel=body["channel"],
        language=body["language"],
        answers=answers,  # type: ignore[arg-type]
        touchpoint=touchpoint or None,
        source=source,
    )

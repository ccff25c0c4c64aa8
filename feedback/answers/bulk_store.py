"""Many checked items stored in batches (bulk API, paper forms), each through intake, with a
result per item.

Items are stored in batches: one transaction per CHUNK items instead of one per item, so
thousands of items take seconds. Idempotency stays per item (survey + key): a replayed key
answers 200 with the first id and stores nothing. If another request stored one of the
keys while this batch ran, the batch is rolled back and redone one item at a time, so
results and aggregates stay exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from feedback.answers import admission, intake, outbox, storing
from feedback.core import observability
from feedback.core.catalog import LANGUAGES
from feedback.core.i18n import gettext_for
from feedback.core.models import Answer, Question, Response, Survey, utcnow
from feedback.core.times import as_utc
from feedback.insight import rollups
from feedback.surveys import definitions as surveys

CHUNK = 250  # items per transaction: short enough not to hold SQLite's write lock for long
# How far before its survey was created a response may be dated (forms typed in from paper,
# an older system's history): earlier is a typo, and would stretch every period listing.
BACKDATE_LIMIT = timedelta(days=400)


@dataclass(frozen=True)
class Item:
    """One response to store: its survey, its idempotency key and the submission itself."""

    survey_id: str
    key: str | None
    submission: intake.Submission
    submitted_at: datetime | None = None


@dataclass
class Result:
    """What happened to one item: 201 stored, 200 replayed, or an error status."""

    index: int
    status: int
    id: int | None = None
    code: str | None = None
    message: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def refused(cls, index: int, error: intake.Rejected) -> Result:
        """The result of an item that was not stored."""
        return cls(index, error.status, code=error.code, message=error.message, fields=error.fields)

    def as_json(self) -> dict[str, Any]:
        """The item's entry in the API's `results` list."""
        out: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.id is not None:
            out["id"] = str(self.id)
        if self.code is not None:
            error: dict[str, Any] = {"code": self.code, "message": self.message}
            if self.fields:
                error["fields"] = self.fields
            out["error"] = error
        return out


class _Surveys:
    """Surveys and their questions, read once per batch."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.found: dict[str, tuple[Survey | None, list[Question]]] = {}

    def known(
        self, items: Sequence[Item | intake.Rejected]
    ) -> dict[tuple[str, str], tuple[int, str | None]]:
        """Response ids (and body hashes) stored under these items' keys: one read per survey."""
        wanted: dict[str, set[str]] = {}
        for item in items:
            if isinstance(item, Item) and item.key:
                wanted.setdefault(item.survey_id, set()).add(item.key)
        found: dict[tuple[str, str], tuple[int, str | None]] = {}
        for survey_id, keys in wanted.items():
            stmt = select(Response.id, Response.idempotency_key, Response.idempotency_hash).where(
                Response.survey_id == survey_id, col(Response.idempotency_key).in_(keys)
            )
            for response_id, key, digest in self.session.execute(stmt):
                found[(survey_id, key)] = (response_id, digest)
        return found

    def get(self, survey_id: str) -> tuple[Survey | None, list[Question]]:
        if survey_id not in self.found:
            survey = surveys.get_survey(self.session, survey_id)
            questions = surveys.questions_of(self.session, survey_id) if survey else []
            self.found[survey_id] = (survey, questions)
        return self.found[survey_id]


def _check(
    cache: _Surveys, item: Item, lang: str, service_ids: Sequence[str]
) -> tuple[Survey, list[Question], str]:
    """The open survey of an item, its questions and the item's language; Rejected if not."""
    asked = lang  # the request's language, as for the other submitted_at errors
    lang = item.submission.language if item.submission.language in LANGUAGES else lang
    found, questions = cache.get(item.survey_id)
    survey = intake.check_open(found, lang)
    if service_ids and survey.service_id not in service_ids:
        message = gettext_for(lang).gettext("This API token may not use this survey.")
        raise intake.Rejected(403, "forbidden", message)
    earliest = as_utc(survey.created_at) - BACKDATE_LIMIT
    if item.submitted_at is not None and item.submitted_at < earliest:
        message = gettext_for(asked).gettext(
            "The time cannot be before %(date)s (400 days before the survey was created)."
        ) % {"date": earliest.date().isoformat()}
        raise intake.Rejected(422, "invalid", message, {"submitted_at": message})
    return survey, questions, lang


def _one_by_one(
    session: Session,
    cache: _Surveys,
    chunk: list[tuple[int, Item | intake.Rejected]],
    lang: str,
    service_ids: Sequence[str],
) -> list[Result]:
    """The plain path: storing.submit per item, each in its own transaction."""
    results = []
    for index, item in chunk:
        try:
            if isinstance(item, intake.Rejected):
                raise item
            survey, questions, item_lang = _check(cache, item, lang, service_ids)
            stored = storing.submit(
                session,
                survey=survey,
                questions=questions,
                submission=item.submission,
                lang=item_lang,
                idempotency_key=item.key,
                submitted_at=item.submitted_at,
            )
        except intake.Rejected as error:
            results.append(Result.refused(index, error))
            continue
        results.append(Result(index, 201 if stored.created else 200, id=stored.id))
    return results


_Valid = tuple[Result, Item, Survey, list[tuple[Question, Any]]]


def _batch(
    session: Session,
    cache: _Surveys,
    chunk: list[tuple[int, Item | intake.Rejected]],
    lang: str,
    service_ids: Sequence[str],
    store: bool = True,
) -> list[Result]:
    """Validate every item through intake, then store the new ones with a few statements.

    `store=False` checks only: new items get 201 without an id.
    """
    known = cache.known([item for _i, item in chunk])
    results: list[Result] = []
    new: list[_Valid] = []
    first: dict[tuple[str, str], Result] = {}  # a key twice in one chunk: stored once
    repeats: list[tuple[Result, Result]] = []
    first_hash: dict[tuple[str, str], str] = {}
    for index, item in chunk:
        try:
            if isinstance(item, intake.Rejected):
                raise item
            survey, questions, item_lang = _check(cache, item, lang, service_ids)
            key = (survey.id, item.key or "")
            if key in known:
                # The same key with another body is refused: a key is not a password.
                if not admission.same_body(known[key][1], intake.body_hash(item.submission)):
                    raise admission.mismatch(item_lang)
                results.append(Result(index, 200, id=known[key][0]))
                continue
            if key in first:
                if first_hash[key] != intake.body_hash(item.submission):
                    raise admission.mismatch(item_lang)
                results.append(Result(index, 200))
                repeats.append((results[-1], first[key]))
                continue
            accepted, _removed = intake.validate(survey, questions, item.submission, item_lang)
        except intake.Rejected as error:
            results.append(Result.refused(index, error))
            continue
        results.append(Result(index, 201))
        first[key] = results[-1]
        first_hash[key] = intake.body_hash(item.submission)
        new.append((results[-1], item, survey, accepted))
    if new and store:
        _insert(session, new)
    for repeat, original in repeats:
        repeat.id = original.id
    return results


def _insert(session: Session, new: list[_Valid]) -> None:
    """Insert validated responses and their answers; count them; queue their webhooks."""
    now = utcnow()
    responses = [
        Response(
            survey_id=survey.id,
            channel=item.submission.channel,
            touchpoint=item.submission.touchpoint or None,
            language=item.submission.language,
            assisted=item.submission.assisted,
            submitted_at=item.submitted_at or now,
            idempotency_key=item.key,
            idempotency_hash=intake.body_hash(item.submission) if item.key else None,
            source=item.submission.source,
            entered_by=item.submission.entered_by,
        )
        for _result, item, survey, _accepted in new
    ]
    table: Any = Response.__table__  # type: ignore[attr-defined]
    rows = [r.model_dump(exclude={"id"}) for r in responses]
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = list(session.execute(stmt, rows).scalars())
    answers: list[dict[str, Any]] = []
    for response, response_id, (result, _item, _survey, accepted) in zip(
        responses, ids, new, strict=True
    ):
        response.id = result.id = response_id
        answers += intake.answer_rows(response_id, accepted)
    if answers:
        session.execute(insert(Answer.__table__), answers)  # type: ignore[attr-defined]
    rollups.add_responses(session, ids)
    for response, (_result, _item, survey, accepted) in zip(responses, new, strict=True):
        outbox.enqueue(session, survey=survey, response=response, accepted=accepted)
        observability.submitted(session, response.channel)


def store_many(
    session: Session,
    *,
    items: Sequence[Item | intake.Rejected],
    lang: str,
    service_ids: Sequence[str] = (),
    first_index: int = 0,
    dry_run: bool = False,
) -> list[Result]:
    """Store parsed items (or report their parse errors), a chunk per transaction.

    `service_ids`: when not empty, items for other services' surveys are refused (403).
    `dry_run`: check every item as if storing it, and store nothing.
    """
    results: list[Result] = []
    cache = _Surveys(session)
    for start in range(0, len(items), CHUNK):
        chunk = list(enumerate(items[start : start + CHUNK], start=first_index + start))
        if dry_run:
            results += _batch(session, cache, chunk, lang, service_ids, store=False)
            continue
        try:
            batch = _batch(session, cache, chunk, lang, service_ids)
            session.commit()
        except IntegrityError:
            # A concurrent request stored one of these keys first: redo this chunk item by
            # item through storing.submit, so each replay finds the stored response.
            session.rollback()
            batch = _one_by_one(session, cache, chunk, lang, service_ids)
        results += batch
    return results

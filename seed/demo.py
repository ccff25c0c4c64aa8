"""Demo data: three public services, their live surveys, dated changes and a year of responses.

The responses follow patterns a service manager would recognise: phone below in person, a
clear lift on the web after the licence form was relaunched, quiet weekends and a busy spring,
a quarter of people answering in French, drivers that explain satisfaction (timeliness first,
as Citizens First found) and comments that match the score. Everything is deterministic under
the seed, and a million responses load in about a minute on SQLite.
"""

from __future__ import annotations

import gc
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import Session, SQLModel, col
from sqlmodel import select as select_models

from feedback.comments import rebuild as comments_rebuild
from feedback.core import local_time
from feedback.core.catalog import CHANNELS, Text
from feedback.core.models import Answer, ChangeEvent, Question, Response, Service, Survey
from feedback.insight import rollups
from feedback.surveys.definitions import allow_origin, create_from_template
from seed.answers import BASE_QUALITY, AnswerWriter, Stream, table
from seed.calendar import (
    AGENT_ENTRY,
    BUSY,
    HOURS,
    WEEKDAYS,
    season,
    start_day,
    touchpoints,
    utc_shift,
)

# Fixed public ids (from the survey id alphabet) so demo URLs and the demo page stay stable.
PAGE_FEEDBACK = "rnwpgfdbk2"
COUNTER = "rnwcntr347"
TASK = "rnwtsk5689"
TRUST = "bnftrst234"
CSAT = "bnfcst5678"
NPS = "prmtnps279"
CES = "prmtcs3456"

# The demo services count their days in Toronto, as their made-up offices keep its hours.
DEMO_ZONE = "America/Toronto"
SERVICES: dict[str, Text] = {
    "licences": {"en": "Licence renewals", "fr": "Renouvellement de permis"},
    "benefits": {"en": "Family benefits", "fr": "Prestations familiales"},
    "permits": {"en": "Building permits", "fr": "Permis de construction"},
}


@dataclass(frozen=True)
class DemoSurvey:
    """A demo survey: template, channels with their share of the volume, and how good it is."""

    id: str
    service: str
    template: str
    volume: tuple[tuple[str, float], ...]  # (channel, relative share of all responses)
    title: Text
    params: dict[str, Text] = field(default_factory=dict)
    shift: float = 0.0  # added to the channel's base share of good answers

    @property
    def channels(self) -> list[str]:
        """The channels the survey is used on."""
        return [c for c, _ in self.volume]


# fmt: off
_LICENCE = {"service": {"en": "the licence renewal service",
                        "fr": "le service de renouvellement de permis"},
            "task": {"en": "renew your licence", "fr": "renouveler votre permis"}}
_BENEFITS = {"service": {"en": "the Family Benefits program",
                         "fr": "le programme de prestations familiales"}}
_PERMITS = {"service": {"en": "the building permits office",
                        "fr": "le bureau des permis de construction"}}

SURVEYS: tuple[DemoSurvey, ...] = (
    DemoSurvey(PAGE_FEEDBACK, "licences", "gc_page_feedback", (("web", 22),),
               {"en": "Licence renewal pages", "fr": "Pages sur le renouvellement de permis"},
               _LICENCE, shift=-0.25),
    DemoSurvey(COUNTER, "licences", "service_counter",
               (("in_person", 9), ("phone", 8), ("video", 1), ("chat", 3), ("email", 2),
                ("mail", 1), ("kiosk", 2), ("ivr", 3)),
               {"en": "Licence renewals: service quality",
                "fr": "Renouvellement de permis\u00a0: qualité du service"}, _LICENCE),
    DemoSurvey(TASK, "licences", "gc_task_success", (("web", 9), ("mobile_app", 4)),
               {"en": "Renewing a licence online", "fr": "Renouveler un permis en ligne"},
               _LICENCE, shift=-0.03),
    DemoSurvey(TRUST, "benefits", "a11_v2",
               (("web", 7), ("mobile_app", 4), ("phone", 6), ("in_person", 4), ("sms", 3)),
               {"en": "Family benefits: trust", "fr": "Prestations familiales\u00a0: confiance"},
               _BENEFITS, shift=-0.04),
    DemoSurvey(CSAT, "benefits", "csat_comment", (("chat", 3), ("email", 2), ("video", 1)),
               {"en": "Family benefits: satisfaction",
                "fr": "Prestations familiales\u00a0: satisfaction"}, _BENEFITS, shift=-0.02),
    DemoSurvey(NPS, "permits", "nps",
               (("in_person", 3), ("phone", 2), ("email", 1), ("mail", 0.5)),
               {"en": "Building permits: recommendation",
                "fr": "Permis de construction\u00a0: recommandation"}, _PERMITS, shift=-0.04),
    DemoSurvey(CES, "permits", "ces", (("web", 3), ("kiosk", 1), ("mobile_app", 1)),
               {"en": "Building permits: effort", "fr": "Permis de construction\u00a0: effort"},
               {"service": {"en": "The building permits office",
                            "fr": "Le bureau des permis de construction"}}, shift=-0.03),
)
# fmt: on


@dataclass(frozen=True)
class DemoEvent:
    """A dated change on a service, placed `days_before` the day the demo is made."""

    service: str
    days_before: int
    label: Text


# fmt: off
EVENTS: tuple[DemoEvent, ...] = (
    DemoEvent("licences", 150, {"en": "New online renewal form launched",
                                "fr": "Nouveau formulaire de renouvellement en ligne lancé"}),
    DemoEvent("benefits", 75, {"en": "Call-back option added to the phone line",
                               "fr": "Option de rappel ajoutée à la ligne téléphonique"}),
    DemoEvent("permits", 240, {"en": "Online booking of counter appointments",
                               "fr": "Réservation en ligne des rendez-vous au comptoir"}),
)

# What each event changed: (survey, channels, event, change in share of good answers, days
# for the change to take full effect). The licence form also cut failed online attempts.
EFFECTS: tuple[tuple[str, tuple[str, ...], int, float, int], ...] = (
    (PAGE_FEEDBACK, ("web",), 0, 0.14, 21),
    (TASK, ("web",), 0, 0.14, 21),
    (TASK, ("mobile_app",), 0, 0.04, 21),
    (COUNTER, ("phone", "in_person", "video", "chat"), 0, 0.03, 21),
    (TRUST, ("phone",), 1, 0.12, 14),
    (NPS, ("in_person",), 2, 0.07, 28),
)
# fmt: on


def ensure_demo(session: Session, *, base_origin: str, today: date | None = None) -> list[Survey]:
    """Create the demo services, their live surveys and change events where missing."""
    today = today or local_time.today(DEMO_ZONE)
    for service_id, name in SERVICES.items():
        if session.get(Service, service_id) is None:
            session.add(Service(id=service_id, name=name, time_zone=DEMO_ZONE))
    session.flush()
    surveys = []
    for spec in SURVEYS:
        survey = session.get(Survey, spec.id)
        web = "web" in spec.channels
        if survey is None:
            service = session.get(Service, spec.service)
            assert service is not None
            survey = create_from_template(
                session,
                template_id=spec.template,
                service=service,
                channels=spec.channels,
                allowed_origins=[base_origin] if web else [],
                status="live",
                title=spec.title,
                params=spec.params,
                survey_id=spec.id,
            )
        elif web:
            allow_origin(survey, base_origin)
        surveys.append(survey)
    for event in EVENTS:
        if _event_day(session, event) is None:
            day = today - timedelta(days=event.days_before)
            session.add(ChangeEvent(service_id=event.service, day=day, label=event.label))
    session.flush()
    return surveys


def _event_day(session: Session, event: DemoEvent) -> date | None:
    found = session.exec(select_models(ChangeEvent).where(ChangeEvent.service_id == event.service))
    return next((e.day for e in found if e.label.get("en") == event.label["en"]), None)


@dataclass(frozen=True)
class SeedSummary:
    """What seed_responses added."""

    total: int
    answers: int
    comments: int
    by_survey: Mapping[str, int]
    by_channel: Mapping[str, int]
    by_language: Mapping[str, int]


def _streams(session: Session, days: list[date], today: date) -> list[Stream]:
    """One stream per demo survey and channel, with its score level on each day."""
    qids: dict[str, dict[str, int]] = {}
    rows = session.connection().execute(
        select(col(Question.survey_id), col(Question.key), col(Question.id)).where(
            col(Question.survey_id).in_([s.id for s in SURVEYS]), col(Question.retired).is_(False)
        )
    )
    for survey_id, key, qid in rows:
        if qid is not None:
            qids.setdefault(survey_id, {})[key] = qid
    event_days = [_event_day(session, e) or today - timedelta(days=e.days_before) for e in EVENTS]
    normal = NormalDist()
    streams = []
    for spec in SURVEYS:
        if spec.id not in qids:
            continue
        for channel, _ in spec.volume:
            st = Stream(spec.id, spec.service, spec.template, channel, qids[spec.id])
            effect = next(
                ((ev, d, n) for s, chs, ev, d, n in EFFECTS if s == spec.id and channel in chs),
                None,
            )
            for day in days:
                ramp = 0.0
                if effect:
                    ramp = min(1.0, max(0.0, (day - event_days[effect[0]]).days / effect[2]))
                busy = 0.05 * (season(day) - 1) / 0.3 if channel in BUSY else 0.0
                lift = effect[1] * ramp if effect else 0.0
                quality = BASE_QUALITY[channel] + spec.shift - busy + lift
                st.m.append(normal.inv_cdf(min(0.98, max(0.02, quality))))
                st.r.append(ramp)
            streams.append(st)
    if not streams:
        raise LookupError("no demo surveys: call ensure_demo first")
    return streams


_CHUNK = 20_000  # responses per executemany
# Volume trend over the window, as (start, change): people move online, calls fall.
_GROWTH = {"web": (0.85, 0.3), "mobile_app": (0.75, 0.5), "phone": (1.1, -0.2)}


def seed_responses(
    session: Session,
    *,
    months: int = 12,
    responses: int = 4000,
    today: date | None = None,
    seed: int = 42,
    insert: Callable[[Any, list[dict[str, Any]], list[dict[str, Any]]], None] | None = None,
) -> SeedSummary:
    """Add `responses` demo responses over the `months` months ending `today`, then roll up.

    `insert(conn, responses, answers)` writes and empties each chunk (seed.copy uses COPY).
    """
    insert = insert or _insert
    if months < 1 or responses < 0:
        raise ValueError("months must be at least 1 and responses at least 0")
    now = datetime.now(UTC)
    local_today = local_time.today(DEMO_ZONE, now)
    today = today or local_today
    rnd = random.Random(seed)
    start = start_day(today, months)
    days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
    streams = _streams(session, days, today)
    counts = _cell_counts(rnd, streams, days, responses)
    conn = session.connection()
    rid = conn.execute(select(func.max(Response.id))).scalar() or 0
    writer = AnswerWriter(rnd, (conn.execute(select(func.max(Answer.id))).scalar() or 0) + 1)
    first_answer = writer.next_id
    touch = [touchpoints(st.service, st.template, st.channel) for st in streams]
    hours = {c: table(HOURS[c], 240) for c in CHANNELS}
    rows: list[dict[str, Any]] = []
    by_language: Counter[str] = Counter()
    n = len(streams)
    # Millions of short-lived dicts: the cyclic collector would only rescan them, many times.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i, day in enumerate(days):
            # The local (Toronto) midnight: hours below are the offices' own.
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
            midnight += utc_shift(day) * 3600
            # Today's responses are all in the past, squeezed into the hours gone by.
            squeeze = (now.timestamp() - midnight) / 86400 if day == local_today else 1.0
            todays: list[tuple[int, int]] = []
            for k in range(n):
                hour_table = hours[streams[k].channel]
                for _ in range(counts[i * n + k]):
                    hour = hour_table[int(rnd.random() * len(hour_table))]
                    secs = hour * 3600 + int(rnd.random() * 3600)
                    todays.append((int(secs * squeeze), k))
            todays.sort()  # ids follow time
            for secs, k in todays:
                st = streams[k]
                rid += 1
                tp, french, effect = touch[k][int(rnd.random() * len(touch[k]))]
                lang = "fr" if rnd.random() < french else "en"
                m = st.m[i] + effect
                if lang == "fr" and st.channel == "phone":
                    m -= 0.12  # fewer French-speaking agents, so longer waits
                agent = rnd.random() < AGENT_ENTRY.get(st.channel, 0.0)
                at = datetime.fromtimestamp(midnight + secs, UTC)
                rows.append(
                    {"id": rid, "survey_id": st.survey_id, "channel": st.channel,
                     "touchpoint": tp, "language": lang, "assisted": agent,
                     "submitted_at": at, "idempotency_key": None}
                )  # fmt: skip
                by_language[lang] += 1
                writer.write(st, rid, m, st.r[i], lang)
            if len(rows) >= _CHUNK:
                insert(conn, rows, writer.rows)
        insert(conn, rows, writer.rows)
    finally:
        if was_enabled:
            gc.enable()
    if conn.dialect.name == "postgresql" and responses:
        # Explicit ids leave the sequences behind; move them past the new rows.
        for name in ("response", "answer"):
            sequence = f"pg_get_serial_sequence('{name}', 'id')"
            conn.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {name}))"))
    rollups.rebuild(session)
    comments_rebuild.rebuild(session, first_answer=first_answer)  # inbox, search, themes
    by_survey: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    for cell, count in enumerate(counts):
        by_survey[streams[cell % n].survey_id] += count
        by_channel[streams[cell % n].channel] += count
    return SeedSummary(
        total=responses, answers=writer.next_id - first_answer, comments=writer.comments,
        by_survey=dict(by_survey), by_channel=dict(by_channel), by_language=dict(by_language),
    )  # fmt: skip


def _cell_counts(
    rnd: random.Random, streams: list[Stream], days: list[date], responses: int
) -> list[int]:
    """Responses per (day, stream) cell, day-major: season, weekday and trend set the odds."""
    volume = {(s.id, c): w for s in SURVEYS for c, w in s.volume}
    cum: list[float] = []
    total, span = 0.0, max(1, len(days) - 1)
    for i, day in enumerate(days):
        factor, weekday = season(day), day.weekday()
        for st in streams:
            base, change = _GROWTH.get(st.channel, (1.0, 0.0))
            trend = base + change * i / span
            total += (
                volume[(st.survey_id, st.channel)] * factor * WEEKDAYS[st.channel][weekday] * trend
            )
            cum.append(total)
    counts = [0] * len(cum)
    for cell in rnd.choices(range(len(cum)), cum_weights=cum, k=responses):
        counts[cell] += 1
    return counts


def _insert(conn: Any, rows: list[dict[str, Any]], answers: list[dict[str, Any]]) -> None:
    """Insert a chunk of responses and then their answers (executemany), and empty both."""
    if rows:
        conn.execute(SQLModel.metadata.tables["response"].insert(), rows)
    if answers:
        conn.execute(SQLModel.metadata.tables["answer"].insert(), answers)
    rows.clear()
    answers.clear()

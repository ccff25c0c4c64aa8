"""How demo respondents answer: a score model per template, and comments that match the score.

Each response has a latent satisfaction S ~ N(m, 1); a rating is S cut into five points so that
P(4 or 5) = P(S > 0), and the channel's share of good answers sets m. Drivers share a common
factor with S, timeliness weighing most. Comments are in the response's language, match the
tone of the score and, where natural, the channel; none holds personal information.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from feedback.core.catalog import CHANNELS
from seed.comments import TONES, pool

# Share of satisfied answers (top-2-box) by channel: busy lines and hold times put the phone
# below offices and the web; automated phone menus score lowest.
# fmt: off
BASE_QUALITY: dict[str, float] = {
    "in_person": 0.85, "video": 0.80, "mobile_app": 0.77, "web": 0.75, "kiosk": 0.73,
    "chat": 0.73, "sms": 0.72, "email": 0.69, "mail": 0.67, "phone": 0.62, "ivr": 0.50,
}
# service_counter drivers: (key, loading on the shared factor, weight in satisfaction).
_DRIVERS = (("timeliness", 0.6, 0.45), ("knowledge", 0.6, 0.2), ("courtesy", 0.55, 0.12),
            ("fairness", 0.5, 0.1), ("outcome", 0.65, 0.3))
# What the drivers leave unexplained, so that satisfaction keeps a variance of 1.
_RESIDUAL = math.sqrt(1 - sum(b * lam for _, lam, b in _DRIVERS) ** 2
                      - sum(b * b * (1 - lam * lam) for _, lam, b in _DRIVERS))
# Drivers' level against overall satisfaction: waits drag timeliness down on the phone and by
# mail; staff are rated courteous and fair almost everywhere.
_DRIVER_OFFSET: dict[str, dict[str, float]] = {
    "timeliness": {"phone": -0.35, "ivr": -0.3, "mail": -0.45, "email": -0.2, "in_person": -0.15,
                   "kiosk": 0.1},
    "knowledge": {"*": 0.15}, "courtesy": {"*": 0.45}, "fairness": {"*": 0.5},
    "outcome": {"*": 0.05},
}
# Where people had tried first, by the channel they ended on; "web" is failure demand.
_TRIED_FIRST: dict[str, dict[str, int]] = {
    "phone": {"no": 62, "web": 22, "ivr": 8, "email": 3, "in_person": 3, "chat": 2},
    "in_person": {"no": 65, "web": 20, "phone": 10, "mobile_app": 3, "mail": 2},
    "video": {"no": 60, "web": 25, "phone": 15}, "chat": {"no": 70, "web": 25, "phone": 5},
    "email": {"no": 60, "web": 20, "phone": 15, "chat": 5},
    "mail": {"no": 80, "phone": 15, "in_person": 5}, "kiosk": {"no": 80, "web": 10, "phone": 10},
    "ivr": {"no": 85, "web": 10, "phone": 5},
}
_FAILED = 0.35  # how much lower people rate after failing on another channel first
_WENT_WELL = {"effectiveness": 0.55, "ease": 0.45, "efficiency": 0.35, "transparency": 0.2,
              "humanity": 0.3, "employee": 0.5, "other": 0.04}
_WENT_BADLY = {"effectiveness": 0.45, "ease": 0.35, "efficiency": 0.55, "transparency": 0.25,
               "humanity": 0.08, "employee": 0.2, "other": 0.1}
_COMMENT_RATE = {"neg": 0.26, "mid": 0.13, "pos": 0.1}
# fmt: on


def cut5(x: float) -> int:
    """A latent score as a 1..5 rating; 4 and 5 are exactly the values above 0."""
    return 1 if x < -1.4 else 2 if x < -0.7 else 3 if x < 0.0 else 4 if x < 1.0 else 5


def table(weights: Mapping[Any, float], size: int = 200) -> list[Any]:
    """A lookup list in which each key appears in proportion to its weight (draw by index)."""
    total = sum(weights.values())
    return [k for k, w in weights.items() for _ in range(max(1, round(size * w / total)))]


@dataclass
class Stream:
    """One survey on one channel: its question ids, daily score level and answer habits."""

    survey_id: str
    service: str
    template: str
    channel: str
    qid: dict[str, int]
    m: list[float] = field(default_factory=list)  # latent mean, per day of the window
    r: list[float] = field(default_factory=list)  # how far its change has taken effect, per day
    comments: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    tried: list[str] = field(default_factory=list)
    # (question id, loading, own share, weight in satisfaction, offset, answer rate)
    drivers: list[tuple[int | None, float, float, float, float, float]] = field(
        default_factory=list
    )
    well: list[tuple[str, float]] = field(default_factory=list)
    badly: list[tuple[str, float]] = field(default_factory=list)
    fail_bonus: float = 0.0  # keeps the mean where BASE_QUALITY says despite failure demand

    def __post_init__(self) -> None:
        assisted = CHANNELS[self.channel].mode == "assisted"
        self.comments = {
            (lang, tone): pool(language=lang, tone=tone, channel=self.channel, service=self.service)
            for lang in ("en", "fr")
            for tone in TONES
        }
        self.tried = table(_TRIED_FIRST.get(self.channel, {"no": 1}))
        self.fail_bonus = _FAILED * (1 - self.tried.count("no") / len(self.tried))
        # Few rate "staff" after a kiosk or an automated line.
        staff = 0.9 if assisted else 0.3
        rates = {"knowledge": staff, "courtesy": staff}
        for key, lam, beta in _DRIVERS:
            offsets = _DRIVER_OFFSET[key]
            off = offsets.get(self.channel, offsets.get("*", 0.0))
            rate = rates.get(key, 0.9)
            self.drivers.append((self.qid.get(key), lam, math.sqrt(1 - lam * lam), beta, off, rate))
        self.well = [(k, p if k != "employee" or assisted else 0.03) for k, p in _WENT_WELL.items()]
        badly = dict(_WENT_BADLY, employee=0.2 if assisted else 0.02)
        if self.channel in ("web", "mobile_app"):
            badly["ease"] = 0.5
        if self.channel == "phone":
            badly["efficiency"] = 0.7
        self.badly = list(badly.items())


class AnswerWriter:
    """Writes the answers of one response at a time as plain rows with consecutive ids."""

    def __init__(self, rnd: random.Random, first_id: int) -> None:
        self.rnd = rnd
        self.next_id = first_id
        self.rows: list[dict[str, Any]] = []
        self.comments = 0
        self._by_template = {
            "gc_page_feedback": self._page,
            "gc_task_success": self._task,
            "a11_v2": self._trust,
            "service_counter": self._counter,
            "csat_comment": self._csat,
            "nps": self._nps,
            "ces": self._ces,
        }

    def write(self, st: Stream, rid: int, m: float, r: float, lang: str) -> None:
        """Answer response `rid` of stream `st`, at latent level `m`, change taken effect `r`."""
        self._by_template[st.template](st, rid, m, r, lang)

    def _add(
        self,
        rid: int,
        qid: int | None,
        value: float | None,
        option: str | None = None,
        text: str | None = None,
    ) -> None:
        if qid is not None:
            self.rows.append(
                {
                    "id": self.next_id,
                    "response_id": rid,
                    "question_id": qid,
                    "value": value,
                    "option": option,
                    "text": text,
                }
            )
            self.next_id += 1

    def _comment(self, st: Stream, rid: int, lang: str, s: float) -> None:
        tone = "neg" if s < -0.3 else "pos" if s > 0.7 else "mid"
        if "comment" in st.qid and self.rnd.random() < _COMMENT_RATE[tone]:
            texts = st.comments[(lang, tone)]
            said = texts[int(self.rnd.random() * len(texts))]
            self._add(rid, st.qid["comment"], None, None, said)
            self.comments += 1

    def _page(self, st: Stream, rid: int, m: float, r: float, lang: str) -> None:
        s = m + self.rnd.gauss(0.0, 1.0)
        self._add(rid, st.qid.get("found"), 1.0 if s > 0 else 0.0)
        self._comment(st, rid, lang, s)

    def _task(self, st: Stream, rid: int, m: float, r: float, lang: str) -> None:
        rnd, q = self.rnd, st.qid
        s = m + rnd.gauss(0.0, 1.0)
        self._add(rid, q.get("satisfaction"), float(cut5(s)))
        if rnd.random() < 0.92:
            ease = 0.2 + m + 0.8 * (s - m) + 0.6 * rnd.gauss(0.0, 1.0)
            self._add(rid, q.get("ease"), float(cut5(ease)))
        if rnd.random() < 0.9:
            done = m + 0.35 + 0.8 * (s - m) + 0.6 * rnd.gauss(0.0, 1.0) > 0
            self._add(rid, q.get("completed"), 1.0 if done else 0.0)
        self._comment(st, rid, lang, s)

    def _trust(self, st: Stream, rid: int, m: float, r: float, lang: str) -> None:
        rnd = self.rnd
        s = m + rnd.gauss(0.0, 1.0)
        up = s > 0
        self._add(rid, st.qid.get("trust"), 1.0 if up else 0.0)
        if rnd.random() < 0.8:
            # The call-back option (r) shortened phone waits, so fewer say "it took too long".
            odds = (
                st.well
                if up
                else [(k, p - 0.25 * r if k == "efficiency" else p) for k, p in st.badly]
            )
            picked = [k for k, p in odds if rnd.random() < p] or [odds[0][0]]
            qid = st.qid.get("went_well" if up else "went_badly")
            for option in picked:
                self._add(rid, qid, None, option)
        self._comment(st, rid, lang, s)

    def _counter(self, st: Stream, rid: int, m: float, r: float, lang: str) -> None:
        rnd = self.rnd
        tried = st.tried[int(rnd.random() * len(st.tried))]
        if tried == "web" and rnd.random() < 0.5 * r:  # the new online form works for more people
            tried = "no"
        m += st.fail_bonus
        if tried != "no":  # failing elsewhere first lowers satisfaction
            m -= _FAILED
        g = rnd.gauss(0.0, 1.0)
        dev_s = 0.0
        for qid, lam, own, beta, off, rate in st.drivers:
            dev = lam * g + own * rnd.gauss(0.0, 1.0)
            dev_s += beta * dev
            if rnd.random() < rate:
                self._add(rid, qid, float(cut5(m + off + dev)))
        s = m + dev_s + _RESIDUAL * rnd.gauss(0.0, 1.0)
        self._add(rid, st.qid.get("satisfaction"), float(cut5(s)))
        if rnd.random() < 0.8:
            self._add(rid, st.qid.get("other_channel"), None, tried)
        self._comment(st, rid, lang, s)

    def _csat(self, st: Stream, rid: int, m: float, r: float, lang: str) -> None:
        s = m + self.rnd.gauss(0.0, 1.0)
        self._add(rid, st.qid.get("satisfaction"), float(cut5(s)))
        self._comment(st, rid, lang, s)

    def _nps(self, st: Stream, rid: int, m: float, r: float, lang: str) -> None:
        s = m + self.rnd.gauss(0.0, 1.0)
        score = round(7.0 + 2.0 * s + 0.9 * self.rnd.gauss(0.0, 1.0))
        self._add(rid, st.qid.get("recommend"), float(min(10, max(0, score))))
        self._comment(st, rid, lang, s)

    def _ces(self, st: Stream, rid: int, m: float, r: float, lang: str) -> None:
        s = m + self.rnd.gauss(0.0, 1.0)
        score = round(4.8 + 1.3 * s + 0.7 * self.rnd.gauss(0.0, 1.0))
        self._add(rid, st.qid.get("ease"), float(min(7, max(1, score))))
        self._comment(st, rid, lang, s)

"""The built-in survey templates: complete in both languages and consistent with the catalog."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from feedback.core.catalog import (
    CHANNELS,
    DRIVERS,
    KINDS,
    LANGUAGES,
    SCALE_RANGES,
    TEXT_MAX_LENGTH,
    Option,
    QuestionSpec,
    Template,
    Text,
    fill,
)
from feedback.surveys.scales import (
    AGREEMENT_5,
    AGREEMENT_7,
    EASE_5,
    NPS_ENDS,
    SATISFACTION_5,
    THUMBS,
    YES_NO,
)
from feedback.surveys.survey_templates import TEMPLATES

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
SCALE_KINDS = ("yes_no", "rating5", "nps", "ces7")
EXPECTED_SCALE_IDS = {
    "yes_no": {"true", "false"},
    "rating5": {str(i) for i in range(1, 6)},
    "ces7": {str(i) for i in range(1, 8)},
    "nps": {"0", "10"},  # NPS labels only its ends
}

ALL_TEMPLATES = list(TEMPLATES.values())
ALL_QUESTIONS = [(t, q) for t in ALL_TEMPLATES for q in t.questions]


def param_id(value: object) -> str:
    """Readable pytest ids: template/question."""
    if isinstance(value, Template):
        return value.id
    if isinstance(value, QuestionSpec):
        return value.key
    return str(value)


def texts(t: Template) -> Iterator[tuple[str, Text]]:
    """Every piece of text a person reads in a template, with where it comes from."""
    yield f"{t.id}.title", t.title
    yield f"{t.id}.description", t.description
    for q in t.questions:
        yield f"{t.id}.{q.key}.text", q.text
        if q.hint is not None:
            yield f"{t.id}.{q.key}.hint", q.hint
        for o in (*q.options, *q.scale):
            yield f"{t.id}.{q.key}.{o.id}", o.label


def filled(t: Template, q: QuestionSpec) -> Text:
    return fill(q.text, t.params)


def test_expected_templates() -> None:
    assert list(TEMPLATES) == [
        "gc_page_feedback",
        "gc_task_success",
        "a11_post_transaction",
        "a11_v2",
        "service_counter",
        "csat_comment",
        "nps",
        "ces",
    ]
    for tid, t in TEMPLATES.items():
        assert t.id == tid
        assert t.questions


@pytest.mark.parametrize("t", ALL_TEMPLATES, ids=param_id)
def test_every_text_present_in_every_language(t: Template) -> None:
    for where, text in texts(t):
        assert set(text) == set(LANGUAGES), where
        for lang in LANGUAGES:
            assert text[lang].strip(), f"{where} [{lang}] is empty"
            assert text[lang] == text[lang].strip(), f"{where} [{lang}] has stray spaces"


@pytest.mark.parametrize(
    "scale", [SATISFACTION_5, EASE_5, AGREEMENT_5, AGREEMENT_7, NPS_ENDS, YES_NO, THUMBS]
)
def test_named_scales_are_bilingual_and_distinct(scale: tuple[Option, ...]) -> None:
    for lang in LANGUAGES:
        labels = [o.label[lang] for o in scale]
        assert all(label.strip() for label in labels)
        assert len(set(labels)) == len(labels)
    assert len({o.id for o in scale}) == len(scale)


@pytest.mark.parametrize("t", ALL_TEMPLATES, ids=param_id)
def test_keys_are_unique_snake_case(t: Template) -> None:
    keys = [q.key for q in t.questions]
    assert len(set(keys)) == len(keys)
    assert all(SNAKE.match(k) for k in keys), keys
    assert SNAKE.match(t.id)


@pytest.mark.parametrize(("t", "q"), ALL_QUESTIONS, ids=param_id)
def test_kind_driver_and_shape(t: Template, q: QuestionSpec) -> None:
    assert q.kind in KINDS
    assert q.driver in DRIVERS
    if q.kind in SCALE_KINDS:
        ids = [o.id for o in q.scale]
        assert len(ids) == len(set(ids))
        assert set(ids) == EXPECTED_SCALE_IDS[q.kind]
    else:
        assert q.scale == ()
    if q.kind in ("choice", "multi"):
        ids = [o.id for o in q.options]
        assert len(ids) >= 2
        assert len(ids) == len(set(ids))
        assert all(SNAKE.match(i) for i in ids), ids
    else:
        assert q.options == ()
    if q.kind == "text":
        assert q.max_length is not None and 0 < q.max_length <= TEXT_MAX_LENGTH
        assert not q.required, "free text is never required"
    else:
        assert q.max_length is None


def test_scale_ids_match_catalog_ranges() -> None:
    for kind, (low, high) in SCALE_RANGES.items():
        assert {int(i) for i in EXPECTED_SCALE_IDS[kind]} <= set(range(low, high + 1))
    assert {int(o.id) for o in AGREEMENT_7} == set(range(1, 8))


def _valid_values(q: QuestionSpec) -> set[object]:
    if q.kind == "yes_no":
        return {True, False}
    if q.kind in SCALE_RANGES:
        low, high = SCALE_RANGES[q.kind]
        return set(range(low, high + 1))
    return {o.id for o in q.options}


@pytest.mark.parametrize("t", ALL_TEMPLATES, ids=param_id)
def test_show_if_refers_to_an_earlier_question(t: Template) -> None:
    earlier: dict[str, QuestionSpec] = {}
    for q in t.questions:
        if q.show_if is not None:
            target = earlier.get(q.show_if.question)
            assert target is not None, f"{q.key} depends on a later or missing question"
            assert target.kind != "text"
            assert q.show_if.values
            valid = _valid_values(target)
            for v in q.show_if.values:
                # bool is an int in Python: keep yes_no values bool and scale values not bool.
                assert isinstance(v, bool) == (target.kind == "yes_no"), (q.key, v)
                assert v in valid, (q.key, v)
        earlier[q.key] = q


@pytest.mark.parametrize(("t", "q"), ALL_QUESTIONS, ids=param_id)
def test_defaults_fill_every_placeholder(t: Template, q: QuestionSpec) -> None:
    assert set(t.params) == {"service", "task"}
    for text in (q.text, q.hint, *(o.label for o in (*q.options, *q.scale))):
        if text is None:
            continue
        for lang, value in fill(text, t.params).items():
            assert "{" not in value and "}" not in value, (q.key, lang, value)
            assert value[0].isupper() or value[0].isdigit(), (q.key, lang, value)


@pytest.mark.parametrize("t", ALL_TEMPLATES, ids=param_id)
def test_french_typography_is_consistent(t: Template) -> None:
    for where, text in texts(t):
        fr = text["fr"]
        assert "\u2019" not in fr, f"{where}: use the plain apostrophe"
        assert not re.search(r"[\s\u00a0\u202f][?!]", fr), f"{where}: no space before ? or !"
        # French puts a non-breaking space before a colon, so it never starts a line.
        assert not re.search(r"[^\u00a0]:", fr), f"{where}: non-breaking space before ':'"


@pytest.mark.parametrize(("t", "q"), ALL_QUESTIONS, ids=param_id)
def test_comments_warn_about_personal_information(t: Template, q: QuestionSpec) -> None:
    if q.kind != "text":
        return
    assert q.driver == "comment"
    assert q.hint is not None
    assert "personal information" in q.hint["en"]
    assert "renseignements personnels" in q.hint["fr"]
    assert q.max_length == (300 if t.id == "gc_page_feedback" else 1000)


def test_gc_page_feedback_notice() -> None:
    found, comment = TEMPLATES["gc_page_feedback"].questions
    assert found.required and found.driver == "findability" and found.scale == YES_NO
    assert comment.hint is not None
    assert "not get a reply" in comment.hint["en"]
    assert "ne recevrez pas de réponse" in comment.hint["fr"]
    for word in ("telephone", "email", "SIN", "financial", "medical", "work"):
        assert word in comment.hint["en"]
    for word in ("téléphone", "courriel", "NAS", "financiers", "médicaux", "professionnels"):
        assert word in comment.hint["fr"]


def _text_of(template: str, key: str) -> Text:
    return next(q.text for q in TEMPLATES[template].questions if q.key == key)


@pytest.mark.parametrize(
    ("template", "key", "en", "fr"),
    [
        (
            "gc_page_feedback",
            "found",
            "Did you find what you were looking for?",
            "Avez-vous trouvé ce que vous cherchiez?",
        ),
        (
            "gc_task_success",
            "satisfaction",
            "How satisfied were you with your experience?",
            "Dans quelle mesure avez-vous été satisfait de votre expérience?",
        ),
        (
            "gc_task_success",
            "ease",
            "How easy or difficult was it to {task}?",
            "Dans quelle mesure a-t-il été facile ou difficile de {task}?",
        ),
        (
            "gc_task_success",
            "completed",
            "Were you able to complete what you came to do?",
            "Avez-vous été en mesure d'accomplir ce que vous êtes venu faire?",
        ),
    ],
)
def test_official_gc_wording(template: str, key: str, en: str, fr: str) -> None:
    assert _text_of(template, key) == {"en": en, "fr": fr}


def test_official_a11_wording() -> None:
    a11 = {q.key: q for q in TEMPLATES["a11_post_transaction"].questions}
    assert [(k, q.driver) for k, q in a11.items()] == [
        ("satisfaction", "satisfaction"),
        ("trust", "trust"),
        ("effectiveness", "effectiveness"),
        ("ease", "ease"),
        ("efficiency", "efficiency"),
        ("fairness", "fairness"),
        ("employee", "employee"),
        ("comment", "comment"),
    ]
    assert a11["satisfaction"].text["en"] == (
        "I am satisfied with the service I received from {service}."
    )
    assert a11["trust"].text["en"] == "This interaction increased my confidence in {service}."
    assert a11["effectiveness"].text["en"] == "My need was addressed."
    assert a11["ease"].text["en"] == "It was easy to complete what I needed to do."
    assert a11["efficiency"].text["en"] == (
        "It took a reasonable amount of time to do what I needed to do."
    )
    assert a11["fairness"].text["en"] == "I was treated fairly."
    assert a11["employee"].text["en"] == "Employees I interacted with were helpful."
    assert a11["comment"].text["en"] == "Any additional feedback?"
    assert all(q.scale == AGREEMENT_5 for q in a11.values() if q.kind == "rating5")
    assert [k for k, q in a11.items() if q.required] == ["satisfaction"]
    trust = fill(a11["trust"].text, TEMPLATES["a11_post_transaction"].params)
    assert trust["en"] == "This interaction increased my confidence in this service."


def test_a11_v2_branches_on_trust() -> None:
    trust, well, badly, comment = TEMPLATES["a11_v2"].questions
    assert (trust.key, trust.kind, trust.scale, trust.required) == ("trust", "yes_no", THUMBS, True)
    assert trust.text == _text_of("a11_post_transaction", "trust")
    assert (well.key, well.kind, well.driver) == ("went_well", "multi", "what_went_well")
    assert (badly.key, badly.kind, badly.driver) == ("went_badly", "multi", "what_went_badly")
    assert well.text["en"] == "What went well?"
    assert badly.text["en"] == "What didn't go so well?"
    assert well.show_if is not None and well.show_if.question == "trust"
    assert well.show_if.values == (True,)
    assert badly.show_if is not None and badly.show_if.values == (False,)
    ids = ["effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other"]
    assert [o.id for o in well.options] == ids
    assert [o.id for o in badly.options] == ids
    for good, bad in zip(well.options, badly.options, strict=True):
        if good.id != "other":
            assert good.label != bad.label, good.id
    assert comment.kind == "text"


def test_service_counter_other_channel_lists_every_channel() -> None:
    questions = {q.key: q for q in TEMPLATES["service_counter"].questions}
    assert list(questions) == [
        "timeliness",
        "knowledge",
        "courtesy",
        "fairness",
        "outcome",
        "satisfaction",
        "other_channel",
        "comment",
    ]
    other = questions["other_channel"]
    assert other.kind == "choice" and other.driver == "other_channel"
    assert [o.id for o in other.options] == ["no", *CHANNELS]
    for option in other.options[1:]:
        label = CHANNELS[option.id].label
        assert option.label == {"en": f"Yes: {label['en']}", "fr": f"Oui\u00a0: {label['fr']}"}
    assert questions["satisfaction"].required and questions["satisfaction"].scale == SATISFACTION_5
    assert questions["timeliness"].text["en"] == "I was served in a reasonable amount of time."


@pytest.mark.parametrize(
    ("template", "key", "kind", "scale", "driver"),
    [
        ("csat_comment", "satisfaction", "rating5", SATISFACTION_5, "satisfaction"),
        ("nps", "recommend", "nps", NPS_ENDS, "recommend"),
        ("ces", "ease", "ces7", AGREEMENT_7, "ease"),
    ],
)
def test_single_score_templates(
    template: str, key: str, kind: str, scale: tuple[Option, ...], driver: str
) -> None:
    first, comment = TEMPLATES[template].questions
    assert (first.key, first.kind, first.scale, first.driver) == (key, kind, scale, driver)
    assert first.required and not comment.required and comment.key == "comment"


def test_filled_sentences_read_naturally() -> None:
    def sentence(template: str, key: str) -> Text:
        return fill(_text_of(template, key), TEMPLATES[template].params)

    assert sentence("gc_task_success", "ease") == {
        "en": "How easy or difficult was it to do what you came to do?",
        "fr": "Dans quelle mesure a-t-il été facile ou difficile de faire ce que vous êtes "
        "venu faire?",
    }
    assert sentence("nps", "recommend")["en"] == (
        "How likely are you to recommend this service to a friend or family member?"
    )
    assert sentence("ces", "ease") == {
        "en": "This service made it easy for me to handle my issue.",
        "fr": "Ce service m'a permis de régler facilement mon problème.",
    }
    custom = fill(
        _text_of("ces", "ease"), {"service": {"en": "Service Canada", "fr": "Service Canada"}}
    )
    assert custom["en"] == "Service Canada made it easy for me to handle my issue."

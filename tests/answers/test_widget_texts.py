"""The widget's words come with the survey's definition, from the hosted page's catalogue: the
same message for the same missing answer, in English and in French, and none in embed.js."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from feedback.answers.answer_checks import missing_template
from feedback.answers.widget_texts import texts_in
from feedback.core.catalog import KINDS
from feedback.core.i18n import gettext_for

EMBED_JS = Path(__file__).resolve().parents[2] / "feedback" / "static" / "embed.js"
DEFINITION_FIELDS = {"id", "languages", "title", "channels", "questions", "service", "texts"}


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def hosted_errors(client: TestClient, survey: str, lang: str) -> tuple[str, dict[str, str]]:
    """The hosted page after an empty post: its HTML, and its summary's message per question."""
    hidden = hidden_fields(client.get(f"/s/{survey}?lang={lang}").text)
    page = client.post(f"/s/{survey}", data=hidden)
    assert page.status_code == 422
    found = re.findall(r'<li><a href="#question-([^"]+)">([^<]*)</a></li>', page.text)
    return unescape(page.text), {key: unescape(message) for key, message in found}


@pytest.mark.parametrize("key", ["counter", "page", "v2"])
def test_the_widget_words_a_missing_answer_as_the_hosted_page(
    client: TestClient, app: Any, key: str
) -> None:
    survey = app.state.ids[key]
    for asked in ("en", "fr"):
        body = client.get(f"/api/v1/surveys/{survey}?lang={asked}").json()
        assert set(body) == DEFINITION_FIELDS
        assert set(body["texts"]) == set(body["languages"]) == {"en", "fr"}
        for lang, texts in body["texts"].items():
            html, errors = hosted_errors(client, survey, lang)
            required = [q for q in body["questions"] if q["required"] and not q["show_if"]]
            assert required and set(errors) == {q["id"] for q in required}
            for q in required:  # what the widget shows: the kind's words, then the question
                assert texts["missing"][q["kind"]] + q["text"][lang] == errors[q["id"]]
            for word in ("problem", "required", "send"):
                assert texts[word] in html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_texts_are_the_catalogue_s(lang: str) -> None:
    _ = gettext_for(lang).gettext
    texts = texts_in(lang)
    for kind in KINDS:  # the question's text ends each message, so the words before it are exact
        assert texts["missing"][kind] + "Q?" == missing_template(kind, _) % {"question": "Q?"}
    assert texts["thanks"] == _("Thank you. Your feedback was sent.")
    assert texts["of"] == {"en": " of ", "fr": " de "}[lang]
    assert texts["language"] == {"en": "English", "fr": "Français"}[lang]
    if lang == "fr":  # every word is translated
        english = texts_in("en")
        assert all(texts[k] != english[k] for k in texts if k not in ("missing",))


def test_embed_js_carries_no_language() -> None:
    served = EMBED_JS.read_text(encoding="utf-8")
    for word in ("Choose an answer", "Choisissez", "Rétroaction", "There is a problem", "Envoyer"):
        assert word not in served

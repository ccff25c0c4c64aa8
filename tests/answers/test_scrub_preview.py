"""Asked to preview, intake refuses a text it would change and shows what it would store."""

from __future__ import annotations

import pytest

from feedback.answers import intake
from feedback.core.models import Question, Survey

SURVEY = Survey(
    id="s", service_id="x", title={"en": "S"}, languages=["en", "fr"], channels=["web"],
    allowed_origins=[], status="live",
)  # fmt: skip
QUESTIONS = [
    Question(id=1, survey_id="s", key="ok", position=0, kind="yes_no", text={"en": "OK?"}),
    Question(id=2, survey_id="s", key="why", position=1, kind="text", text={"en": "Why?"}),
]
PII = "Write to me at jo@example.ca or 613-555-0199"


def _submit(text: str, preview: bool, lang: str = "en") -> tuple[object, tuple[str, ...]]:
    sub = intake.Submission(channel="web", language=lang, answers={"ok": True, "why": text})
    return intake.validate(SURVEY, QUESTIONS, sub, lang, preview=preview)


def test_preview_refuses_with_the_scrubbed_text_and_what_was_removed() -> None:
    with pytest.raises(intake.Rejected) as caught:
        _submit(PII, preview=True, lang="fr")
    error = caught.value
    assert (error.status, error.code) == (422, "personal_information")
    assert "jo@example.ca" not in error.fields["why"] and "613-555" not in error.fields["why"]
    assert error.fields["why"].startswith("Write to me at")
    assert set(error.removed) == {"email", "phone"}
    assert "protéger" in error.message  # in the request's language


def test_preview_passes_clean_text_and_the_scrubbed_text_is_what_is_stored() -> None:
    accepted, removed = _submit("Quick and clear", preview=True)
    assert removed == () and accepted[1][1] == "Quick and clear"
    accepted, removed = _submit(PII, preview=False)
    assert set(removed) == {"email", "phone"} and "jo@example.ca" not in accepted[1][1]

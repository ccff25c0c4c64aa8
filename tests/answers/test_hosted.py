"""The hosted survey page, as a person without JavaScript meets it: plain HTML form posts."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import Answer, Response


def stored(app: Any, survey_id: str) -> list[Response]:
    with session_scope(app.state.engine) as session:
        return list(session.exec(select(Response).where(Response.survey_id == survey_id)))


def form_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the form, as a browser would post them."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def test_form_posts_and_thanks_in_french(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    page = client.get(f"/s/{survey}?lang=fr&channel=web&touchpoint=/renouveler")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "Avez-vous trouvé ce que vous cherchiez?" in page.text
    hidden = form_fields(page.text)
    assert hidden["lang"] == "fr" and hidden["touchpoint"] == "/renouveler"
    thanks = client.post(
        f"/s/{survey}", data={**hidden, "q_found": "true", "q_comment": "Très clair"}
    )
    assert thanks.status_code == 200
    assert "Merci. Vos commentaires ont été envoyés." in thanks.text
    assert 'role="status"' in thanks.text
    [response] = stored(app, survey)
    assert (response.language, response.channel, response.touchpoint) == (
        "fr",
        "web",
        "/renouveler",
    )
    # The same form posted again (a double click, a refresh) is stored once.
    again = client.post(
        f"/s/{survey}", data={**hidden, "q_found": "true", "q_comment": "Très clair"}
    )
    assert again.status_code == 200
    assert len(stored(app, survey)) == 1


def test_errors_keep_answers_and_name_each_field(client: TestClient, app: Any) -> None:
    survey = app.state.ids["counter"]
    hidden = form_fields(client.get(f"/s/{survey}?lang=en").text)
    page = client.post(f"/s/{survey}", data={**hidden, "q_courtesy": "4", "q_comment": "Kept text"})
    assert page.status_code == 422
    assert "<title>Error:" in page.text
    summary = page.text[page.text.index('class="error-summary"') :]
    assert 'href="#question-satisfaction"' in summary
    assert "Choose an answer: Overall, how satisfied" in summary
    # The message also sits next to its field, tied to it for screen readers.
    assert 'id="err-satisfaction"' in page.text
    assert re.search(r'aria-describedby="[^"]*err-satisfaction', page.text)
    # Nothing typed or chosen is lost.
    assert re.search(r'name="q_courtesy" value="4" checked', page.text)
    assert ">Kept text</textarea>" in page.text
    assert stored(app, survey) == []


def test_pii_is_scrubbed_and_the_person_told(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    hidden = form_fields(client.get(f"/s/{survey}?lang=en").text)
    comment = "Write to jo@example.ca or call 613-555-0199"
    # The first post shows what would be removed; the form's flag then stores (test_pii_told.py).
    check = client.post(f"/s/{survey}", data={**hidden, "q_found": "false", "q_comment": comment})
    assert check.status_code == 422 and "Check it, then send it." in check.text
    thanks = client.post(
        f"/s/{survey}", data={**form_fields(check.text), "q_found": "false", "q_comment": comment}
    )
    assert "we removed personal information" in thanks.text
    with session_scope(app.state.engine) as session:
        text = session.exec(select(Answer.text).where(Answer.text.is_not(None))).one()
    assert "jo@example.ca" not in text and "613-555-0199" not in text
    assert "[email removed]" in text


def test_language_from_accept_language_and_toggle(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    page = client.get(f"/s/{survey}", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in page.text
    toggle = re.search(r'<a class="lang-toggle" href="([^"]+)" lang="en"', page.text)
    assert toggle and "lang=en" in toggle.group(1)
    english = client.get(toggle.group(1).replace("&amp;", "&"))
    assert '<html lang="en">' in english.text and "Français" in english.text


def test_accessible_structure(client: TestClient, app: Any) -> None:
    page = client.get(f"/s/{app.state.ids['counter']}?lang=en").text
    assert page.count("<fieldset") == page.count("<legend")
    assert page.count("<fieldset") >= 7
    assert " checked" not in page  # never preselect
    for input_id in re.findall(r'<input type="(?:radio|checkbox)" id="([^"]+)"', page):
        assert f'<label for="{input_id}">' in page
    assert '<label class="question-text" for="q_comment">' in page
    assert "How we use your answers" in page  # the privacy notice is in the form


def test_unknown_channel_is_refused_and_bad_posts_never_500(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    page = client.get(f"/s/{survey}?channel=carrier-pigeon&lang=fr")
    assert page.status_code == 404
    assert "Ce lien n'est pas configuré pour ce sondage." in unescape(page.text)
    page = client.get(f"/s/{survey}?channel=web&touchpoint=" + "x" * 500)
    hidden = form_fields(page.text)
    assert hidden["channel"] == "web" and len(hidden["touchpoint"]) == 100
    junk = client.post(f"/s/{survey}", data={"q_found": "maybe", "lang": "xx", "channel": "??"})
    assert junk.status_code == 404 and stored(app, survey) == []
    junk = client.post(f"/s/{survey}", data={"q_found": "maybe", "lang": "xx", "channel": "web"})
    assert junk.status_code == 422
    assert "Answer yes or no." in junk.text
    raw = client.post(
        f"/s/{survey}",
        content=b"\xff\xfe--garbage",
        headers={"content-type": "multipart/form-data; boundary=zzz"},
    )
    assert raw.status_code == 400


def test_missing_and_closed_surveys_are_pages_in_the_right_language(
    client: TestClient, app: Any
) -> None:
    missing = client.get("/s/doesnotexist?lang=fr")
    assert missing.status_code == 404 and "Ce sondage n'existe pas." in unescape(missing.text)
    closed = client.get(f"/s/{app.state.ids['closed']}?lang=en")
    assert closed.status_code == 410 and "This survey is closed" in closed.text
    assert client.get(f"/s/{app.state.ids['draft']}").status_code == 404
    assert client.get("/no/such/page?lang=fr").text.count("Nous ne trouvons pas cette page.") == 2


def test_public_pages_set_no_cookie_and_a_strict_csp(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    for response in (
        client.get(f"/s/{survey}"),
        client.get("/demo"),
        client.post(f"/s/{survey}", data={"q_found": "true", "channel": "web"}),
    ):
        assert "set-cookie" not in response.headers
        csp = response.headers["content-security-policy"]
        assert "'unsafe-inline'" not in csp and "script-src 'self'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
